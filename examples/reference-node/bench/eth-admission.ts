/**
 * CPU cost of admitting Ethereum transactions (`eth_sendRawTransaction`) into a group's pool,
 * before and after admission went through the protocol decoder once:
 *
 * - `viem + pool` (the former path): viem parses the raw transaction and recovers its sender
 *   (`parseTransaction`, `recoverTransactionAddress`, `keccak256`), then the pool decodes and
 *   recovers the same bytes again.
 * - `protocol once`: `decodeEthTransaction` (the protocol decoder and the chain's ECDSA suite,
 *   native libsecp256k1 when it loads) and the pool takes `{ raw, ethRecovered }` as it is.
 *
 * Rounds alternate A/B in one process, each on a fresh pool, over the same batch of signed
 * transactions (distinct senders); figures are process CPU µs per transaction (user + system).
 *
 *   node --conditions=source --import tsx examples/reference-node/bench/eth-admission.ts [batch] [rounds]
 */
import { loadavg } from 'node:os'
import { createCryptoSuite, createECDSASuite } from '@consortia/crypto'
import { createTxPool, loadNonceWindow, type TxInput } from '@consortia/group-ledger'
import { signEthTransaction } from '@consortia/protocol'
import { keccak256, parseTransaction, recoverTransactionAddress, type TransactionSerialized } from 'viem'
import { decodeEthTransaction } from '../src/eth/transaction.js'

const batch = Number(process.argv[2] ?? 1000)
const rounds = Number(process.argv[3] ?? 6)
const suite = createCryptoSuite('ecdsa')
const backend = createECDSASuite().backend
const chainId = 1n

const raws = Array.from({ length: batch }, (_, i) => {
  const key = suite.hash(new TextEncoder().encode(`eth-admission-bench-${i}`))
  return signEthTransaction(
    {
      type: i % 2 === 0 ? 'eip1559' : 'eip155',
      chainId,
      nonce: 0n,
      maxFeePerGas: 1n,
      gas: 50_000n,
      to: new Uint8Array(20).fill(7),
      value: 1n,
      data: new Uint8Array(36).fill(i & 0xff),
    },
    key,
    suite,
  )
})

async function freshPool() {
  const nonceWindow = await loadNonceWindow({ blockNonces: async () => [] }, 0)
  return createTxPool(
    { groupId: 1, chainId, txCountMax: batch * 2 },
    { suite, nonceWindow, chain: { currentNumber: () => 0, hasTransaction: async () => false } },
  )
}

/** The former admission check: viem parse + recover, then the pool decodes and recovers again. */
async function viemThenPool(): Promise<number> {
  const pool = await freshPool()
  for (const raw of raws) {
    const hex = `0x${Buffer.from(raw).toString('hex')}` as TransactionSerialized
    parseTransaction(hex)
    await recoverTransactionAddress({ serializedTransaction: hex as never })
    keccak256(hex)
  }
  const results = await pool.submitMany(raws)
  return results.filter((r) => r.ok).length
}

/** Admission through the protocol decoder once; the pool reuses envelope and sender. */
async function protocolOnce(): Promise<number> {
  const pool = await freshPool()
  const inputs: TxInput[] = []
  for (const raw of raws) {
    const tx = await decodeEthTransaction(raw, { chainId, suite })
    inputs.push({ raw, ethRecovered: { eth: tx.decoded, sender: tx.sender } })
  }
  const results = await pool.submitMany(inputs)
  return results.filter((r) => r.ok).length
}

async function cpuMicros(fn: () => Promise<number>): Promise<number> {
  const start = process.cpuUsage()
  const accepted = await fn()
  if (accepted !== batch) throw new Error(`only ${accepted} of ${batch} admitted`)
  const used = process.cpuUsage(start)
  return used.user + used.system
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

await viemThenPool() // warm-up (JIT, lazy loads)
await protocolOnce()
const before: number[] = []
const after: number[] = []
for (let r = 0; r < rounds; r++) {
  before.push((await cpuMicros(viemThenPool)) / batch)
  after.push((await cpuMicros(protocolOnce)) / batch)
}
const b = median(before)
const a = median(after)
console.log(
  `eth admission, ${batch} tx per batch, ${rounds} interleaved rounds, secp256k1 backend ${backend}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
console.log(`  viem + pool (before):   ${b.toFixed(1)} µs CPU per transaction (median)`)
console.log(`  protocol once (after):  ${a.toFixed(1)} µs CPU per transaction (median)`)
console.log(`  ratio before/after:     ${(b / a).toFixed(2)}x`)
