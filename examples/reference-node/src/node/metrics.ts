import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Seconds of committed transactions `consortia_tps` averages over. */
export const TPS_WINDOW_S = 10
/** Most commit samples kept per group for the TPS window. */
export const TPS_SAMPLES_MAX = 4096
/** Buckets of `consortia_commit_latency_seconds` (proposal timestamp to local commit). */
export const COMMIT_LATENCY_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]

/** The node's Prometheus metrics (prom-client), all labelled by `group` where per group. */
export interface NodeMetrics {
  readonly registry: Registry
  /** A block committed: height, transaction count, its header timestamp (ms). */
  blockCommitted(groupId: number, height: number, txCount: number, timestampMs: number, nowMs: number): void
  /** Sampled state: pool size, view changes (PBFT) or elections (Raft terms) so far, peers. */
  sample(groupId: number, s: { poolSize: number; viewChanges: number; height: number }): void
  setPeers(count: number): void
  /** Prometheus text exposition. */
  render(): Promise<string>
}

/** Creates the registry and metrics (plus prom-client's default process metrics). */
export function createNodeMetrics(labels: { node: string; chainId: number }): NodeMetrics {
  const registry = new Registry()
  registry.setDefaultLabels({ node: labels.node, chain: String(labels.chainId) })
  const height = new Gauge({
    name: 'consortia_block_height',
    help: 'Number of the last committed block',
    labelNames: ['group'],
    registers: [registry],
  })
  const txs = new Counter({
    name: 'consortia_transactions_committed_total',
    help: 'Transactions committed since the node started',
    labelNames: ['group'],
    registers: [registry],
  })
  const blocks = new Counter({
    name: 'consortia_blocks_committed_total',
    help: 'Blocks committed since the node started',
    labelNames: ['group'],
    registers: [registry],
  })
  const tps = new Gauge({
    name: 'consortia_tps',
    help: `Committed transactions per second over the last ${TPS_WINDOW_S} s`,
    labelNames: ['group'],
    registers: [registry],
  })
  const pool = new Gauge({
    name: 'consortia_tx_pool_size',
    help: 'Transactions in the pool',
    labelNames: ['group'],
    registers: [registry],
  })
  const viewChanges = new Gauge({
    name: 'consortia_view_changes',
    help: 'PBFT view changes (Raft: current term) since the node started',
    labelNames: ['group'],
    registers: [registry],
  })
  const peers = new Gauge({ name: 'consortia_peers', help: 'Connected p2p peers', registers: [registry] })
  const latency = new Histogram({
    name: 'consortia_commit_latency_seconds',
    help: 'Time from the block timestamp set by its proposer to its commit on this node',
    labelNames: ['group'],
    buckets: COMMIT_LATENCY_BUCKETS_S,
    registers: [registry],
  })
  const samples = new Map<number, { atMs: number; txs: number }[]>()
  const tpsOf = (groupId: number, nowMs: number) => {
    const list = samples.get(groupId) ?? []
    while (list.length > 0 && list[0]!.atMs < nowMs - TPS_WINDOW_S * 1000) list.shift()
    return list.reduce((n, s) => n + s.txs, 0) / TPS_WINDOW_S
  }
  return {
    registry,
    blockCommitted(groupId, h, txCount, timestampMs, nowMs) {
      const group = String(groupId)
      height.set({ group }, h)
      txs.inc({ group }, txCount)
      blocks.inc({ group })
      latency.observe({ group }, Math.max(0, nowMs - timestampMs) / 1000)
      let list = samples.get(groupId)
      if (list === undefined) {
        list = []
        samples.set(groupId, list)
      }
      list.push({ atMs: nowMs, txs: txCount })
      if (list.length > TPS_SAMPLES_MAX) list.shift()
      tps.set({ group }, tpsOf(groupId, nowMs))
    },
    sample(groupId, s) {
      const group = String(groupId)
      pool.set({ group }, s.poolSize)
      viewChanges.set({ group }, s.viewChanges)
      height.set({ group }, s.height)
      tps.set({ group }, tpsOf(groupId, Date.now()))
    },
    setPeers(count) {
      peers.set(count)
    },
    render: () => registry.metrics(),
  }
}

/** Serves `GET /metrics` (Prometheus text format); other paths get 404. */
export async function startMetricsServer(init: {
  readonly host: string
  readonly port: number
  readonly metrics: NodeMetrics
}): Promise<{ readonly port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n')
      return
    }
    init.metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': init.metrics.registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port, init.host, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
