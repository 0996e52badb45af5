import { packageProject } from '../../vitest.shared.js'

export default packageProject('reference-node', { testTimeoutMs: 120_000 })
