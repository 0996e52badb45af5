/**
 * Disk encryption of a real node (issue 16): `consortia start` with a `storageSecurity` section
 * fetches its data key from the key manager, opens every LevelDB store encrypted and reads its
 * sealed key file; the data directory then holds none of the node's data in plaintext; without
 * the key manager the node refuses to start with the reason; with it back, it restarts on its data.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { createRpcClient } from '../src/client.js'
import { requestCipherDataKey, requestSealedKeyFile, startKeyManager } from '../src/key-manager/index.js'
import { createNodeLogger } from '../src/node/logger.js'
import { startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'
import { accountOf, balanceOf, deployToken, expectReceipts, sendTransfers } from './helpers/workload.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-secure-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const SUPER_KEY = 'the agency super key, long enough'
const quiet = () => createNodeLogger({ level: 'silent', destination: { write: () => undefined }, base: {} })

async function oneNodeChain(name: string, seed: number) {
  const ports = await freePorts(1, seed)
  const options = parseBuildChainArgs([
    '-l',
    '127.0.0.1:1',
    '-o',
    join(root, name),
    '-p',
    ports.join(','),
    '--tick-ms',
    '50',
  ])
  if (options === 'help') throw new Error('help')
  return buildChain(options)
}

/** Files under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: Buffer): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...filesContaining(path, needle))
    else if (readFileSync(path).includes(needle)) out.push(path)
  }
  return out
}

async function runWorkload(port: number, label: string): Promise<void> {
  const rpc = createRpcClient(`http://127.0.0.1:${port}`)
  const account = accountOf('ecdsa', label)
  const token = await deployToken(rpc, account, 100n)
  await expectReceipts(rpc, await sendTransfers([rpc], account, token, 3))
  expect(await balanceOf(rpc, token, account.address)).toBe(97n)
}

describe('a node with disk encryption', () => {
  it('keeps no plaintext on disk, refuses to start without the key manager, restarts with it', async () => {
    // A plain node first: the same grep finds its data, so the check below can fail.
    const plain = await oneNodeChain('plain', 41)
    const plainNode = await startNode(plain.nodes[0]!.dir, { logger: quiet() })
    await runWorkload(plainNode.ports.rpc, 'plain')
    await plainNode.close()
    const plainHits = [
      Buffer.from(plain.nodes[0]!.nodeId, 'hex'),
      Buffer.from(plain.nodes[0]!.nodeId),
    ].flatMap((n) => filesContaining(join(plain.nodes[0]!.dir, 'data'), n))
    expect(plainHits.length).toBeGreaterThan(0)

    const chain = await oneNodeChain('secure', 43)
    const dir = chain.nodes[0]!.dir
    let km = await startKeyManager({ superKey: SUPER_KEY, port: 0 })
    const kmPort = km.port
    try {
      const cipherDataKey = await requestCipherDataKey(km.url, 'ab'.repeat(32))
      const keyFile = join(dir, 'conf', 'node.key')
      writeFileSync(keyFile, await requestSealedKeyFile(km.url, readFileSync(keyFile, 'utf8'), cipherDataKey))
      expect(readFileSync(keyFile, 'utf8')).not.toContain('PRIVATE KEY')
      const configFile = join(dir, 'config.json')
      const config = JSON.parse(readFileSync(configFile, 'utf8'))
      writeFileSync(
        configFile,
        JSON.stringify({ ...config, storageSecurity: { keyManagerUrl: km.url, cipherDataKey } }, null, 2),
      )

      const node = await startNode(dir, { logger: quiet() })
      await runWorkload(node.ports.rpc, 'secure')
      const height = Number(
        await createRpcClient(`http://127.0.0.1:${node.ports.rpc}`).call<string>('getBlockNumber', [1]),
      )
      await node.close()

      // The data-directory marker names the chain and the node (public identity, like FISCO's
      // conf/node.nodeid) so a node refuses another chain's data; nothing else may show it.
      const stored = (needle: Buffer) =>
        filesContaining(join(dir, 'data'), needle).filter((f) => !f.endsWith('consortia-node.json'))
      expect(stored(Buffer.from(chain.nodes[0]!.nodeId, 'hex'))).toEqual([])
      expect(stored(Buffer.from(chain.nodes[0]!.nodeId))).toEqual([])

      await km.close()
      await expect(startNode(dir, { logger: quiet() })).rejects.toThrow(/key manager|data key/)

      km = await startKeyManager({ superKey: SUPER_KEY, port: kmPort })
      const again = await startNode(dir, { logger: quiet() })
      try {
        expect(
          Number(
            await createRpcClient(`http://127.0.0.1:${again.ports.rpc}`).call<string>('getBlockNumber', [1]),
          ),
        ).toBeGreaterThanOrEqual(height)
        await runWorkload(again.ports.rpc, 'secure-again')
      } finally {
        await again.close()
      }
    } finally {
      await km.close()
    }
  }, 240_000)
})
