import { packageProject } from '../../vitest.shared.js'

export default packageProject('parallel-executor', { testTimeoutMs: 60_000 })
