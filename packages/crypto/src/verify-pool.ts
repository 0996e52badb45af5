import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { CryptoSuite, CryptoSuiteName, Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { type CryptoError, cryptoError } from './errors.js'
import type { CryptoSuiteInit } from './suite.js'
import { threadCpuUs } from './thread-cpu.js'
import {
  codeOfStatus,
  decodeRecoverResults,
  encodeRecoverRows,
  type RecoverItem,
  type RecoverResult,
  recoverRowBytes,
  STATUS_WORKER_FAILED,
  VERIFY_RESULT_ROW_BYTES,
} from './verify-codec.js'
import type { WorkerData, WorkerRequest, WorkerResponse } from './verify-protocol.js'

export type { RecoverItem, RecoverResult } from './verify-codec.js'
export {
  decodeRecoverResults,
  decodeRecoverRows,
  encodeRecoverResults,
  encodeRecoverRows,
  recoverRowBytes,
  VERIFY_RESULT_ROW_BYTES,
} from './verify-codec.js'

/** Default bound on items admitted and not yet answered. */
export const VERIFY_POOL_QUEUE_MAX = 65_536
/** Default most items per worker message: one packed buffer each way per batch. */
export const VERIFY_POOL_BATCH_MAX = 1024
/** Ceiling on the `batchMax` option. */
export const VERIFY_POOL_BATCH_LIMIT = 65_536
/**
 * Smallest batch the pool cuts while more items are queued (a request smaller than this, with
 * nothing queued behind it, goes as it is).
 */
export const VERIFY_POOL_BATCH_MIN = 32
/** Default batches posted to one worker and not yet answered (one running, one waiting). */
export const VERIFY_POOL_IN_FLIGHT_MAX = 2
/** Ceiling on the `inFlightMax` option. */
export const VERIFY_POOL_IN_FLIGHT_LIMIT = 64
/** Default bound on callers waiting for room when the queue is full. */
export const VERIFY_POOL_WAITERS_MAX = 1024
/** Most workers one pool may start. */
export const VERIFY_POOL_WORKERS_MAX = 256
/** Replacement workers one pool starts after crashes before it gives a slot up. */
export const VERIFY_POOL_RESPAWNS_MAX = 8

/** Options of `createVerifyPool`. */
export type VerifyPoolInit = {
  /** The suite, or its name; workers build their own copy with the same backend. */
  suite: CryptoSuite | CryptoSuiteName
  /** Worker threads (default `os.availableParallelism()`). */
  workers?: number
  /** Items admitted and not yet answered (default `VERIFY_POOL_QUEUE_MAX`). */
  queueMax?: number
  /**
   * Most items per worker message (default `VERIFY_POOL_BATCH_MAX`, at most
   * `VERIFY_POOL_BATCH_LIMIT`). Batches are cut from the queue as workers free up, about
   * queued ÷ (2 × workers) items each, so they shrink toward the end and no worker idles long.
   */
  batchMax?: number
  /** Batches posted to one worker and not yet answered (default 2, at most 64). */
  inFlightMax?: number
  /** When the queue is full: `wait` (default) until room, or `reject` with QUEUE_FULL. */
  whenFull?: 'wait' | 'reject'
  /** Callers that may wait for room before further ones get QUEUE_FULL (default 1024). */
  waitersMax?: number
  /**
   * Measure per-thread CPU time for `stats()` (default false). On Linux this costs two small
   * procfs reads per batch on the calling thread and two in the worker; leave it off in a node,
   * turn it on in benchmarks. Off, `workerCpuUs` is undefined and `mainBusyUs` is wall-clock time.
   */
  threadCpu?: boolean
  logger?: Logger
}

/** Counters of a pool since it started (for benchmarks and monitoring). */
export type VerifyPoolStats = {
  /** Items answered by workers (items rejected before sending, e.g. wrong lengths, included). */
  readonly items: number
  /** Batches answered by workers. */
  readonly batches: number
  /** Largest batch posted (never above `batchMax`). */
  readonly largestBatch: number
  /** Most batches in flight at once over all workers (never above workers × `inFlightMax`). */
  readonly inFlightPeak: number
  /**
   * CPU time the worker threads spent on answered batches, in microseconds; `undefined` unless
   * the pool was started with `threadCpu: true` on a platform where per-thread CPU time can be
   * read (it is read from Linux procfs).
   */
  readonly workerCpuUs: number | undefined
  /**
   * Microseconds the calling thread spent inside the pool's own code: packing admitted items,
   * cutting and posting batches, turning answers into results. Thread CPU time with
   * `threadCpu: true` on Linux (two small procfs reads per batch), wall-clock time otherwise. This is the main-thread price of
   * the pool; the runtime's own idle-time work is not in it.
   */
  readonly mainBusyUs: number
}

/** Batch signature recovery on worker threads; answers keep request order. */
export interface VerifyPool {
  /** Number of worker threads. */
  readonly workers: number
  /** Items admitted and not yet answered. */
  readonly pending: number
  /** Resolves when every worker has built its suite (useful before timing). */
  ready(): Promise<void>
  /**
   * Recover the public key of every item. Throws QUEUE_FULL (reject mode, or too many waiters),
   * INVALID_ARGUMENT for a request larger than `queueMax`, POOL_CLOSED after `close()`.
   * Per-item failures (bad signature, wrong lengths, WORKER_FAILED) are results, not exceptions,
   * and never affect the other items of the request or batch.
   */
  recover(items: readonly RecoverItem[]): Promise<RecoverResult[]>
  /**
   * The packed form of `recover`, for callers that hold signatures in one buffer: `rows` is
   * request rows (`status ‖ hash ‖ signature`, `recoverRowBytes(signatureBytes)` bytes each,
   * status 0; `encodeRecoverRows` builds them), the answer is one buffer of result rows
   * (`status ‖ publicKey`, `VERIFY_RESULT_ROW_BYTES` each, in order; `decodeRecoverResults`
   * reads them). The main thread copies whole batches and builds no object per item.
   * Same errors as `recover`, plus INVALID_LENGTH when `rows` is not a whole number of rows.
   * `rows` is copied before this returns (or when a waiting call is admitted).
   */
  recoverRows(rows: Uint8Array): Promise<Uint8Array>
  /** Counters since the pool started. */
  stats(): VerifyPoolStats
  /** Stop the workers; waiting, queued and in-flight requests reject with POOL_CLOSED. */
  close(): Promise<void>
}

type Request = {
  /** The items packed at admission (later changes to the caller's arrays do not matter). */
  rows: Uint8Array
  /** Object answers (`recover`), or … */
  results: RecoverResult[] | undefined
  /** … result rows (`recoverRows`). */
  out: Uint8Array | undefined
  size: number
  /** First item not yet cut into a batch. */
  next: number
  /** Items not yet answered. */
  remaining: number
  settled: boolean
  /** Settles the caller's promise with `results` or `out`. */
  resolve: () => void
  reject: (e: CryptoError) => void
}
/** A contiguous run of one request's items inside a batch. */
type Segment = { request: Request; start: number; count: number }
/** `retried`: the batch already survived one worker crash; a second crash fails its items. */
type Batch = { id: number; segments: Segment[]; count: number; retried: boolean }
type Slot = {
  worker: Worker
  inFlight: Map<number, Batch>
  items: number
  ready: Promise<void>
  dead: boolean
  /** The worker built its suite; until then it stays referenced so `ready()` can settle. */
  started: boolean
}

/**
 * How to start a worker. From dist, the compiled verify-worker.js runs as it is. From src (tests,
 * dev), the entry is TypeScript: a small eval bootstrap registers tsx's ESM hooks inside the
 * worker and then imports verify-worker.ts, with the `source` condition so sibling packages
 * resolve to their src too.
 */
function workerEntry(): { entry: URL | string; eval: boolean; execArgv: string[] | undefined } {
  const fromSource = import.meta.url.endsWith('.ts')
  if (!fromSource)
    return { entry: new URL('./verify-worker.js', import.meta.url), eval: false, execArgv: undefined }
  const require = createRequire(import.meta.url)
  const tsxApi = pathToFileURL(
    join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs'),
  ).href
  const worker = new URL('./verify-worker.ts', import.meta.url).href
  const code = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}) })`
  return { entry: code, eval: true, execArgv: ['--conditions=source'] }
}

/** Microseconds of this thread's CPU time (Linux), else of wall-clock time. */
function threadClock(): number {
  return threadCpuUs() ?? performance.now() * 1000
}

/** Microseconds of wall-clock time. */
function wallClock(): number {
  return performance.now() * 1000
}

function suiteSpec(suite: CryptoSuite | CryptoSuiteName, threadCpu: boolean): WorkerData {
  if (typeof suite === 'string') return { suite, init: {}, threadCpu }
  const backend = (suite as { backend?: string }).backend
  const init: WorkerData['init'] = {}
  if (suite.name === 'ecdsa' && (backend === 'native' || backend === 'noble')) init.backend = backend
  if (suite.name === 'sm' && (backend === 'openssl' || backend === 'noble')) init.verifyBackend = backend
  return { suite: suite.name, init: init as Pick<CryptoSuiteInit, 'backend' | 'verifyBackend'>, threadCpu }
}

function positiveInt(
  value: number | undefined,
  fallback: number,
  label: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = value ?? fallback
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw cryptoError('INVALID_ARGUMENT', `expected ${label} as an integer in [1, ${max}], got ${v}`, {
      field: label,
    })
  }
  return v
}

/**
 * Start a pool of workers that recover signers in batches (ECDSA recovery, or SM2 verify
 * against the key carried in the signature). Items wait in one FIFO queue; whenever a worker
 * has fewer than `inFlightMax` batches, the pool cuts the next batch from the queue (batches
 * may join consecutive small requests), packs it into one buffer and posts it. The main thread
 * does one copy per item on the way out and builds one result object per item on the way back.
 *
 * @example
 * ```ts
 * const pool = createVerifyPool({ suite: 'ecdsa', workers: 2 })
 * const [res] = await pool.recover([{ hash, signature }])
 * await pool.close()
 * ```
 */
export function createVerifyPool(init: VerifyPoolInit): VerifyPool {
  const logger = init.logger ?? silentLogger
  const threadCpu = init.threadCpu === true
  const spec = suiteSpec(init.suite, threadCpu)
  const busyClock = threadCpu ? threadClock : wallClock
  const signatureBytes = spec.suite === 'sm' ? 128 : 65
  const rowBytes = recoverRowBytes(signatureBytes)
  const workerCount = positiveInt(init.workers, availableParallelism(), 'workers', VERIFY_POOL_WORKERS_MAX)
  const queueMax = positiveInt(init.queueMax, VERIFY_POOL_QUEUE_MAX, 'queueMax')
  const batchMax = positiveInt(init.batchMax, VERIFY_POOL_BATCH_MAX, 'batchMax', VERIFY_POOL_BATCH_LIMIT)
  const batchMin = Math.min(VERIFY_POOL_BATCH_MIN, batchMax)
  const inFlightMax = positiveInt(
    init.inFlightMax,
    VERIFY_POOL_IN_FLIGHT_MAX,
    'inFlightMax',
    VERIFY_POOL_IN_FLIGHT_LIMIT,
  )
  const waitersMax = positiveInt(init.waitersMax, VERIFY_POOL_WAITERS_MAX, 'waitersMax')
  const whenFull = init.whenFull ?? 'wait'
  const entry = workerEntry()
  const slots: Slot[] = []
  const waiters: { size: number; admit: () => void; reject: (e: CryptoError) => void }[] = []
  /** Requests with items not yet cut into batches, oldest first. */
  const queue: Request[] = []
  /** Batches orphaned by a crashed worker, sent again before new ones. */
  const retries: Batch[] = []
  /** Admitted requests not yet settled (rejected on close). */
  const active = new Set<Request>()
  let queuedItems = 0
  let pending = 0
  let inFlight = 0
  let nextBatchId = 1
  let closed = false
  let respawns = 0
  const counters = {
    items: 0,
    batches: 0,
    largestBatch: 0,
    inFlightPeak: 0,
    workerCpuUs: 0,
    cpuKnown: threadCpu,
    mainBusyUs: 0,
  }

  function spawn(index: number): Slot {
    const worker = new Worker(entry.entry, {
      eval: entry.eval,
      workerData: spec,
      ...(entry.execArgv !== undefined ? { execArgv: entry.execArgv } : {}),
    })
    let markReady: () => void = () => {}
    const ready = new Promise<void>((resolve) => {
      markReady = resolve
    })
    const slot: Slot = { worker, inFlight: new Map(), items: 0, ready, dead: false, started: false }
    worker.on('message', (msg: WorkerResponse | { ready: true }) => {
      if ('ready' in msg) {
        slot.started = true
        markReady()
        if (slot.items === 0) worker.unref()
      } else {
        onResponse(slot, msg)
      }
    })
    const fail = (reason: string, error?: unknown): void => {
      if (closed || slot.dead) return
      slot.dead = true
      markReady()
      logger.error('verify worker failed', { index, reason }, error)
      if (respawns < VERIFY_POOL_RESPAWNS_MAX) {
        respawns++
        slots[index] = spawn(index)
      }
      const orphans = [...slot.inFlight.values()]
      slot.inFlight.clear()
      inFlight -= orphans.length
      slot.items = 0
      for (const batch of orphans) {
        // A crash should not fail valid signatures: give each batch one more try elsewhere.
        if (!batch.retried) retries.push({ ...batch, retried: true })
        else failBatch(batch)
      }
      void worker.terminate()
      pump()
    }
    worker.on('error', (err) => fail('error', err))
    worker.on('exit', (code) => fail(`exit ${code}`))
    return slot
  }

  for (let i = 0; i < workerCount; i++) slots.push(spawn(i))

  /** Answer a batch without a worker: WORKER_FAILED, or INVALID_LENGTH for malformed items. */
  function failBatch(batch: Batch): void {
    for (const { request, start, count } of batch.segments) {
      for (let i = start; i < start + count; i++) {
        const status = request.rows[i * rowBytes]!
        if (request.out !== undefined)
          request.out[i * VERIFY_RESULT_ROW_BYTES] = status || STATUS_WORKER_FAILED
        else request.results![i] = { ok: false, code: status === 0 ? 'WORKER_FAILED' : codeOfStatus(status) }
      }
      answered(request, count)
    }
  }

  function answered(request: Request, count: number): void {
    request.remaining -= count
    if (request.remaining === 0 && !request.settled) {
      request.settled = true
      active.delete(request)
      pending -= request.size
      request.resolve()
      while (waiters.length > 0 && pending + waiters[0]!.size <= queueMax) waiters.shift()!.admit()
    }
  }

  /**
   * Cut the next batch off the queue: about queued ÷ (2 × workers) items, within
   * [VERIFY_POOL_BATCH_MIN, batchMax], so early batches are large and the last ones small.
   */
  function cut(): Batch | undefined {
    if (queue.length === 0) return undefined
    const target = Math.min(batchMax, Math.max(batchMin, Math.ceil(queuedItems / (2 * workerCount))))
    const segments: Segment[] = []
    let count = 0
    while (count < target && queue.length > 0) {
      const request = queue[0]!
      const take = Math.min(target - count, request.size - request.next)
      segments.push({ request, start: request.next, count: take })
      request.next += take
      count += take
      if (request.next === request.size) queue.shift()
    }
    queuedItems -= count
    return { id: nextBatchId++, segments, count, retried: false }
  }

  /** Post batches while some live worker has room for one more. */
  function pump(): void {
    while (retries.length > 0 || queue.length > 0) {
      let slot: Slot | undefined
      let live = false
      for (const s of slots) {
        if (s.dead) continue
        live = true
        if (s.inFlight.size < inFlightMax && (slot === undefined || s.inFlight.size < slot.inFlight.size))
          slot = s
      }
      if (!live) {
        // Every worker crashed and no respawns are left: answer what remains without them.
        for (const batch of retries.splice(0)) failBatch(batch)
        for (let batch = cut(); batch !== undefined; batch = cut()) failBatch(batch)
        return
      }
      if (slot === undefined) return
      const batch = retries.shift() ?? cut()
      if (batch === undefined) return
      send(slot, batch)
    }
  }

  /** Pack one batch into one buffer of rows and post it, transferring the buffer. */
  function send(slot: Slot, batch: Batch): void {
    // A copy: the request keeps its rows in case a worker crash sends the batch again.
    let rows: Uint8Array
    if (batch.segments.length === 1) {
      const { request, start, count } = batch.segments[0]!
      rows = request.rows.slice(start * rowBytes, (start + count) * rowBytes)
    } else {
      rows = new Uint8Array(batch.count * rowBytes)
      let at = 0
      for (const { request, start, count } of batch.segments) {
        rows.set(request.rows.subarray(start * rowBytes, (start + count) * rowBytes), at)
        at += count * rowBytes
      }
    }
    slot.inFlight.set(batch.id, batch)
    if (slot.items === 0) slot.worker.ref()
    slot.items += batch.count
    inFlight++
    if (inFlight > counters.inFlightPeak) counters.inFlightPeak = inFlight
    if (batch.count > counters.largestBatch) counters.largestBatch = batch.count
    const msg: WorkerRequest = { id: batch.id, count: batch.count, rows: rows.buffer as ArrayBuffer }
    slot.worker.postMessage(msg, [rows.buffer as ArrayBuffer])
  }

  function onResponse(slot: Slot, msg: WorkerResponse): void {
    const batch = slot.inFlight.get(msg.id)
    if (batch === undefined) return
    const busyStart = busyClock()
    slot.inFlight.delete(msg.id)
    inFlight--
    slot.items -= batch.count
    // Idle workers must not keep the process alive; busy ones must (an awaited result is pending).
    if (slot.items === 0 && slot.started) slot.worker.unref()
    counters.items += batch.count
    counters.batches++
    if (msg.cpuUs >= 0) counters.workerCpuUs += msg.cpuUs
    else counters.cpuKnown = false
    // Refill the worker before decoding, so it never waits on the main thread.
    pump()
    const rows = new Uint8Array(msg.results)
    let at = 0
    for (const { request, start, count } of batch.segments) {
      if (!request.settled) {
        const part = rows.subarray(at * VERIFY_RESULT_ROW_BYTES, (at + count) * VERIFY_RESULT_ROW_BYTES)
        if (request.out !== undefined) request.out.set(part, start * VERIFY_RESULT_ROW_BYTES)
        else decodeRecoverResults(part, request.results!, start)
        answered(request, count)
      }
      at += count
    }
    counters.mainBusyUs += busyClock() - busyStart
  }

  /**
   * Admit `size` items (now, or when room frees up): `pack` snapshots them into request rows,
   * `attach` gives the request its answer holder.
   */
  function submit(size: number, pack: () => Uint8Array, attach: (request: Request) => void): Promise<void> {
    if (closed) return Promise.reject(cryptoError('POOL_CLOSED', 'verify pool is closed'))
    if (size > queueMax) {
      return Promise.reject(
        cryptoError('INVALID_ARGUMENT', `request of ${size} items exceeds queueMax ${queueMax}`, {
          field: 'items',
          limit: queueMax,
        }),
      )
    }
    if (size === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const request: Request = {
        rows: new Uint8Array(0),
        results: undefined,
        out: undefined,
        size,
        next: 0,
        remaining: size,
        settled: false,
        resolve,
        reject,
      }
      const admit = (): void => {
        const busyStart = busyClock()
        request.rows = pack()
        attach(request)
        pending += size
        active.add(request)
        queue.push(request)
        queuedItems += size
        pump()
        counters.mainBusyUs += busyClock() - busyStart
      }
      if (pending + size <= queueMax && waiters.length === 0) {
        admit()
        return
      }
      if (whenFull === 'reject' || waiters.length >= waitersMax) {
        reject(
          cryptoError('QUEUE_FULL', `verify pool queue is full (${pending} of ${queueMax} items pending)`, {
            pending,
            limit: queueMax,
          }),
        )
        return
      }
      waiters.push({ size, admit, reject })
    })
  }

  return {
    workers: workerCount,
    get pending() {
      return pending
    },
    async ready() {
      await Promise.all(slots.map((s) => s.ready))
    },
    stats() {
      return {
        items: counters.items,
        batches: counters.batches,
        largestBatch: counters.largestBatch,
        inFlightPeak: counters.inFlightPeak,
        workerCpuUs: counters.cpuKnown ? counters.workerCpuUs : undefined,
        mainBusyUs: counters.mainBusyUs,
      }
    },
    recover(items) {
      let results: RecoverResult[] | undefined
      return submit(
        items.length,
        () => encodeRecoverRows(items, signatureBytes),
        (request) => {
          results = new Array<RecoverResult>(items.length)
          request.results = results
        },
      ).then(() => results ?? [])
    },
    recoverRows(rows) {
      if (!(rows instanceof Uint8Array) || rows.length % rowBytes !== 0) {
        const got = rows instanceof Uint8Array ? `${rows.length} bytes` : typeof rows
        return Promise.reject(
          cryptoError('INVALID_LENGTH', `expected a multiple of ${rowBytes}-byte request rows, got ${got}`, {
            field: 'rows',
            expected: rowBytes,
          }),
        )
      }
      const count = rows.length / rowBytes
      let out: Uint8Array | undefined
      return submit(
        count,
        () => rows.slice(),
        (request) => {
          out = new Uint8Array(count * VERIFY_RESULT_ROW_BYTES)
          request.out = out
        },
      ).then(() => out ?? new Uint8Array(0))
    },
    async close() {
      if (closed) return
      closed = true
      const err = cryptoError('POOL_CLOSED', 'verify pool closed')
      for (const w of waiters.splice(0)) w.reject(err)
      for (const request of active) {
        request.settled = true
        request.reject(err)
      }
      active.clear()
      queue.length = 0
      retries.length = 0
      for (const slot of slots) slot.inFlight.clear()
      await Promise.all(slots.map((s) => s.worker.terminate()))
    },
  }
}
