/**
 * Smoke test of `npm start`: runs src/demo.ts as users do (a child process through tsx) with
 * a small transaction count and `--exit-when-done`, and checks its verdicts and exit code.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { TSX_IMPORT } from '../src/paths.js'

const demo = fileURLToPath(new URL('../src/demo.ts', import.meta.url))

describe('npm start (src/demo.ts)', () => {
  it('builds a 4-node chain, deploys both contracts, commits the stream on every node and exits', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', TSX_IMPORT, demo, '--txs', '40', '--exit-when-done'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    expect(out).toMatch(/build-chain: 4 nodes \(PBFT, ECDSA, LevelDB\)/)
    expect(out).toMatch(/all 4 nodes answer JSON-RPC; node 0 has 3 peers over TLS/)
    expect(out).toMatch(/deployed DemoToken \(ERC-20-like, supply 400\) at 0x[0-9a-f]{40}/)
    expect(out).toMatch(/deployed DemoRegistry at 0x[0-9a-f]{40}; created tables/)
    expect(out).toMatch(/block #\d+: +\d+ txs, hash 0x[0-9a-f]{8}…, sealer \d/)
    expect(out).toMatch(/40 transactions committed in .*receipts: 40 ok, 0 failed/)
    expect(out).toMatch(/balanceOf\(sender\) on node 3: 370 = 400 - 30 transfers: ok/)
    expect(out).toMatch(/t_demo_orders\["alice"\] on node 3: 3 rows of 3 sent, .*: ok/)
    expect(out).toMatch(/all 4 nodes at block #\d+, hash 0x[0-9a-f]{8}…: identical/)
    expect(out).toMatch(/node 0: JSON-RPC http:\/\/127\.0\.0\.1:\d+/)
    expect(out).toMatch(/block explorer \(served by node 0\): http:\/\/127\.0\.0\.1:\d+\//)
    expect(out).toMatch(/stopped/)
    expect(code, out.slice(-2000)).toBe(0)
  }, 200_000)
})
