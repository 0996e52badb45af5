import { packageProject } from '../../vitest.shared.js'

export default packageProject('kv-level')
