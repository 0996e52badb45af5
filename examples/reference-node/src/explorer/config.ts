import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ListenConfig, parseNodeConfig, readJsonFile } from '../config/schema.js'

/**
 * Turns the explorer on in a node directory's `config.json` (the `explorer` key: listen address
 * and port), validating the result as `consortia start` would. Used by `npm start` for node 0
 * and by tests; operators can edit the key by hand instead.
 */
export function enableExplorer(nodeDir: string, explorer: ListenConfig): void {
  const file = join(nodeDir, 'config.json')
  const raw = readJsonFile(file) as Record<string, unknown>
  const next = { ...raw, explorer: { listenIp: explorer.listenIp, port: explorer.port } }
  parseNodeConfig(next, file)
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`)
}
