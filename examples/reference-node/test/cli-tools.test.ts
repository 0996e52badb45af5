/**
 * `consortia console` and `consortia key-manager` run as real processes: the console reads a
 * script from stdin against a node's JSON-RPC (an in-process single-sealer chain) and exits
 * non-zero at a failing command; the key manager listens, answers FISCO's key requests, and stops
 * on SIGTERM.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchDataKey, requestCipherDataKey } from '../src/key-manager/index.js'
import { type RunningServer, startRpcServer } from '../src/rpc/http-server.js'
import { startTestChain, type TestChain } from './rpc-helpers.js'

const bin = fileURLToPath(new URL('../bin/consortia.mjs', import.meta.url))

function runBin(
  args: readonly string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; until?: RegExp } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; kill: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...options.env } })
    let stdout = ''
    let stderr = ''
    const kill = () => child.kill('SIGTERM')
    child.stdout.on('data', (d) => {
      stdout += String(d)
      if (options.until?.test(stdout)) resolve({ code: null, stdout, stderr, kill })
    })
    child.stderr.on('data', (d) => {
      stderr += String(d)
    })
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr, kill }))
    if (options.stdin !== undefined) child.stdin.end(options.stdin)
  })
}

describe('consortia console', () => {
  let chain: TestChain
  let server: RunningServer
  beforeAll(async () => {
    chain = await startTestChain()
    server = await startRpcServer({ host: '127.0.0.1', port: 0, node: chain.node })
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    await chain?.close()
  })

  it('runs a script against the node and exits 0', async () => {
    const rpc = `http://127.0.0.1:${server.port}`
    const result = await runBin(['console', '--rpc', rpc], {
      stdin: 'getBlockNumber\ngetSealerList\ngetSystemConfigByKey tx_count_limit\n',
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/\b\d+\b/)
    expect(result.stdout).toContain(Buffer.from(chain.node.nodeId).toString('hex').slice(0, 16))
  }, 120_000)

  it('exits non-zero at a failing command and refuses bad options', async () => {
    const rpc = `http://127.0.0.1:${server.port}`
    const failing = await runBin(['console', '--rpc', rpc], {
      stdin: 'getBlockByNumber not-a-number\ngetBlockNumber\n',
    })
    expect(failing.code).not.toBe(0)
    const badSuite = await runBin(['console', '--suite', 'rsa'])
    expect(badSuite.code).toBe(2)
    expect(badSuite.stdout).toContain('--suite: expected ecdsa or sm')
  }, 120_000)
})

describe('consortia key-manager', () => {
  it('refuses to start without the super key in the environment', async () => {
    const result = await runBin(['key-manager', '--port', '0'], { env: { CONSORTIA_SUPER_KEY: '' } })
    expect(result.code).toBe(2)
    expect(result.stdout).toContain('CONSORTIA_SUPER_KEY is not set')
  }, 60_000)

  it('answers encDataKey/decDataKey and stops on SIGTERM', async () => {
    const running = await runBin(['key-manager', '--port', '0'], {
      env: { CONSORTIA_SUPER_KEY: 'a super key of the agency, 32+ bytes' },
      until: /listening on (http:\/\/\S+)/,
    })
    const url = /listening on (http:\/\/\S+)/.exec(running.stdout)?.[1] as string
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const cipherDataKey = await requestCipherDataKey(url, 'the data key of node 0')
    expect(new TextDecoder().decode(await fetchDataKey(url, cipherDataKey))).toBe('the data key of node 0')
    running.kill()
  }, 60_000)
})
