import type { Bytes, KvBatchOp, KvStore } from '@consortia/interface'
import { intOption, invalidInput, isTxPoolError, txPoolError } from './errors.js'

/** Default key prefix of journal records. */
export const JOURNAL_PREFIX_DEFAULT = new TextEncoder().encode('txpool/')

/** Most ops written in one KvStore batch; an append never exceeds it (see `SUBMIT_BATCH_MAX`). */
export const JOURNAL_BATCH_OPS_MAX = 16_384

/** Version byte that opens every record. */
export const JOURNAL_RECORD_VERSION = 1

/** Longest key prefix accepted. */
export const JOURNAL_PREFIX_BYTES_MAX = 64

const HEADER_BYTES = 1 + 8

/** One journaled transaction: its arrival sequence, arrival time and exact signed bytes. */
export interface TxJournalRecord {
  /** Arrival sequence number; journal order is arrival order. */
  readonly seq: number
  /** Milliseconds since the Unix epoch when the pool accepted it (expiry counts from here). */
  readonly importMs: number
  /** The signed RLP bytes. */
  readonly raw: Bytes
}

/** Options of `TxJournal`. */
export interface TxJournalInit {
  /** Key prefix, so several pools (groups) can share one store (default `txpool/`). */
  readonly prefix?: Bytes
  /** Ask the store to make appends durable before they resolve (default true). */
  readonly sync?: boolean
}

/** A write waiting for its turn: one append, or one chunk of a remove. */
interface QueuedWrite {
  readonly operation: 'append' | 'remove'
  /** Records of the whole call (error metadata). */
  readonly count: number
  readonly ops: readonly KvBatchOp[]
  readonly sync: boolean
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/**
 * An append-only journal of accepted, not yet committed transactions over any `KvStore`
 * (LevelDB through `@consortia/kv-level` on a node, the testkit memory store in tests).
 * FISCO 2.x keeps its pool in memory only, so accepted-but-unsealed transactions die with the
 * process; journaling them before `submit` answers, and replaying the journal on restart, is
 * what makes "no transaction is lost once accepted" hold across a crash.
 *
 * Writes are serialized in call order, so a removal issued after an append is never
 * overtaken by it. Group commit: the writes issued while one is in flight go to the store
 * together as one batch (ops in call order, at most `JOURNAL_BATCH_OPS_MAX`), durable when any
 * of them asked for it, so concurrent admissions share one fsync instead of queueing one each.
 * Records are keyed `prefix ‖ seq (u64 big-endian)`, so iteration order is arrival order.
 */
export class TxJournal {
  readonly #store: KvStore
  readonly #prefix: Bytes
  readonly #sync: boolean
  readonly #queue: QueuedWrite[] = []
  #tail: Promise<void> = Promise.resolve()
  #writing = false

  constructor(store: KvStore, init: TxJournalInit = {}) {
    if (store === null || typeof store !== 'object' || typeof store.batch !== 'function') {
      throw invalidInput('journal', 'a KvStore', store)
    }
    const prefix = init.prefix ?? JOURNAL_PREFIX_DEFAULT
    if (!(prefix instanceof Uint8Array) || prefix.length === 0 || prefix.length > JOURNAL_PREFIX_BYTES_MAX) {
      throw invalidInput('journal prefix', `1 to ${JOURNAL_PREFIX_BYTES_MAX} bytes`, prefix)
    }
    this.#store = store
    this.#prefix = prefix.slice()
    this.#sync = init.sync ?? true
  }

