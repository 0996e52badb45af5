/**
 * Crypto benchmarks: one run prints per-second figures and ratios.
 *
 *   cd packages/crypto && node --conditions=source --import tsx bench/crypto-bench.ts [--quick] [--json]
 *
 * `--json` adds one last stdout line, `{"bench":"crypto","rows":[{group,name,perSecond,ratio}]}`,
 * for the repository's `bench/run.ts`.
 */
import { availableParallelism, cpus } from 'node:os'
import { sm2 as smCrypto } from 'sm-crypto'
import {
  bytesToHex,
  createECDSASuite,
  createSM2,
  createSMSuite,
  createVerifyPool,
  isNativeSecp256k1Available,
  keccak256,
  type RecoverItem,
  SM2_P256,
  sm3,
} from '../src/index.js'

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
row(
  'hash',
  'Keccak-256 32 B (noble)',
  perSecond(() => keccak256(data32)),
)

// --- verify pool ---------------------------------------------------------------------------
async function poolThroughput(
  suiteName: 'ecdsa-noble' | 'ecdsa-native' | 'sm',
  workers: number,
  items: RecoverItem[],
): Promise<number> {
  const suite = suiteName === 'sm' ? smSuite : suiteName === 'ecdsa-native' ? (native ?? noble) : noble
  const pool = createVerifyPool({ suite, workers })
  await pool.ready()
  await pool.recover(items.slice(0, 64))
  const start = performance.now()
  const rounds = 2
  for (let r = 0; r < rounds; r++) {
    const res = await pool.recover(items)
    if (!res.every((x) => x.ok)) throw new Error('pool answered a failure')
  }
  const ops = ((rounds * items.length) / (performance.now() - start)) * 1000
  await pool.close()
  return ops
}

const all = availableParallelism()
const counts = [...new Set([1, 2, all])]
// The single-thread figure of each pool row recovers the same items on the main thread: the
// per-operation figures above repeat one signature, which is not the work the pool does.
function singleThread(suiteName: 'ecdsa-noble' | 'ecdsa-native' | 'sm', items: RecoverItem[]): number {
  const suite = suiteName === 'sm' ? smSuite : suiteName === 'ecdsa-native' ? (native ?? noble) : noble
  for (const item of items.slice(0, 64)) suite.recover(item.hash, item.signature)
  const start = performance.now()
  for (const item of items) suite.recover(item.hash, item.signature)
  return (items.length / (performance.now() - start)) * 1000
}

for (const [name, count] of [
  ['ecdsa-noble', quick ? 400 : 1200],
  ['ecdsa-native', quick ? 20000 : 60000],
  ['sm', quick ? 1000 : 3000],
] as const) {
  if (name === 'ecdsa-native' && !native) continue
  const signer = name === 'sm' ? smSuite : noble
  const items = Array.from({ length: count }, (_, i) => {
    const h = keccak256(Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16))
    return { hash: h, signature: signer.sign(h, key) }
  })
  const single = singleThread(name, items)
  row('pool', `${name} recover, main thread (same items)`, single, '')
  for (const w of counts) {
    const ops = await poolThroughput(name, w, items)
    row('pool', `${name} recover, ${w} worker${w > 1 ? 's' : ''}`, ops, `${x(ops, single)} single-thread`)
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU'
console.log(
  `\n@consortia/crypto benchmark — Node ${process.version}, ${all} cores (${cpu})${quick ? ', --quick' : ''}\n`,
)
console.log('| group | operation | per second | ratio |')
console.log('|---|---|---:|---|')
for (const [g, n, ops, r] of rows)
  console.log(`| ${g} | ${n} | ${Math.round(ops).toLocaleString('en-US')} | ${r} |`)
if (json) {
  const out = rows.map(([group, name, perSecond, ratio]) => ({ group, name, perSecond, ratio }))
  console.log(JSON.stringify({ bench: 'crypto', cores: all, rows: out }))
}
