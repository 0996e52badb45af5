/**
 * Crypto benchmarks: one run prints per-second figures and ratios.
 *
 *   cd packages/crypto && node --conditions=source --import tsx bench/crypto-bench.ts [--quick] [--json]
 *
 * `--json` adds one last stdout line, `{"bench":"crypto","rows":[{group,name,perSecond,ratio}]}`,
 * for the repository's `bench/run.ts`.
 */
import { availableParallelism, cpus, loadavg } from 'node:os'
import { sm2 as smCrypto } from 'sm-crypto'
import {
  bytesToHex,
  createECDSASuite,
  createSM2,
  createSMSuite,
  createVerifyPool,
  encodeRecoverRows,
  isNativeSecp256k1Available,
  keccak256,
  keccak256Noble,
  keccakReady,
  type RecoverItem,
  SM2_P256,
  sm3,
  VERIFY_RESULT_ROW_BYTES,
} from '../src/index.js'
import { threadCpuUs } from '../src/thread-cpu.js'

const quick = process.argv.includes('--quick')
const json = process.argv.includes('--json')
const budgetMs = quick ? 300 : 1500

/** Operations per second of `fn`, run for about `budgetMs` after a short warm-up. */
function perSecond(fn: (i: number) => void): number {
  for (let i = 0; i < 20; i++) fn(i)
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < budgetMs) {
    for (let k = 0; k < 10; k++) fn(n++)
    now = performance.now()
  }
  return (n / (now - start)) * 1000
}

const rows: [string, string, number, string][] = []
function row(group: string, name: string, ops: number, ratio = ''): void {
  rows.push([group, name, ops, ratio])
  process.stderr.write(`${group} ${name}: ${ops.toFixed(0)}/s ${ratio}\n`)
}
const x = (a: number, b: number): string => `${(a / b).toFixed(2)}×`

// --- secp256k1 -----------------------------------------------------------------------------
const noble = createECDSASuite({ backend: 'noble' })
const native = isNativeSecp256k1Available() ? createECDSASuite({ backend: 'native' }) : undefined
const key = noble.randomPrivateKey()
const pub = noble.publicKey(key)
const hashes = Array.from({ length: 64 }, (_, i) => keccak256(Uint8Array.of(i)))
const sigs = hashes.map((h) => noble.sign(h, key))
const kSign = perSecond((i) => noble.sign(hashes[i & 63]!, key))
const kVerify = perSecond((i) => noble.verify(hashes[i & 63]!, sigs[i & 63]!, pub))
const kRecover = perSecond((i) => noble.recover(hashes[i & 63]!, sigs[i & 63]!))
row('secp256k1', 'sign (noble)', kSign)
row('secp256k1', 'verify (noble)', kVerify)
row('secp256k1', 'recover (noble)', kRecover)
if (native) {
  row(
    'secp256k1',
    'sign (native)',
    perSecond((i) => native.sign(hashes[i & 63]!, key)),
    '',
  )
  rows.at(-1)![3] = x(rows.at(-1)![2], kSign)
  row(
    'secp256k1',
    'verify (native)',
    perSecond((i) => native.verify(hashes[i & 63]!, sigs[i & 63]!, pub)),
  )
  rows.at(-1)![3] = x(rows.at(-1)![2], kVerify)
  row(
    'secp256k1',
    'recover (native)',
    perSecond((i) => native.recover(hashes[i & 63]!, sigs[i & 63]!)),
  )
  rows.at(-1)![3] = x(rows.at(-1)![2], kRecover)
}

// --- SM2 -----------------------------------------------------------------------------------
const ours = createSM2(SM2_P256, { verifyBackend: 'openssl' })
const generic = createSM2(SM2_P256, { verifyBackend: 'noble' })
const smKey = ours.randomPrivateKey()
const smPub = ours.publicKey(smKey)
const smSigs = hashes.map((h) => ours.sign(h, smKey))
const smPubHex = `04${bytesToHex(smPub)}`
const smKeyHex = bytesToHex(smKey)
const smCryptoSigs = hashes
  .slice(0, 8)
  .map((h) => smCrypto.doSignature(Array.from(h), smKeyHex, { hash: true, publicKey: smPubHex }))