  /** The store key of record `seq`. */
  keyOf(seq: number): Bytes {
    intOption(seq, 0, 'seq', 0)
    const key = new Uint8Array(this.#prefix.length + 8)
    key.set(this.#prefix, 0)
    new DataView(key.buffer).setBigUint64(this.#prefix.length, BigInt(seq))
    return key
  }

  /** Writes `records` in one atomic batch (at most `JOURNAL_BATCH_OPS_MAX`). */
  append(records: readonly TxJournalRecord[]): Promise<void> {
    if (records.length > JOURNAL_BATCH_OPS_MAX) {
      throw invalidInput('journal append', `at most ${JOURNAL_BATCH_OPS_MAX} records`, records.length)
    }
    const ops: KvBatchOp[] = records.map((r) => ({
      type: 'put',
      key: this.keyOf(r.seq),
      value: encodeRecord(r),
    }))
    if (ops.length === 0) return this.#enqueue('append', 0, [], false)
    return this.#enqueue('append', ops.length, ops, this.#sync)
  }

  /** Deletes the records `seqs` (in batches of `JOURNAL_BATCH_OPS_MAX`; deleting is idempotent). */
  remove(seqs: readonly number[]): Promise<void> {
    const keys = seqs.map((seq) => this.keyOf(seq))
    if (keys.length === 0) return this.#enqueue('remove', 0, [], false)
    const chunks: Promise<void>[] = []
    for (let i = 0; i < keys.length; i += JOURNAL_BATCH_OPS_MAX) {
      const ops: KvBatchOp[] = keys.slice(i, i + JOURNAL_BATCH_OPS_MAX).map((key) => ({ type: 'del', key }))
      chunks.push(this.#enqueue('remove', keys.length, ops, false))
    }
    return Promise.all(chunks).then(() => undefined)
  }

  /** Every record, in arrival order. Throws TXPOOL_JOURNAL_CORRUPT on a record that does not parse. */
  async readAll(): Promise<TxJournalRecord[]> {
    await this.#tail
    const gte = this.#prefix
    const lt = prefixEnd(this.#prefix)
    const out: TxJournalRecord[] = []
    try {
      for await (const [key, value] of this.#store.iterate(lt === undefined ? { gte } : { gte, lt })) {
        out.push(decodeRecord(key, value, this.#prefix.length))
      }
    } catch (err) {
      if (isTxPoolError(err, 'TXPOOL_JOURNAL_CORRUPT')) throw err
      throw txPoolError(
        { code: 'TXPOOL_JOURNAL_FAILED', operation: 'replay', count: out.length },
        'transaction journal could not be read',
        err,
      )
    }
    return out
  }

  /** Resolves when every write issued so far has settled. */
  async flush(): Promise<void> {
    await this.#tail
  }

  #enqueue(
    operation: 'append' | 'remove',
    count: number,
    ops: readonly KvBatchOp[],
    sync: boolean,
  ): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.#queue.push({ operation, count, ops, sync, resolve, reject })
    })
    if (!this.#writing) {
      this.#writing = true
      this.#tail = this.#drain()
    }
    return done
  }

  /** Writes the queue, one group (one batch) at a time, until it is empty. Never rejects. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group: QueuedWrite[] = []
      const ops: KvBatchOp[] = []
      let sync = false
      while (this.#queue.length > 0) {
        const next = this.#queue[0]!
        if (group.length > 0 && ops.length + next.ops.length > JOURNAL_BATCH_OPS_MAX) break
        this.#queue.shift()
        group.push(next)
        for (const op of next.ops) ops.push(op)
        sync ||= next.sync
      }
      try {
        if (ops.length > 0) await this.#store.batch(ops, { sync })
        for (const w of group) w.resolve()
      } catch (err) {
        for (const w of group) {
          w.reject(
            txPoolError(
              { code: 'TXPOOL_JOURNAL_FAILED', operation: w.operation, count: w.count },
              `transaction journal ${w.operation} of ${w.count} records failed`,
              err,
            ),
          )
        }
      }
    }
    this.#writing = false
  }
}

function encodeRecord(record: TxJournalRecord): Bytes {
  if (!(record.raw instanceof Uint8Array)) throw invalidInput('journal record raw', 'Uint8Array', record.raw)
  intOption(record.importMs, 0, 'importMs', 0)
  const out = new Uint8Array(HEADER_BYTES + record.raw.length)
  out[0] = JOURNAL_RECORD_VERSION
  new DataView(out.buffer).setBigUint64(1, BigInt(record.importMs))
  out.set(record.raw, HEADER_BYTES)
  return out
}

function decodeRecord(key: Bytes, value: Bytes, prefixBytes: number): TxJournalRecord {
  const keyHex = Buffer.from(key).toString('hex')
  const corrupt = (reason: string) =>
    txPoolError(
      { code: 'TXPOOL_JOURNAL_CORRUPT', key: keyHex, reason },
      `journal record ${keyHex}: ${reason}`,
    )
  if (key.length !== prefixBytes + 8)
    throw corrupt(`expected a ${prefixBytes + 8}-byte key, got ${key.length}`)
  if (value.length <= HEADER_BYTES)
    throw corrupt(`expected more than ${HEADER_BYTES} bytes, got ${value.length}`)
  if (value[0] !== JOURNAL_RECORD_VERSION) throw corrupt(`unknown record version ${value[0]}`)
  const keyView = new DataView(key.buffer, key.byteOffset, key.byteLength)
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  const seq = keyView.getBigUint64(prefixBytes)
  const importMs = view.getBigUint64(1)
  if (seq > BigInt(Number.MAX_SAFE_INTEGER) || importMs > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw corrupt('sequence or time out of range')
  }
  return { seq: Number(seq), importMs: Number(importMs), raw: value.slice(HEADER_BYTES) }
}

/** The smallest key above every key that starts with `prefix` (undefined for all-0xff). */
function prefixEnd(prefix: Bytes): Bytes | undefined {
  const end = prefix.slice()
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1
      return end.subarray(0, i + 1)
    }
  }
  return undefined
}
