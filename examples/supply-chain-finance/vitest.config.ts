import { packageProject } from '../../vitest.shared.js'

export default packageProject('example-supply-chain-finance', { testTimeoutMs: 120_000 })
