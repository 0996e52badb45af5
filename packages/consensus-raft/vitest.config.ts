import { packageProject } from '../../vitest.shared.js'

export default packageProject('consensus-raft')
