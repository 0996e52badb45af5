// The README's host loop, runnable: four PBFT engines wired to an in-memory queue, with
// SHA-256 as the hash and HMAC-SHA-256 standing in for the sealers' signatures.
import { createHash, createHmac } from 'node:crypto'
import type { CommittedBlock, ConsensusMessage, ProposedBlock } from '@consortia/interface'
import { expect, it } from 'vitest'
import { createPBFTEngine, type PBFTEngine, type PBFTMessage } from '../src/index.js'

it('README example: four sealers commit three blocks', () => {
  const n = 4
  const keys = Array.from({ length: n }, (_, i) => Buffer.from(`sealer-key-${i}`))
  const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())
  const mac = (i: number, h: Uint8Array) => new Uint8Array(createHmac('sha256', keys[i]!).update(h).digest())
  const genesis = { number: 0, hash: sha256(new TextEncoder().encode('genesis')) }

  type Payload = { txs: string[] }
  const ledgers: CommittedBlock<Payload>[][] = Array.from({ length: n }, () => [])
  const queue: { to: number; msg: ConsensusMessage<PBFTMessage<Payload>> }[] = []
  const engines: PBFTEngine<Payload>[] = keys.map((_, i) =>
    createPBFTEngine<Payload>(
      { sealerCount: n, selfIndex: i, head: genesis },
      {
        sign: (h) => mac(i, h),
        verify: (j, h, sig) => Buffer.from(mac(j, h)).equals(sig),
        hash: sha256,
      },
    ),
  )
  const blockHash = (number: number, parent: Uint8Array, p: Payload) =>
    sha256(Buffer.concat([Buffer.from(String(number)), parent, Buffer.from(JSON.stringify(p))]))

  // The host loop of one node: persist → send → verify → commit → advance.
  const drain = (i: number) => {
    const engine = engines[i]!
    while (engine.hasReady()) {
      const rd = engine.ready()
      // (persist rd.persist durably here, before anything is sent)
      for (const m of rd.messages) {
        for (let to = 0; to < n; to++) {
          if (to !== i && (m.to === 'all' || m.to === to)) queue.push({ to, msg: { from: i, body: m.body } })
        }
      }
      for (const c of rd.committed) ledgers[i]!.push(c)
      engine.advance(rd)
      for (const b of rd.verify) {
        const head = ledgers[i]!.at(-1)?.block ?? genesis
        const valid =
          Buffer.from(blockHash(b.number, b.parentHash, b.payload)).equals(b.hash) &&
          b.number === head.number + 1
        engine.step({ from: i, body: { type: 'verdict', height: b.number, hash: b.hash, valid } })
      }
      if (rd.shouldPropose) {
        const head = ledgers[i]!.at(-1)?.block ?? genesis
        const payload = { txs: [`tx-${head.number + 1}`] }
        const block: ProposedBlock<Payload> = {
          number: head.number + 1,
          parentHash: head.hash,
          txCount: 1,
          payload,
          hash: blockHash(head.number + 1, head.hash, payload),
        }
        engine.propose(block)
      }
    }
  }

  for (let i = 0; i < n; i++) drain(i)
  for (let guard = 0; guard < 10_000 && ledgers.some((l) => l.length < 3); guard++) {
    const next = queue.shift()
    if (next === undefined) break
    engines[next.to]!.step(next.msg)
    drain(next.to)
  }
  for (const ledger of ledgers) {
    expect(ledger.slice(0, 3).map((c) => c.block.payload.txs[0])).toEqual(['tx-1', 'tx-2', 'tx-3'])
    expect(ledger[0]!.certificate.length).toBe(3)
  }
})