const vOurs = perSecond((i) => ours.verify(hashes[i & 63]!, smSigs[i & 63]!, smPub))
const vGeneric = perSecond((i) => generic.verify(hashes[i & 63]!, smSigs[i & 63]!, smPub))
const vSmCrypto = perSecond((i) =>
  smCrypto.doVerifySignature(Array.from(hashes[i & 7]!), smCryptoSigs[i & 7]!, smPubHex, { hash: true }),
)
row(
  'SM2',
  'verify (ours: OpenSSL isomorphism)',
  vOurs,
  `${x(vOurs, vGeneric)} noble, ${x(vOurs, vSmCrypto)} sm-crypto`,
)
row('SM2', 'verify (noble generic weierstrass)', vGeneric)
row('SM2', 'verify (sm-crypto 0.5.8)', vSmCrypto)
const sOurs = perSecond((i) => ours.sign(hashes[i & 63]!, smKey))
const sSmCrypto = perSecond((i) =>
  smCrypto.doSignature(Array.from(hashes[i & 63]!), smKeyHex, { hash: true, publicKey: smPubHex }),
)
row('SM2', 'sign (ours: noble, precomputed G)', sOurs, `${x(sOurs, sSmCrypto)} sm-crypto`)
row('SM2', 'sign (sm-crypto 0.5.8)', sSmCrypto)
const smSuite = createSMSuite()
const suiteSigs = hashes.map((h) => smSuite.sign(h, smKey))
row(
  'SM suite',
  'recover = verify r‖s‖pub',
  perSecond((i) => smSuite.recover(hashes[i & 63]!, suiteSigs[i & 63]!)),
)
const data32 = new Uint8Array(32)
row(
  'hash',
  'SM3 32 B (OpenSSL)',
  perSecond(() => sm3(data32)),
)
const keccakBackendName = await keccakReady()
const data300 = new Uint8Array(300).fill(7)
for (const [size, data] of [
  [32, data32],
  [300, data300],
] as const) {
  const kNoble = perSecond(() => keccak256Noble(data))
  row('hash', `Keccak-256 ${size} B (noble)`, kNoble)
  row(
    'hash',
    `Keccak-256 ${size} B (keccak256: ${keccakBackendName})`,
    perSecond(() => keccak256(data)),
  )
  rows.at(-1)![3] = x(rows.at(-1)![2], kNoble)
}

// --- verify pool ---------------------------------------------------------------------------
// Each pool row is measured in rounds, and each round first recovers the same items on the main
// thread, then through the pool: load that drifts during the run hits both sides of a round alike.
// The ratio printed is the median of the per-round ratios; the rates are medians of the rounds.
// Wall-clock ratios still swing with machine load, so every pool row also prints time per item,
// which load moves far less: S = main-thread CPU per item when the main thread recovers the
// items itself; M = main-thread CPU per item while the pool works (the whole thread: it includes
// V8's idle-time work, a few ms per wall-clock second, so it grows when load stretches a run);
// B = main-thread CPU inside the pool's own code per item (packing, posting, result objects:
// `stats().mainBusyUs`); W = worker-thread CPU per item (`stats().workerCpuUs`). With c cores
// and w workers an idle machine reaches at best min(w, c) × S ÷ (W + B) × the single-thread
// rate: the "projected" figure. Thread CPU is read from Linux procfs (`threadCpu: true`).
type PoolSuite = 'ecdsa-noble' | 'ecdsa-native' | 'sm'
const poolRounds = 5
const all = availableParallelism()
const counts = [...new Set([1, 2, all])]
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
const us = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1))

function suiteOf(name: PoolSuite) {
  return name === 'sm' ? smSuite : name === 'ecdsa-native' ? (native ?? noble) : noble
}

/** One round of the same items recovered on the main thread: rate and main-thread CPU µs. */
function singleThreadRound(name: PoolSuite, items: RecoverItem[]): { rate: number; cpuUs: number } {
  const suite = suiteOf(name)
  const cpu0 = threadCpuUs() ?? Number.NaN
  const start = performance.now()
  for (const item of items) suite.recover(item.hash, item.signature)
  const ms = performance.now() - start
  return { rate: (items.length / ms) * 1000, cpuUs: (threadCpuUs() ?? Number.NaN) - cpu0 }
}

type PoolFigures = {
  single: number
  singleUs: number
  rate: number
  ratio: number
  mainUs: number
  busyUs: number
  workerUs: number
}

