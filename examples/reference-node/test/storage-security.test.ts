/**
 * Disk encryption of a real node (issue 16): `consortia start` with a `storageSecurity` section
 * fetches its data key from the key manager, opens every LevelDB store encrypted and reads its
 * sealed key file; the data directory then holds none of the node's data in plaintext (keys
 * included: no table name, transaction hash, account address or node ID in any file); without
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

/** What a workload leaves on disk that must not be readable: transaction hashes, addresses. */
interface Traces {
  readonly txHashes: string[]
  readonly addresses: string[]
}

async function runWorkload(port: number, label: string): Promise<Traces> {
  const rpc = createRpcClient(`http://127.0.0.1:${port}`)
  const account = accountOf('ecdsa', label)
  const token = await deployToken(rpc, account, 100n)
  const txHashes = await sendTransfers([rpc], account, token, 3)
  await expectReceipts(rpc, txHashes)
  expect(await balanceOf(rpc, token, account.address)).toBe(97n)
  return { txHashes, addresses: [account.address, token] }
}

/** AMDB system tables every node writes (FISCO 2.x names). */
const TABLE_NAMES = ['_sys_tables_', '_sys_tx_hash_2_block_', '_sys_number_2_hash_', '_sys_hash_2_block_']

/** Each secret in the forms a store could hold it: raw bytes, hex, `0x` hex, upper-case hex. */
function needles(traces: Traces, nodeId: string): { what: string; bytes: Buffer }[] {
  const out: { what: string; bytes: Buffer }[] = []
  const hexForms = (what: string, hex0x: string) => {
    const hex = hex0x.replace(/^0x/, '').toLowerCase()
    out.push({ what, bytes: Buffer.from(hex, 'hex') })
    for (const text of [hex, `0x${hex}`, hex.toUpperCase()]) out.push({ what, bytes: Buffer.from(text) })
  }
  for (const h of traces.txHashes) hexForms(`tx hash ${h}`, h)
  for (const a of traces.addresses) hexForms(`address ${a}`, a)
  hexForms('node ID', nodeId)
  for (const t of TABLE_NAMES) out.push({ what: `table ${t}`, bytes: Buffer.from(t) })
  return out
}

/** `what: file` for every needle found in a file under `dir`. */
function plaintextHits(dir: string, list: { what: string; bytes: Buffer }[]): string[] {
  return list.flatMap(({ what, bytes }) => filesContaining(dir, bytes).map((f) => `${what}: ${f}`))
}

describe('a node with disk encryption', () => {
  it('keeps no plaintext on disk, refuses to start without the key manager, restarts with it', async () => {
    // A plain node first: the same grep finds its data, so the check below can fail.
    const plain = await oneNodeChain('plain', 28_041)
    const plainNode = await startNode(plain.nodes[0]!.dir, { logger: quiet() })
    const plainTraces = await runWorkload(plainNode.ports.rpc, 'plain')
    await plainNode.close()
    const plainHits = plaintextHits(
      join(plain.nodes[0]!.dir, 'data'),
      needles(plainTraces, plain.nodes[0]!.nodeId),
    )
    // Every kind of secret is found in the unencrypted control.
    for (const kind of ['tx hash', 'address', 'node ID', 'table']) {
      expect(plainHits.some((h) => h.startsWith(kind))).toBe(true)
    }

    const chain = await oneNodeChain('secure', 28_043)
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
      const traces = await runWorkload(node.ports.rpc, 'secure')
      const height = Number(
        await createRpcClient(`http://127.0.0.1:${node.ports.rpc}`).call<string>('getBlockNumber', [1]),
      )
      await node.close()

      // No file of the data directory (stores, LevelDB logs and manifests, the marker, which
      // holds a keyed fingerprint of the node ID) shows a key or value of the node's data.
      expect(plaintextHits(join(dir, 'data'), needles(traces, chain.nodes[0]!.nodeId))).toEqual([])

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
        // State written before the restart reads back through the encrypted keys.
        const rpc = createRpcClient(`http://127.0.0.1:${again.ports.rpc}`)
        expect(await balanceOf(rpc, traces.addresses[1]!, traces.addresses[0]!)).toBe(97n)
        const more = await runWorkload(again.ports.rpc, 'secure-again')
        await again.close()
        expect(plaintextHits(join(dir, 'data'), needles(more, chain.nodes[0]!.nodeId))).toEqual([])
      } finally {
        await again.close()
      }
    } finally {
      await km.close()
    }
  }, 240_000)
})
