/**
 * The explorer server (`src/explorer/`): served by `startNode` when `config.explorer` is set,
 * JSON-RPC through the node's own backend or any node's URL, static files of the bundle (with
 * path traversal refused), live pushes over WebSocket, the error answers of an unreachable node,
 * and its limits. The browser-side checks are in examples/explorer/test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isChainError } from '@consortia/interface'
import { afterAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { parseNodeConfig, readJsonFile } from '../src/config/schema.js'
import { enableExplorer } from '../src/explorer/config.js'
import { isExplorerError } from '../src/explorer/errors.js'
import { createHttpForwarder } from '../src/explorer/forwarder.js'
import {
  EXPLORER_RPC_BODY_BYTES_MAX,
  EXPLORER_WS_CLIENTS_MAX,
  type ExplorerPush,
  startExplorerServer,
} from '../src/explorer/server.js'
import { type StartedNode, startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-explorer-server-'))
let node: StartedNode | undefined
afterAll(async () => {
  await node?.close()
  rmSync(root, { recursive: true, force: true })
})

/** A free port in helper B's range (22000..22999), below the ephemeral range. */
async function freeExplorerPort(): Promise<number> {
  const { createServer } = await import('node:net')
  for (let i = 0; i < 100; i++) {
    const port = 22_900 + ((process.pid + i * 7) % 99)
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)))
    })
    if (ok) return port
  }
  throw new Error('no free port in 22900..22998')
}

/** A one-node chain in this process with the explorer on a free port (helper B's seed). */
async function startExplorerNode(): Promise<StartedNode> {
  const ports = await freePorts(1, 22_000)
  const options = parseBuildChainArgs([
    '-l',
    '127.0.0.1:1',
    '-o',
    join(root, 'chain'),
    '-p',
    ports.join(','),
    '--tick-ms',
    '50',
  ])
  if (options === 'help') throw new Error('help')
  const chain = buildChain(options)
  enableExplorer(chain.nodes[0]!.dir, { listenIp: '127.0.0.1', port: await freeExplorerPort() })
  return startNode(chain.nodes[0]!.dir)
}

interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A raw HTTP request (no URL normalisation, so `..` reaches the server as sent). */
function http(port: number, method: string, path: string, body?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

/** Opens `/ws` and resolves with the first push, keeping the socket open. */
function firstPush(port: number): Promise<{ ws: WebSocket; push: ExplorerPush }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    ws.once('message', (data) => resolve({ ws, push: JSON.parse(String(data)) as ExplorerPush }))
    ws.once('error', reject)
  })
}

async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

describe('explorer served by startNode', () => {
  it('answers JSON-RPC through the node backend and pushes live status over /ws', async () => {
    node = await startExplorerNode()
    const port = node.ports.explorer
    expect(port).toBeGreaterThan(0)
    const one = await http(
      port!,
      'POST',
      '/rpc',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getGroupList', params: [] }),
    )
    expect(one.status).toBe(200)
    expect(JSON.parse(one.body)).toEqual({ jsonrpc: '2.0', id: 1, result: [1] })
    const batch = await http(
      port!,
      'POST',
      '/rpc',
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'getBlockNumber', params: [1] },
        { jsonrpc: '2.0', id: 2, method: 'getBlockNumber', params: [99] },
      ]),
    )
    const answers = JSON.parse(batch.body) as { id: number; result?: string; error?: unknown }[]
    expect(answers[0]!.result).toMatch(/^0x[0-9a-f]+$/)
    expect(answers[1]!.error).toBeDefined()

    const { ws, push } = await firstPush(port!)
    try {
      expect(push.type).toBe('status')
      if (push.type !== 'status') return
      expect(push.peers).toBe(0)
      expect(push.groups).toHaveLength(1)
      expect(push.groups[0]).toMatchObject({ groupId: 1, pendingTxs: 0, txSum: 0 })
      expect(push.groups[0]!.height).toBeGreaterThanOrEqual(0)
      expect(typeof push.groups[0]!.view).toBe('number')
    } finally {
      ws.close()
    }
  })

  it('refuses other methods on /rpc and bodies over the limit', async () => {
    const port = node!.ports.explorer!
    expect((await http(port, 'GET', '/rpc')).status).toBe(405)
    const big = await http(port, 'POST', '/rpc', 'x'.repeat(EXPLORER_RPC_BODY_BYTES_MAX + 1))
    expect(big.status).toBe(413)
    expect(big.body).toContain(`body over ${EXPLORER_RPC_BODY_BYTES_MAX} bytes`)
    expect((await http(port, 'PUT', '/')).status).toBe(405)
  })

  it(`closes the live viewer over ${EXPLORER_WS_CLIENTS_MAX} with 1013`, async () => {
    const port = node!.ports.explorer!
    const open: WebSocket[] = []
    try {
      for (let i = 0; i < EXPLORER_WS_CLIENTS_MAX; i++) {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
        await new Promise((resolve, reject) => {
          ws.once('open', resolve)
          ws.once('error', reject)
        })
        open.push(ws)
      }
      const extra = new WebSocket(`ws://127.0.0.1:${port}/ws`)
      const code = await new Promise<number>((resolve) => extra.once('close', (c) => resolve(c)))
      expect(code).toBe(1013)
    } finally {
      for (const ws of open) ws.terminate()
    }
  })

  it('stops with the node', async () => {
    const port = node!.ports.explorer!
    await node!.close()
    node = undefined
    await expect(http(port, 'GET', '/')).rejects.toThrow(/ECONNREFUSED/)
  })
})