/** Rounds of (main thread, then pool) on the same items; medians and CPU µs per item. */
async function poolRun(
  name: PoolSuite,
  workers: number,
  items: RecoverItem[],
  packed: boolean,
): Promise<PoolFigures> {
  const suite = suiteOf(name)
  for (const item of items.slice(0, 256)) suite.recover(item.hash, item.signature)
  const pool = createVerifyPool({ suite, workers, threadCpu: true })
  await pool.ready()
  // Warm every worker's JIT (a warm-up sent to one worker leaves the others cold).
  await pool.recover(items.slice(0, Math.min(items.length, 256 * workers)))
  const rows = encodeRecoverRows(items, suite.signatureBytes)
  const before = pool.stats()
  const singles: number[] = []
  const rates: number[] = []
  const ratios: number[] = []
  let singleUs = 0
  let mainUs = 0
  for (let r = 0; r < poolRounds; r++) {
    const single = singleThreadRound(name, items)
    singles.push(single.rate)
    singleUs += single.cpuUs
    const cpu0 = threadCpuUs() ?? Number.NaN
    const start = performance.now()
    if (packed) {
      const out = await pool.recoverRows(rows)
      for (let i = 0; i < out.length; i += VERIFY_RESULT_ROW_BYTES)
        if (out[i] !== 0) throw new Error('pool answered a failure')
    } else {
      const res = await pool.recover(items)
      if (!res.every((x) => x.ok)) throw new Error('pool answered a failure')
    }
    const rate = (items.length / (performance.now() - start)) * 1000
    rates.push(rate)
    ratios.push(rate / single.rate)
    mainUs += (threadCpuUs() ?? Number.NaN) - cpu0
  }
  const after = pool.stats()
  await pool.close()
  const done = after.items - before.items
  const n = poolRounds * items.length
  return {
    single: median(singles),
    singleUs: singleUs / n,
    rate: median(rates),
    ratio: median(ratios),
    mainUs: mainUs / n,
    busyUs: (after.mainBusyUs - before.mainBusyUs) / done,
    workerUs: ((after.workerCpuUs ?? Number.NaN) - (before.workerCpuUs ?? Number.NaN)) / done,
  }
}

for (const [name, count] of [
  ['ecdsa-noble', quick ? 600 : 1600],
  ['ecdsa-native', quick ? 20000 : 60000],
  ['sm', quick ? 1200 : 3000],
] as const) {
  if (name === 'ecdsa-native' && !native) continue
  const signer = name === 'sm' ? smSuite : noble
  const items = Array.from({ length: count }, (_, i) => {
    const h = keccak256(Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16))
    return { hash: h, signature: signer.sign(h, key) }
  })
  const runs: [number, boolean][] = [...counts.map((w): [number, boolean] => [w, false]), [2, true]]
  for (const [w, packed] of runs) {
    const f = await poolRun(name, w, items, packed)
    row(
      'pool',
      `${name} recover, main thread (same items, same rounds)`,
      f.single,
      `CPU ${us(f.singleUs)} µs/item`,
    )
    const projected = (Math.min(w, all) * f.singleUs) / (f.workerUs + f.busyUs)
    row(
      'pool',
      `${name} ${packed ? 'recoverRows' : 'recover'}, ${w} worker${w > 1 ? 's' : ''}`,
      f.rate,
      `${f.ratio.toFixed(2)}× single-thread (median of ${poolRounds} paired rounds); µs/item: main CPU ${us(f.mainUs)}, ` +
        `in pool code ${us(f.busyUs)}, workers ${us(f.workerUs)}; projected idle ${projected.toFixed(2)}×`,
    )
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU'
const load = loadavg()[0]!.toFixed(1)
console.log(
  `\n@consortia/crypto benchmark — Node ${process.version}, ${all} cores (${cpu}), load average ${load}${quick ? ', --quick' : ''}\n`,
)
console.log('| group | operation | per second | ratio |')
console.log('|---|---|---:|---|')
for (const [g, n, ops, r] of rows)
  console.log(`| ${g} | ${n} | ${Math.round(ops).toLocaleString('en-US')} | ${r} |`)
if (json) {
  const out = rows.map(([group, name, perSecond, ratio]) => ({ group, name, perSecond, ratio }))
  console.log(JSON.stringify({ bench: 'crypto', cores: all, rows: out }))
}
