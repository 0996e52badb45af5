// A peer process killed with SIGKILL (no close handshake) and restarted on the same port
// is redialed and the session comes back.
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModuleId } from '@consortia/interface'
import { afterEach, expect, it } from 'vitest'
import type { P2PNode } from '../src/index.js'
import { makeChain, recordEvents, startNode, tlsOf, waitFor } from './helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
const children: ChildProcess[] = []
let local: P2PNode | undefined

afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
  await local?.close()
})

function spawnPeer(config: object): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'peer-process.ts')],
    {
      cwd: join(here, '..'),
      env: { ...process.env, P2P_PEER_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  children.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /ready (\d+)/.exec(out)
      if (m) resolve({ child, port: Number(m[1]) })
    })
    child.once('exit', (code) => reject(new Error(`peer process exited early with ${code}`)))
  })
}

it('reconnects to a peer process that was killed and restarted', async () => {
  const chain = makeChain()
  const peerCert = chain.node('peer')
  const config = { ...tlsOf(chain, peerCert), listenPort: 0 }
  const first = await spawnPeer(config)
  local = await startNode(tlsOf(chain, chain.node('local')))
  const events = recordEvents(local)
  const echoes: number[] = []
  local.subscribe(1, ModuleId.PBFT, (_from, m) => echoes.push(m.packetType))
  local.addPeers([`127.0.0.1:${first.port}`])
  await waitFor(() => local?.peers().length === 1, 'first session', 15_000)
  local.send(peerCert.nodeId, {
    groupId: 1,
    moduleId: ModuleId.PBFT,
    packetType: 1,
    payload: new Uint8Array([1]),
  })
  await waitFor(() => echoes.includes(2), 'first echo', 15_000)

  first.child.kill('SIGKILL')
  await waitFor(() => local?.peers().length === 0, 'loss noticed', 15_000)
  expect(events.some((e) => e.type === 'disconnected')).toBe(true)
  await spawnPeer({ ...config, listenPort: first.port })
  await waitFor(() => local?.peers().length === 1, 'reconnected', 20_000)
  local.send(peerCert.nodeId, {
    groupId: 1,
    moduleId: ModuleId.PBFT,
    packetType: 5,
    payload: new Uint8Array([1]),
  })
  await waitFor(() => echoes.includes(6), 'echo after restart', 15_000)
}, 60_000)
