import { packageProject } from '../../vitest.shared.js'

export default packageProject('example-evidence-storage', { testTimeoutMs: 120_000 })
