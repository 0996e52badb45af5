/**
 * End to end against the Consortia reference node (examples/reference-node): `consortia
 * build-chain` for one node, `consortia start` as a real process, then the SDK over JSON-RPC
 * and over the channel protocol (TLS 1.2 with the generated SDK certificate), the README
 * quickstart, and the console driven by a script. Skipped when the reference node is absent.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileToken, main as quickstart, tokenAbi } from '../examples/quickstart.js'
import { createConsole } from '../src/console/index.js'
import {
  type ChannelTransport,
  createAccount,
  createChannelTransport,
  createClient,
  createHttpTransport,
  deploy,
} from '../src/index.js'

const bin = fileURLToPath(new URL('../../../examples/reference-node/bin/consortia.mjs', import.meta.url))

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

describe.skipIf(!existsSync(bin))('SDK against a running reference node', () => {
  let root: string
  let proc: ChildProcess | undefined
  let rpcUrl: string
  let channelPort: number
  let sdkDir: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sdk-e2e-'))
    const ports = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()]
    const built = spawnSync(
      process.execPath,
      [
        bin,
        'build-chain',
        '-l',
        '127.0.0.1:1',
        '-o',
        join(root, 'nodes'),
        '-p',
        ports.join(','),
        '--tick-ms',
        '20',
      ],
      {
        encoding: 'utf8',
      },
    )
    if (built.status !== 0) throw new Error(`build-chain failed: ${built.stderr}`)
    sdkDir = join(root, 'nodes', '127.0.0.1', 'sdk')
    rpcUrl = `http://127.0.0.1:${ports[2]}`
    channelPort = ports[1]!
    let stderr = ''
    const child = spawn(process.execPath, [bin, 'start', join(root, 'nodes', '127.0.0.1', 'node0')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    proc = child
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    const http = createHttpTransport({ url: rpcUrl, retries: 0, timeoutMs: 1000 })
    const deadline = Date.now() + 45_000
    for (;;) {
      try {
        await http.request('getBlockNumber', [1])
        break
      } catch {
        if (child.exitCode !== null) throw new Error(`node exited: ${stderr}`)
        if (Date.now() > deadline) throw new Error(`node did not answer: ${stderr}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
  }, 90_000)

  afterAll(async () => {
    if (proc !== undefined && proc.exitCode === null) {
      const exited = new Promise((r) => proc?.once('exit', r))
      proc.kill('SIGTERM')
      await exited
    }
    rmSync(root, { recursive: true, force: true })
  }, 30_000)

  it('README quickstart: deploy a solc-compiled token, transfer, typed reads, events, revert reason, panic', async () => {
    const r = await quickstart(rpcUrl)
    expect(r.aliceBalance).toBe(750n)
    expect(r.bobBalance).toBe(250n)
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatch(/^Transfer /)
    expect(r.revertReason).toBe('RevertInstruction: insufficient balance')
    expect(r.panic).toBe('panic 0x12: division or modulo by zero')
    expect(r.transferLogs).toBe(2) // the constructor's mint and the transfer
  }, 60_000)

  it('channel protocol: handshake, deploy and write with receipt push, block notify', async () => {
    const tls = {
      ca: readFileSync(join(sdkDir, 'ca.crt'), 'utf8'),
      cert: readFileSync(join(sdkDir, 'sdk.crt'), 'utf8'),
      key: readFileSync(join(sdkDir, 'sdk.key'), 'utf8'),
    }
    const channel: ChannelTransport = await createChannelTransport({
      host: '127.0.0.1',
      port: channelPort,
      tls,
    })
    try {
      expect(channel.protocolVersion).toBeGreaterThanOrEqual(1)
      const heights: number[] = []
      channel.onBlockNumber(1, (n) => heights.push(n))
      const account = createAccount('ecdsa')
      const client = createClient({ transport: channel, account, pollIntervalMs: 10_000 })
      const before = await client.getBlockNumber()
      const { contract } = await deploy(client, { abi: tokenAbi, bytecode: compileToken(), args: [5n] })
      const w = await contract.write('transfer', [`0x${'0'.repeat(39)}1`, 2n])
      expect(w.result).toBe(true)
      expect(await contract.read('balanceOf', [account.address])).toBe(3n)
      for (let i = 0; i < 100 && !heights.includes(w.receipt.blockNumber); i++)
        await new Promise((r) => setTimeout(r, 20))
      expect(heights.every((h) => h > before)).toBe(true)
      expect(heights).toContain(w.receipt.blockNumber)
    } finally {
      await channel.close()
    }
  }, 60_000)

  it('console script: queries, system config and CRUD on the running node', async () => {
    const client = createClient({
      transport: createHttpTransport({ url: rpcUrl }),
      account: createAccount('ecdsa'),
      pollIntervalMs: 50,
    })
    let out = ''
    let err = ''
    const script = [
      'getBlockNumber',
      'getSealerList',
      'setSystemConfigByKey tx_count_limit 500',
      'getSystemConfigByKey tx_count_limit',
      'create table t_e2e(name varchar, item varchar, primary key(name))',
      'insert into t_e2e (name, item) values (fruit, apple)',
      'select * from t_e2e where name = fruit',
    ]
    const repl = createConsole({
      client,
      input: Readable.from(script.map((l) => `${l}\n`).join('')),
      output: { write: (t: string) => (out += t) },
      errorOutput: { write: (t: string) => (err += t) },
    })
    const code = await repl.run()
    expect(err).toBe('')
    expect(code).toBe(0)
    expect(out).toMatch(/"[0-9a-f]{128}"/)
    expect(out).toContain('500\n')
    expect(out).toContain('"item": "apple"')
    await client.close()
  }, 60_000)
})