describe('startExplorerServer', () => {
  const assets = join(root, 'assets')
  mkdirSync(join(assets, 'assets'), { recursive: true })
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>explorer fixture</title>')
  writeFileSync(join(assets, 'assets', 'app-1234.js'), 'console.log(1)')
  writeFileSync(join(root, 'secret.txt'), 'outside the bundle')

  it('serves the bundle with a same-origin CSP, client routes and 404s, and refuses traversal', async () => {
    const server = await startExplorerServer({
      host: '127.0.0.1',
      port: 0,
      rpc: createHttpForwarder(`http://127.0.0.1:${await closedPort()}`),
      assetsDir: assets,
    })
    try {
      const index = await http(server.port, 'GET', '/')
      expect(index.status).toBe(200)
      expect(index.body).toContain('explorer fixture')
      expect(index.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(index.headers['content-security-policy']).toContain("default-src 'self'")
      expect(index.headers['cache-control']).toBe('no-store')
      const js = await http(server.port, 'GET', '/assets/app-1234.js')
      expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
      expect(js.headers['cache-control']).toContain('immutable')
      expect((await http(server.port, 'GET', '/blocks')).body).toContain('explorer fixture')
      expect((await http(server.port, 'GET', '/missing.js')).status).toBe(404)
      expect((await http(server.port, 'HEAD', '/')).body).toBe('')
      for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
        const res = await http(server.port, 'GET', path)
        expect(res.body).not.toContain('outside the bundle')
        expect([403, 404, 200]).toContain(res.status)
      }
      expect((await http(server.port, 'GET', '/%E0%A4%A')).status).toBe(400)
    } finally {
      await server.close()
    }
  })

  it('explains a missing bundle with 503', async () => {
    const empty = join(root, 'empty')
    mkdirSync(empty, { recursive: true })
    const server = await startExplorerServer({
      host: '127.0.0.1',
      port: 0,
      rpc: createHttpForwarder('http://127.0.0.1:1'),
      assetsDir: empty,
    })
    try {
      const res = await http(server.port, 'GET', '/')
      expect(res.status).toBe(503)
      expect(res.body).toContain('pnpm --filter @consortia/explorer build')
    } finally {
      await server.close()
    }
  })

  it('answers 502 and pushes an error when the node is unreachable', async () => {
    const server = await startExplorerServer({
      host: '127.0.0.1',
      port: 0,
      rpc: createHttpForwarder(`http://127.0.0.1:${await closedPort()}`, { timeoutMs: 2000 }),
      assetsDir: assets,
      pollMs: 100,
    })
    try {
      const res = await http(
        server.port,
        'POST',
        '/rpc',
        '{"jsonrpc":"2.0","id":1,"method":"getBlockNumber","params":[1]}',
      )
      expect(res.status).toBe(502)
      expect(JSON.parse(res.body).error.message).toMatch(/^node unreachable: .*ECONNREFUSED/)
      const { ws, push } = await firstPush(server.port)
      ws.close()
      expect(push.type).toBe('error')
    } finally {
      await server.close()
    }
  })

  it('checks its options and reports a port in use', async () => {
    const rpc = createHttpForwarder('http://127.0.0.1:1')
    const err = await startExplorerServer({ host: '127.0.0.1', port: 0, rpc, pollMs: 5 }).catch(
      (e: unknown) => e,
    )
    expect(isExplorerError(err, 'EXPLORER_INVALID_INPUT')).toBe(true)
    expect(() => createHttpForwarder('ftp://x')).toThrow(
      'url: expected an http:// URL of a node, got ftp://x',
    )
    const first = await startExplorerServer({ host: '127.0.0.1', port: 0, rpc, assetsDir: assets })
    try {
      const clash = await startExplorerServer({ host: '127.0.0.1', port: first.port, rpc }).catch(
        (e: unknown) => e,
      )
      expect(isExplorerError(clash, 'EXPLORER_LISTEN_FAILED')).toBe(true)
    } finally {
      await first.close()
    }
  })
})

describe('config.explorer', () => {
  it('is optional and validated like the other endpoints', async () => {
    const ports = await freePorts(1, 22_100)
    const options = parseBuildChainArgs(['-l', '127.0.0.1:1', '-o', join(root, 'cfg'), '-p', ports.join(',')])
    if (options === 'help') throw new Error('help')
    const dir = buildChain(options).nodes[0]!.dir
    const file = join(dir, 'config.json')
    expect(parseNodeConfig(readJsonFile(file), file).explorer).toBeUndefined()
    enableExplorer(dir, { listenIp: '127.0.0.1', port: 8088 })
    expect(parseNodeConfig(readJsonFile(file), file).explorer).toEqual({ listenIp: '127.0.0.1', port: 8088 })
    const err = (() => {
      try {
        enableExplorer(dir, { listenIp: '127.0.0.1', port: 70_000 })
      } catch (e) {
        return e
      }
    })()
    expect(isChainError(err, 'NODE_CONFIG')).toBe(true)
    expect((err as Error).message).toContain('explorer.port: expected an integer in 0..65535, got 70000')
  })
})
