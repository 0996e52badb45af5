/**
 * `consortia build-chain -k <key manager>` (issue 16): against a real `consortia key-manager`
 * process, every node config gets `storageSecurity` with its own cipher data key, no plaintext
 * data key is written anywhere, and a node of the chain starts with encrypted stores. Without a
 * reachable key manager build-chain fails before writing anything.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLevelKvStore, readKvEncryptionInfo } from '@consortia/kv-level'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { buildSecureChain, parseKeyManagerUrl } from '../src/build-chain/key-manager.js'
import { type BuildChainOptions, parseBuildChainArgs } from '../src/build-chain/options.js'
import { runCli } from '../src/cli.js'
import { loadNodeConfig } from '../src/config/schema.js'
import { isNodeError } from '../src/errors.js'
import { fetchDataKey } from '../src/key-manager/index.js'
import { createNodeLogger } from '../src/node/logger.js'
import { startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-build-km-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
})
const quiet = () => createNodeLogger({ level: 'silent', destination: { write: () => undefined }, base: {} })
const parse = (args: string[]): BuildChainOptions => {
  const o = parseBuildChainArgs(args)
  if (o === 'help') throw new Error('help')
  return o
}

/** Starts `consortia key-manager` as its own process; resolves once it listens. */
async function keyManagerProcess(port: number): Promise<{ url: string; child: ChildProcess }> {
  const bin = fileURLToPath(new URL('../bin/consortia.mjs', import.meta.url))
  const child = spawn(process.execPath, [bin, 'key-manager', '--port', String(port)], {
    env: { ...process.env, CONSORTIA_SUPER_KEY: 'build-chain test super key of the agency' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`key manager did not start: ${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('key manager listening on')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`key manager exited with ${code}: ${output}`))
    })
  })
  return { url: `http://127.0.0.1:${port}`, child }
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

describe('build-chain -k (key manager)', () => {
  it('parses -k / --key-manager and refuses it with MySQL storage or a bad URL', () => {
    expect(parse(['-l', '127.0.0.1:1', '-k', 'http://127.0.0.1:8150']).keyManagerUrl).toBe(
      'http://127.0.0.1:8150',
    )
    expect(parse(['-l', '127.0.0.1:1', '--key-manager', 'http://[::1]:8150/']).keyManagerUrl).toBe(
      'http://[::1]:8150',
    )
    expect(parse(['-l', '127.0.0.1:1']).keyManagerUrl).toBeUndefined()
    expect(() =>
      parse(['-l', '127.0.0.1:1', '-s', 'mysql', '--mysql-url', 'mysql://r:p@h:3306/c', '-k', 'http://h:1']),
    ).toThrow('-k: expected LevelDB storage')
    expect(() => parseKeyManagerUrl('127.0.0.1:8150')).toThrow('-k: expected')
    expect(() => parseKeyManagerUrl('ftp://127.0.0.1:8150')).toThrow('-k: expected an http:// or https://')
    expect(() => parseKeyManagerUrl('http://u:p@127.0.0.1:8150')).toThrow(
      'without path, query or credentials',
    )
    // buildChain alone cannot honour -k: the sealed keys come from buildSecureChain.
    expect(() => buildChain(parse(['-l', '127.0.0.1:1', '-o', join(root, 'x'), '-k', 'http://h:1']))).toThrow(
      'one cipher data key per node',
    )
  })

  it('writes a cipher data key per node (never the data key) and the node starts encrypted', async () => {
    const [kmPort, p2p] = await freePorts(1, 28_101)
    const km = await keyManagerProcess(kmPort!)
    const out = join(root, 'chain')
    const lines: string[] = []
    const code = await runCli(
      [
        'build-chain',
        '-l',
        '127.0.0.1:2',
        '-o',
        out,
        '-p',
        `${p2p},${p2p! + 10},${p2p! + 20},${p2p! + 30},${p2p! + 40}`,
        '-k',
        km.url,
        '--tick-ms',
        '50',
      ],
      (l) => lines.push(l),
    )
    expect(code, lines.join('\n')).toBe(0)
    const dirs = [0, 1].map((k) => join(out, '127.0.0.1', `node${k}`))
    const sections = dirs.map((d) => loadNodeConfig(join(d, 'config.json')).storageSecurity)
    for (const s of sections) {
      expect(s?.keyManagerUrl).toBe(km.url)
      expect(s?.cipherDataKey).toMatch(/^[0-9a-f]+$/)
    }
    expect(sections[0]!.cipherDataKey).not.toBe(sections[1]!.cipherDataKey)
    // The key manager opens each cipher data key to a distinct 32-byte random key (64 hex chars);
    // that key appears in no file of the output, in any form.
    const dataKeys = await Promise.all(sections.map((s) => fetchDataKey(km.url, s!.cipherDataKey)))
    expect(dataKeys.map((k) => k.length)).toEqual([64, 64])
    expect(Buffer.from(dataKeys[0]!).equals(Buffer.from(dataKeys[1]!))).toBe(false)
    for (const k of dataKeys) {
      const text = Buffer.from(k).toString() // the hex text the key manager sealed
      for (const needle of [
        Buffer.from(k),
        Buffer.from(text, 'hex'),
        Buffer.from(Buffer.from(k).toString('hex')),
      ]) {
        expect(filesContaining(out, needle)).toEqual([])
      }
    }

    // Node 0 fetches its key at start and creates its stores encrypted (keys too).
    const node = await startNode(dirs[0]!, { logger: quiet() })
    await node.close()
    const amdb = await createLevelKvStore({ location: join(dirs[0]!, 'data', 'group1', 'amdb') })
    expect(await readKvEncryptionInfo(amdb)).toMatchObject({ format: 2, keysEncrypted: true })
    await amdb.close()

    // Key manager gone: build-chain fails with the reason and writes nothing.
    km.child.kill('SIGTERM')
    await new Promise((r) => km.child.once('exit', r))
    const nothing = join(root, 'nothing')
    const err = await buildSecureChain(parse(['-l', '127.0.0.1:1', '-o', nothing, '-k', km.url]), {
      timeoutMs: 2_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(String(err)).toMatch(/unreachable/)
    expect(existsSync(nothing)).toBe(false)
    expect(isNodeError(err, 'NODE_INVALID_ARGUMENT')).toBe(false)
  }, 180_000)
})
