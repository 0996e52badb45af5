import { ModuleId, type Transport } from '@consortia/interface'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type BlockSyncInit,
  decodeBlocks,
  encodeBlockRequest,
  encodeBlocks,
  encodeStatus,
  encodeTransactions,
  IMPORT_BLOCKS_MAX,
  isLedgerError,
  SYNC_REQUEST_BLOCKS_MAX,
  SyncPacket,
} from '../src/index.js'
import { abiCall, dagTx, dagWorkload, precompileAddress } from './ledger-helpers.js'
import { createSyncCluster, hexOf, type SyncCluster, type SyncNode } from './sync-helpers.js'

const USERS = 10
let cluster: SyncCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

async function submit(nodes: readonly SyncNode[], raws: readonly Uint8Array[]) {
  for (const n of nodes) {
    const results = await n.pool.submitMany(raws)
    expect(results.filter((r) => !r.ok)).toEqual([])
  }
}

/** Node 3 of the cluster, a genesis sealer, driven by hand: a member that sends what the test says. */
function scripted(c: SyncCluster) {
  const t = c.transportOf(3) as Transport
  for (let j = 0; j < 3; j++) c.network.connect(t.localId, c.nodes[j]!.id)
  const got: { packetType: number; payload: Uint8Array }[] = []
  t.subscribe(1, ModuleId.BlockSync, (_from, m) => got.push({ packetType: m.packetType, payload: m.payload }))
  const send = (to: SyncNode, packetType: number, payload: Uint8Array) =>
    t.send(to.id, { groupId: 1, moduleId: ModuleId.BlockSync, packetType, payload })
  return { got, send }
}

