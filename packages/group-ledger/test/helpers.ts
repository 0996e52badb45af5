/**
 * Shared test fixtures: real crypto suites, deterministic keys, signed FISCO transactions and a
 * small in-memory chain that implements the pool's `TxPoolChain` and `BlockNonceSource` ports.
 */
import { createCryptoSuite } from '@consortia/crypto'
import type { Bytes, CryptoSuite, Hash32, SignedTransaction } from '@consortia/interface'
import {
  createSignedTransaction,
  encodeTransaction,
  signTransaction,
  type UnsignedTransaction,
} from '@consortia/protocol'
import type { BlockNonceSource, CommittedBlock, TxPoolChain } from '../src/index.js'

export const ecdsa = createCryptoSuite('ecdsa')
export const sm = createCryptoSuite('sm')

/** secp256k1 group order (SEC 2 §2.4.1), for building high-s copies. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

export function hex(bytes: Bytes): string {
  return Buffer.from(bytes).toString('hex')
}

/** A deterministic private key: Hash("key" ‖ seed), below the curve order for any realistic seed. */
export function keyOf(suite: CryptoSuite, seed: number): Bytes {
  return suite.hash(new TextEncoder().encode(`consortia-txpool-test-key-${seed}`))
}

/** The fields of a valid RC2 transaction for group 1 of chain 1 at height 0. */
export function fields(overrides: Partial<UnsignedTransaction> = {}): UnsignedTransaction {
  return {
    format: 'rc2',
    nonce: 1n,
    gasPrice: 300_000_000n,
    gas: 3_000_000n,
    blockLimit: 500n,
    to: new Uint8Array(20).fill(0x11),
    value: 0n,
    data: Uint8Array.of(0x6d, 0x4c, 0xe6, 0x3c),
    chainId: 1n,
    groupId: 1n,
    extraData: new Uint8Array(0),
    ...overrides,
  }
}

/** Signs and encodes a transaction: the raw bytes a client sends. */
export function rawTx(
  overrides: Partial<UnsignedTransaction> = {},
  keySeed = 1,
  suite: CryptoSuite = ecdsa,
): Bytes {
  return encodeTransaction(signTransaction(fields(overrides), keyOf(suite, keySeed), suite))
}

/** A decoded, recovered transaction (what another node's block carries). */
export function signedTx(
  overrides: Partial<UnsignedTransaction> = {},
  keySeed = 1,
  suite: CryptoSuite = ecdsa,
): SignedTransaction {
  return createSignedTransaction(rawTx(overrides, keySeed, suite), suite)
}

/** The address of test key `seed`. */
export function addressOf(seed: number, suite: CryptoSuite = ecdsa): Bytes {
  return suite.address(suite.publicKey(keyOf(suite, seed)))
}

/** A suite that counts `recover` calls, to show that cheap checks ran before signature work. */
export function countingSuite(suite: CryptoSuite): CryptoSuite & { readonly calls: number } {
  let calls = 0
  return {
    name: suite.name,
    signatureBytes: suite.signatureBytes,
    hash: (d) => suite.hash(d),
    sign: (h, k) => suite.sign(h, k),
    verify: (h, s, p) => suite.verify(h, s, p),
    recover(h, s) {
      calls++
      return suite.recover(h, s)
    },
    publicKey: (k) => suite.publicKey(k),
    address: (p) => suite.address(p),
    randomPrivateKey: () => suite.randomPrivateKey(),
    get calls() {
      return calls
    },
  }
}

/** An in-memory chain: height, committed hashes and per-block nonces. */
export class TestChain implements TxPoolChain, BlockNonceSource {
  height = 0
  readonly hashes = new Set<string>()
  readonly blocks = new Map<number, bigint[]>([[0, []]])
  hasTransactionCalls = 0

  currentNumber(): number {
    return this.height
  }

  async hasTransaction(hash: Hash32): Promise<boolean> {
    this.hasTransactionCalls++
    return this.hashes.has(hex(hash))
  }

  async blockNonces(blockNumber: number): Promise<readonly bigint[] | undefined> {
    return this.blocks.get(blockNumber)
  }

  /** Commits a block holding `txs` and returns what `onBlockCommitted` takes. */
  commit(txs: readonly Pick<SignedTransaction, 'hash' | 'tx'>[]): CommittedBlock {
    this.height++
    for (const t of txs) this.hashes.add(hex(t.hash))
    this.blocks.set(
      this.height,
      txs.map((t) => t.tx.nonce),
    )
    return { header: { number: this.height }, transactions: txs }
  }

  /** Commits `count` empty blocks, returning them in order. */
  commitEmpty(count: number): CommittedBlock[] {
    return Array.from({ length: count }, () => this.commit([]))
  }
}
