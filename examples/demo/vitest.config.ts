import { packageProject } from '../../vitest.shared.js'

export default packageProject('demo', { testTimeoutMs: 180_000 })
