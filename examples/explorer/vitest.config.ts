import { packageProject } from '../../vitest.shared.js'

export default packageProject('explorer', { testTimeoutMs: 240_000 })
