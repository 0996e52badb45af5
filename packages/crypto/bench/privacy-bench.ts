/**
 * Privacy-scheme benchmarks: prints operations per second for Paillier, LSAG, BBS04, Schnorr PoK
 * and the range proof as one table.
 *
 *   cd packages/crypto && node --conditions=source --import tsx bench/privacy-bench.ts [--quick]
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  bbs04Join,
  bbs04Open,
  bbs04Setup,
  bbs04Sign,
  bbs04Verify,
  generatePaillierKeyPair,
  lsagSign,
  lsagVerify,
  paillierAdd,
  paillierAddHex,
  paillierDecrypt,
  paillierEncrypt,
  paillierEncryptToHex,
  rangeProve,
  rangeVerify,
  schnorrProve,
  schnorrVerify,
} from '../src/privacy/index.js'

const quick = process.argv.includes('--quick')
const budgetMs = quick ? 400 : 2000

/** Operations per second of `fn`: one warm-up call, then as many calls as fit in `budgetMs` (at least 2). */
function perSecond(fn: (i: number) => void): number {
  fn(0)
  let n = 0
  const start = performance.now()
  let now = start
  while (n < 2 || now - start < budgetMs) {
    fn(n++)
    now = performance.now()
  }
  return (n / (now - start)) * 1000
}

const rows: [string, string, number][] = []
function row(group: string, name: string, ops: number): void {
  rows.push([group, name, ops])
  process.stderr.write(`${group} ${name}: ${ops.toFixed(1)}/s\n`)
}

// --- Paillier ---------------------------------------------------------------------------------
for (const bits of [1024, 2048]) {
  row(
    'Paillier',
    `keygen ${bits}-bit`,
    perSecond(() => generatePaillierKeyPair({ bits })),
  )
  const { publicKey, privateKey } = generatePaillierKeyPair({ bits })
  const cts = Array.from({ length: 8 }, (_, i) => paillierEncrypt(publicKey, BigInt(i * 1000 + 1)))
  const hexes = cts.slice(0, 2).map((_, i) => paillierEncryptToHex(publicKey, BigInt(i)))
  row(
    'Paillier',
    `encrypt ${bits}-bit`,
    perSecond((i) => paillierEncrypt(publicKey, BigInt(i))),
  )
  row(
    'Paillier',
    `decrypt ${bits}-bit (CRT)`,
    perSecond((i) => paillierDecrypt(privateKey, cts[i & 7]!)),
  )
  row(
    'Paillier',
    `add ${bits}-bit`,
    perSecond((i) => paillierAdd(cts[i & 7]!, cts[(i + 1) & 7]!)),
  )
  row(
    'Paillier',
    `add ${bits}-bit hex (0x5003 path)`,
    perSecond(() => paillierAddHex(hexes[0]!, hexes[1]!)),
  )
}

// --- LSAG -------------------------------------------------------------------------------------
for (const size of [4, 16]) {
  const keys = Array.from({ length: size }, () => secp256k1.utils.randomSecretKey())
  const ring = keys.map((k) => secp256k1.getPublicKey(k, true))
  const sig = lsagSign('bench', ring, keys[0]!)
  row(
    'LSAG',
    `sign, ring of ${size}`,
    perSecond(() => lsagSign('bench', ring, keys[1]!)),
  )
  row(
    'LSAG',
    `verify, ring of ${size}`,
    perSecond(() => lsagVerify('bench', sig)),
  )
}

// --- BBS04 ------------------------------------------------------------------------------------
{
  const group = bbs04Setup()
  const member = bbs04Join(group.publicKey, group.issuerSecret)
  const sig = bbs04Sign(group.publicKey, member, 'bench')
  row(
    'BBS04',
    'sign',
    perSecond(() => bbs04Sign(group.publicKey, member, 'bench')),
  )
  row(
    'BBS04',
    'verify',
    perSecond(() => bbs04Verify(group.publicKey, 'bench', sig)),
  )
  row(
    'BBS04',
    'open (verify + trace)',
    perSecond(() => bbs04Open(group.publicKey, group.managerSecret, 'bench', sig)),
  )
  row(
    'BBS04',
    'join (issue member key)',
    perSecond(() => bbs04Join(group.publicKey, group.issuerSecret)),
  )
}

// --- ZK -------------------------------------------------------------------------------------
{
  const secret = secp256k1.utils.randomSecretKey()
  const publicKey = secp256k1.getPublicKey(secret, true)
  const proof = schnorrProve(secret, { context: 'bench' })
  row(
    'Schnorr PoK',
    'prove',
    perSecond(() => schnorrProve(secret, { context: 'bench' })),
  )
  row(
    'Schnorr PoK',
    'verify',
    perSecond(() => schnorrVerify(publicKey, proof, { context: 'bench' })),
  )
  const range = rangeProve(123_456n, 32)
  row(
    'Range proof',
    'prove 32-bit',
    perSecond(() => rangeProve(123_456n, 32)),
  )
  row(
    'Range proof',
    'verify 32-bit',
    perSecond(() => rangeVerify(range.commitment, range.proof, 32)),
  )
}

const format = (ops: number): string =>
  ops >= 100 ? Math.round(ops).toLocaleString('en-US') : ops.toFixed(ops >= 10 ? 1 : 2)
process.stdout.write(`\nNode ${process.version}, budget ${budgetMs} ms per row\n\n`)
process.stdout.write('| scheme | operation | per second |\n|---|---|---:|\n')
for (const [group, name, ops] of rows) process.stdout.write(`| ${group} | ${name} | ${format(ops)} |\n`)
