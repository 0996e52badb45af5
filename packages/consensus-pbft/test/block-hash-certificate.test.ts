import { isChainError } from '@consortia/interface'
import { SIM_GENESIS, type SimPayload } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import { commitPreimage, createPBFTEngine, pbftQuorum } from '../src/index.js'
import { createCluster } from './support/cluster.js'

// FISCO BCOS 2.x writes a block's `signatureList` as `[{index, signature}]` where each signature
// is over the bare block hash (reference: FISCO-BCOS libconsensus/pbft/PBFTReqCache.h
// `generateAndSetSigList`; a FISCO SDK recovers/verifies `sealerList[index]` over `hash`).
const blockHashCluster = (n: number) => createCluster({ n, extra: { certificateScheme: 'block-hash' } })

function commitOne(c: ReturnType<typeof createCluster>, txs = 1) {
  const leader = c.nodes.find((n) => n.engine !== undefined)!.engine!.status().leader
  const block = c.propose(leader, txs)
  c.deliverAll()
  return block
}

describe('block-hash certificate scheme (FISCO signatureList)', () => {
  it('decides with certificates whose signatures are over the bare block hash', () => {
    const c = blockHashCluster(4)
    const blocks = [commitOne(c), commitOne(c, 3)]
    for (const node of c.nodes) {
      expect(node.committed.map((x) => x.block.hash)).toEqual(blocks.map((b) => b.hash))
      for (const [i, cert] of node.committed.entries()) {
        expect(cert.certificate.length).toBe(pbftQuorum(4))
        expect(new Set(cert.certificate.map((s) => s.index)).size).toBe(pbftQuorum(4))
        for (const s of cert.certificate) {
          expect(c.signer.verify(s.index, blocks[i]!.hash, s.signature)).toBe(true)
          // Not the view-bound digest: these are the FISCO entries, not the commit votes.
          const bound = c.signer.hash(commitPreimage(i + 1, cert.view!, blocks[i]!.hash))
          expect(c.signer.verify(s.index, bound, s.signature)).toBe(false)
        }
      }
    }
  })

  it('every Commit carries both signatures; the view-bound scheme sends no block signature', () => {
    const c = blockHashCluster(4)
    c.propose(1, 1)
    c.deliverAll((e) => e.body.type !== 'commit')
    const commits = c.queue.filter((e) => e.body.type === 'commit')
    expect(commits.length).toBeGreaterThan(0)
    for (const e of commits) {
      if (e.body.type !== 'commit') continue
      expect(c.signer.verify(e.from, e.body.hash, e.body.blockSignature!)).toBe(true)
      expect(
        c.signer.verify(e.from, c.signer.hash(commitPreimage(1, 0, e.body.hash)), e.body.signature),
      ).toBe(true)
    }
    const plain = createCluster({ n: 4 })
    plain.propose(1, 1)
    plain.deliverAll((e) => e.body.type !== 'commit')
    const plainCommits = plain.queue.filter((e) => e.body.type === 'commit')
    expect(plainCommits.length).toBeGreaterThan(0)
    expect(plainCommits.every((e) => e.body.type === 'commit' && e.body.blockSignature === undefined)).toBe(
      true,
    )
  })

  it('refuses Commits without a valid block signature: they do not count towards the quorum', () => {
    const c = blockHashCluster(4)
    c.propose(1, 1)
    c.deliverAll((e) => e.body.type !== 'commit')
    // Node 0 gets its peers' Commits with the block signature stripped, then forged.
    const toZero = c.queue.filter((e) => e.to === 0 && e.body.type === 'commit')
    expect(toZero.length).toBe(3)
    c.drop((e) => e.to === 0 && e.body.type === 'commit')
    for (const e of toZero) {
      if (e.body.type !== 'commit') continue
      const { blockSignature: _dropped, ...stripped } = e.body
      c.inject(e.from, 0, stripped)
      c.inject(e.from, 0, { ...e.body, blockSignature: c.signer.sign(e.from, c.signer.hash(e.body.hash)) })
    }
    expect(c.engine(0).rejected().get('bad-signature')).toBe(6)
    expect(c.nodes[0]!.committed).toEqual([])
    // The genuine ones decide it.
    for (const e of toZero) c.inject(e.from, 0, e.body)
    expect(c.nodes[0]!.committed.length).toBe(1)
  })

  it('a lagging node syncs blocks whose block-hash certificates verify and refuses forged ones', () => {
    const c = blockHashCluster(4)
    c.crash(0)
    for (let i = 0; i < 3; i++) commitOne(c)
    c.restart(0)
    const good = c.nodes[1]!.committed
    // A view-bound certificate is not a block-hash certificate.
    const wrongScheme = good.map((x) => ({
      ...x,
      certificate: x.certificate.map((s) => ({
        index: s.index,
        signature: c.signer.sign(
          s.index,
          c.signer.hash(commitPreimage(x.block.number, x.view!, x.block.hash)),
        ),
      })),
    }))
    c.inject(3, 0, { type: 'sync-response', blocks: wrongScheme })
    expect(c.engine(0).rejected().get('bad-certificate')).toBe(1)
    // n−f−1 genuine signatures are not enough.
    const short = good.map((x) => ({ ...x, certificate: x.certificate.slice(1) }))
    c.inject(3, 0, { type: 'sync-response', blocks: short })
    expect(c.engine(0).rejected().get('bad-certificate')).toBe(2)
    expect(c.nodes[0]!.committed).toEqual([])
    c.inject(1, 0, { type: 'sync-response', blocks: good })
    c.deliverAll()
    expect(c.nodes[0]!.committed.map((x) => x.block.number)).toEqual([1, 2, 3])
  })

  it('refuses an unknown scheme with a labelled error', () => {
    let err: unknown
    try {
      createPBFTEngine<SimPayload>(
        {
          sealerCount: 4,
          selfIndex: 0,
          head: SIM_GENESIS,
          certificateScheme: 'bare' as unknown as 'block-hash',
        },
        { sign: () => new Uint8Array(1), verify: () => true, hash: (d) => d },
      )
    } catch (e) {
      err = e
    }
    expect(isChainError(err) && err.code === 'PBFT_INVALID_CONFIG').toBe(true)
    expect(String((err as Error).message)).toContain('expected certificateScheme view-bound or block-hash')
  })
})
