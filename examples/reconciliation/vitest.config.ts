import { packageProject } from '../../vitest.shared.js'

export default packageProject('example-reconciliation', { testTimeoutMs: 120_000 })
