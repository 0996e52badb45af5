/**
 * Cost of FISCO signature lists: four PBFT engines (`@consortia/consensus-pbft`) in one process
 * with the real crypto suites, deciding blocks under the `view-bound` and the `block-hash`
 * certificate scheme (the latter is what `pbftEngineFactory` uses: each Commit also carries a
 * signature over the bare block hash, verified by every peer). Prints CPU milliseconds per
 * decided block (all four nodes together, consensus only: no execution, no I/O) and the ratio.
 * Run:
 *   node --conditions=source --import tsx packages/group-ledger/bench/certificate-bench.ts
 */
import { createPBFTEngine, type PBFTCertificateScheme, type PBFTMessage } from '@consortia/consensus-pbft'
import { createCryptoSuite } from '@consortia/crypto'
import type { CommittedBlock, ConsensusMessage, CryptoSuite } from '@consortia/interface'

const BLOCKS = Number(process.env['BENCH_BLOCKS'] ?? 200)
const N = 4

function run(
  suite: CryptoSuite,
  scheme: PBFTCertificateScheme,
): { cpuMsPerBlock: number; wallMsPerBlock: number } {
  const keys = Array.from({ length: N }, (_, i) => suite.hash(new TextEncoder().encode(`bench-sealer-${i}`)))
  const ids = keys.map((k) => suite.publicKey(k))
  const genesis = { number: 0, hash: suite.hash(new TextEncoder().encode('genesis')) }
  const heads = Array.from({ length: N }, () => genesis)
  const decided: number[] = Array(N).fill(0)
  const queue: { to: number; msg: ConsensusMessage<PBFTMessage<null>> }[] = []
  const engines = keys.map((key, i) =>
    createPBFTEngine<null>(
      { sealerCount: N, selfIndex: i, head: genesis, certificateScheme: scheme },
      {
        sign: (h) => suite.sign(h, key),
        verify: (j, h, sig) => ids[j] !== undefined && suite.verify(h, sig, ids[j]!),
        hash: suite.hash,
      },
    ),
  )
  const drain = (i: number) => {
    const e = engines[i]!
    while (e.hasReady()) {
      const rd = e.ready()
      for (const m of rd.messages) {
        for (let to = 0; to < N; to++) {
          if (to !== i && (m.to === 'all' || m.to === to)) queue.push({ to, msg: { from: i, body: m.body } })
        }
      }
      for (const c of rd.committed as readonly CommittedBlock<null>[]) {
        heads[i] = { number: c.block.number, hash: c.block.hash }
        decided[i]!++
      }
      e.advance(rd)
      for (const b of rd.verify)
        e.step({ from: i, body: { type: 'verdict', height: b.number, hash: b.hash, valid: true } })
      if (rd.shouldPropose) {
        const head = heads[i]!
        const number = head.number + 1
        const hash = suite.hash(
          new TextEncoder().encode(`block-${number}-${Buffer.from(head.hash).toString('hex')}`),
        )
        e.propose({ number, hash, parentHash: head.hash, txCount: 1, payload: null })
      }
    }
  }
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < N; i++) drain(i)
  while (decided.some((d) => d < BLOCKS)) {
    const next = queue.shift()
    if (next === undefined) throw new Error('stalled')
    engines[next.to]!.step(next.msg)
    drain(next.to)
  }
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { cpuMsPerBlock: (cpu.user + cpu.system) / 1000 / BLOCKS, wallMsPerBlock: wall / BLOCKS }
}

console.log(
  `PBFT certificate schemes, ${N} sealers in one process, ${BLOCKS} blocks, Node ${process.version}`,
)
for (const name of ['ecdsa', 'sm'] as const) {
  const suite = createCryptoSuite(name)
  run(suite, 'view-bound') // warm-up
  const bound = run(suite, 'view-bound')
  const fisco = run(suite, 'block-hash')
  console.log(
    `${name.padEnd(5)} view-bound ${bound.cpuMsPerBlock.toFixed(2)} cpu-ms/block, block-hash ${fisco.cpuMsPerBlock.toFixed(2)} cpu-ms/block, ratio ${(fisco.cpuMsPerBlock / bound.cpuMsPerBlock).toFixed(2)}×`,
  )
}