describe('sync limits', () => {
  it('serving: request size, serve queue, response bytes; receiving: oversize, unsolicited, tx packets', async () => {
    cluster = await createSyncCluster({
      nodes: 4,
      absent: [3],
      txCountLimit: 5,
      blockSync: { serveQueueMax: 1, responseBytesMax: 8192 },
      txSync: { packetTxsMax: 3, packetBytesMax: 4096, receiveQueueMax: 1 },
    })
    const c = cluster
    const up = c.running()
    await submit(up, dagWorkload(USERS, 20))
    await c.runUntil(() => up.every((n) => n.pool.size === 0), 1500)
    const height = up[0]!.store.head.number
    expect(height).toBeGreaterThanOrEqual(6)
    const [a, b] = up as [SyncNode, SyncNode]
    const peer = scripted(c)

    // A request above SYNC_REQUEST_BLOCKS_MAX is malformed.
    peer.send(a, SyncPacket.ReqBlocks, encodeBlockRequest({ from: 1, size: SYNC_REQUEST_BLOCKS_MAX + 1 }))
    // Several requests at once: one is served, one waits, the rest hit serveQueueMax (1).
    for (let i = 0; i < 4; i++) peer.send(b, SyncPacket.ReqBlocks, encodeBlockRequest({ from: 1, size: 6 }))
    await c.runTicks(2)
    expect(a.blockSync.stats.droppedMalformed).toBe(1)
    expect(b.blockSync.stats.droppedServeQueueFull).toBeGreaterThanOrEqual(1)
    // Each response stays under responseBytesMax (8 KiB): fewer blocks than asked for.
    const responses = peer.got.filter((m) => m.packetType === SyncPacket.Blocks)
    expect(responses.length).toBeGreaterThanOrEqual(1)
    for (const r of responses) {
      expect(r.payload.length).toBeLessThanOrEqual(8192)
      const blocks = decodeBlocks(r.payload, 32)!
      expect(blocks.length).toBeGreaterThanOrEqual(1)
      expect(blocks.length).toBeLessThan(6)
    }

    // An oversize Blocks packet and an unsolicited one are dropped.
    peer.send(a, SyncPacket.Blocks, encodeBlocks([{ rlp: new Uint8Array(16_384) }]))
    peer.send(a, SyncPacket.Blocks, encodeBlocks([]))
    // A status with another genesis hash is refused.
    peer.send(
      a,
      SyncPacket.Status,
      encodeStatus({ number: 5, genesisHash: new Uint8Array(32), latestHash: new Uint8Array(32) }),
    )
    // Transactions: more than packetTxsMax (3) in one packet, and more than packetBytesMax bytes.
    const txs = Array.from({ length: 4 }, (_, i) =>
      dagTx(800 + i, abiCall('userAdd(string,uint256)', [`x${i}`, 1n]), 500n),
    )
    peer.send(a, SyncPacket.Transactions, encodeTransactions(txs))
    peer.send(a, SyncPacket.Transactions, encodeTransactions([new Uint8Array(5000)]))
    // Packets waiting for pool admission are bounded (receiveQueueMax 1).
    for (const t of txs) peer.send(b, SyncPacket.Transactions, encodeTransactions([t]))
    await c.runTicks(2)
    const s = a.blockSync.stats
    expect(s.droppedOversize).toBe(1)
    expect(s.droppedUnsolicited).toBe(1)
    expect(s.droppedGenesisMismatch).toBe(1)
    expect(a.txSync.stats.droppedMalformed).toBe(1)
    expect(a.txSync.stats.droppedOversize).toBe(1)
    expect(b.txSync.stats.droppedReceiveQueueFull).toBeGreaterThanOrEqual(1)
    expect(b.txSync.stats.txsAccepted).toBeGreaterThanOrEqual(1)

    // The driver takes at most IMPORT_BLOCKS_MAX blocks per call.
    const genesis = (await a.store.blockByNumber(0))!
    const tooMany = Array.from({ length: IMPORT_BLOCKS_MAX + 1 }, () => ({
      block: genesis.block,
      hash: genesis.hash,
    }))
    expect(() => a.driver.importBlocks(tooMany, () => undefined)).toThrow(/at most 256 blocks/)
    try {
      a.driver.importBlocks(tooMany, () => undefined)
    } catch (err) {
      expect(isLedgerError(err, 'LEDGER_INVALID_INPUT')).toBe(true)
    }
  })

  it('downloading: blocksBufferedMax, requestsInFlightMax, requestBlocksMax and peersMax hold while an observer catches up', async () => {
    const { observer, seen } = await observerCatchUp({
      blocksBufferedMax: 4,
      requestsInFlightMax: 2,
      requestBlocksMax: 2,
      peersMax: 2,
    })
    expect(seen.buffered).toBeLessThanOrEqual(4)
    expect(seen.inFlight).toBeLessThanOrEqual(2)
    expect(seen.peers).toBe(2)
    expect(observer.blockSync.stats.requestsSent).toBeGreaterThanOrEqual(10)
    expect(observer.blockSync.stats.blocksImported).toBe(20)
  })

  it('downloading: bufferedBytesMax holds (the highest blocks make room), and sync still completes', async () => {
    const { observer, seen } = await observerCatchUp({ bufferedBytesMax: 1024, requestBlocksMax: 8 })
    // A one-transaction block is a few hundred bytes: at most a few fit.
    expect(seen.bufferedBytes).toBeLessThanOrEqual(1024)
    expect(observer.blockSync.stats.droppedBufferFull).toBeGreaterThan(0)
    expect(observer.blockSync.stats.blocksImported).toBe(20)
  })
})

/** Node 4 is admitted as observer, stopped, 20 blocks are sealed, and it catches up with `limits`. */
async function observerCatchUp(limits: Partial<BlockSyncInit>) {
  cluster = await createSyncCluster({ nodes: 5, sealers: [0, 1, 2, 3], txCountLimit: 1, blockSync: limits })
  const c = cluster
  const sealers = c.running().slice(0, 4)
  const add = dagTx(
    900,
    abiCall('addObserver(string)', [hexOf(c.nodes[4]!.id)]),
    500n,
    precompileAddress(0x1003),
  )
  await submit(sealers, [add])
  await c.runUntil(() => c.nodes[4]!.store.head.number >= 1, 400)
  await c.stop(4)
  await submit(sealers, dagWorkload(USERS, 10))
  await c.runUntil(() => sealers.every((n) => n.pool.size === 0), 1500)
  const height = sealers[0]!.store.head.number
  expect(height).toBe(21)

  const observer = await c.start(4)
  const seen = { buffered: 0, bufferedBytes: 0, inFlight: 0, peers: 0 }
  await c.runUntil(() => {
    seen.buffered = Math.max(seen.buffered, observer.blockSync.buffered)
    seen.bufferedBytes = Math.max(seen.bufferedBytes, observer.blockSync.bufferedBytes)
    seen.inFlight = Math.max(seen.inFlight, observer.blockSync.inFlight)
    seen.peers = Math.max(seen.peers, observer.blockSync.peers().length)
    return observer.store.head.number >= height
  }, 1500)
  return { observer, seen }
}
