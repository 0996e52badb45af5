import { ModuleId } from '@consortia/interface'
import { createAgency, createCA, createNodeCert, createP2PNode, type P2PNode } from '@consortia/p2p'
import { afterEach, describe, expect, it } from 'vitest'
import { abiCall, dagTx, dagWorkload, keyOf, precompileAddress } from './ledger-helpers.js'
import {
  createSyncCluster,
  hexOf,
  listenToGroup,
  type SyncCluster,
  type SyncNode,
  suite,
} from './sync-helpers.js'

const USERS = 10
let cluster: SyncCluster | undefined
const p2p: P2PNode[] = []

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
  for (const n of p2p.splice(0)) await n.close()
})

async function submit(nodes: readonly SyncNode[], raws: readonly Uint8Array[]) {
  for (const n of nodes) {
    const results = await n.pool.submitMany(raws)
    expect(results.filter((r) => !r.ok)).toEqual([])
  }
}

/** A full mesh of p2p TLS nodes on 127.0.0.1 whose node IDs are the given keys' public keys. */
async function tlsMesh(keys: readonly Uint8Array[]): Promise<P2PNode[]> {
  const ca = createCA({ subject: { commonName: 'chain', organization: 'consortia-sync-test' } })
  const agency = createAgency(ca, { subject: { commonName: 'agency' } })
  const nodes: P2PNode[] = []
  for (const [i, privateKey] of keys.entries()) {
    const cert = createNodeCert(agency, { subject: { commonName: `node${i}` }, privateKey })
    const node = await createP2PNode({
      certPem: cert.chainPem,
      keyPem: cert.keyPem,
      caPem: ca.certPem,
      listenHost: '127.0.0.1',
      listenPort: 0,
      peers: nodes.map((n) => n.address),
      reconnectDelayMsMin: 50,
      reconnectDelayMsMax: 200,
    })
    nodes.push(node)
    p2p.push(node)
  }
  const deadline = Date.now() + 20_000
  while (nodes.some((n) => n.peers().length < keys.length - 1)) {
    if (Date.now() > deadline) throw new Error('p2p mesh did not connect')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return nodes
}

describe('sync over p2p TLS', () => {
  it('an observer admitted by ConsensusPrecompiled downloads and follows the chain over mutual TLS; a free node hears nothing', async () => {
    const keys = [0, 1, 2, 3, 4].map((i) => keyOf(`sync-${i}`))
    const freeKey = keyOf('free-p2p')
    const mesh = await tlsMesh([...keys, freeKey])
    const free = mesh[5]!
    const freeListener = listenToGroup(free, 1)
    // p2p node IDs (from the TLS certificates) are the ledger's node IDs.
    expect(hexOf(mesh[0]!.localId)).toBe(hexOf(suite.publicKey(keys[0]!)))

    cluster = await createSyncCluster({
      nodes: 5,
      sealers: [0, 1, 2, 3],
      txCountLimit: 5,
      transportOf: async (i) => mesh[i]!,
      realWaitMs: 5,
    })
    const c = cluster
    const sealers = c.running().slice(0, 4)
    const observer = c.nodes[4]!
    await submit(sealers, dagWorkload(USERS, 10))
    await c.runUntil(() => sealers.every((n) => n.pool.size === 0), 1500)
    expect(observer.store.head.number).toBe(0)

    const add = dagTx(
      900,
      abiCall('addObserver(string)', [hexOf(observer.id)]),
      500n,
      precompileAddress(0x1003),
    )
    await submit(sealers, [add])
    await c.runUntil(() => sealers.every((n) => n.pool.size === 0), 1500)
    await submit(sealers, dagWorkload(USERS, 10, 3000).slice(USERS))
    await c.runUntil(
      () =>
        sealers.every((n) => n.pool.size === 0) &&
        observer.store.head.number === sealers[0]!.store.head.number,
      3000,
    )
    const head = sealers[0]!.store.head.number
    expect(head).toBeGreaterThanOrEqual(5)
    expect(hexOf(observer.store.head.hash)).toBe(hexOf(sealers[0]!.store.head.hash))
    expect(observer.blockSync.stats.blocksImported).toBe(head)
    expect(observer.blockSync.role).toBe('observer')
    expect(observer.transport.sent.get(`1/${ModuleId.PBFT}`) ?? 0).toBe(0)
    expect(freeListener.count()).toBe(0)
    freeListener.close()
  })
})
