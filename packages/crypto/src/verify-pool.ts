import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Bytes, CryptoSuite, CryptoSuiteName, Hash32, Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { type CryptoError, type CryptoErrorCode, cryptoError } from './errors.js'
import type { CryptoSuiteInit } from './suite.js'
import { codeOfStatus, type WorkerData, type WorkerRequest, type WorkerResponse } from './verify-protocol.js'

/** Default bound on items admitted and not yet answered. */
export const VERIFY_POOL_QUEUE_MAX = 65_536
/** Default items per worker message (amortises postMessage cost). */
export const VERIFY_POOL_BATCH_MAX = 256
/** Default bound on callers waiting for room when the queue is full. */
export const VERIFY_POOL_WAITERS_MAX = 1024
/** Most workers one pool may start. */
export const VERIFY_POOL_WORKERS_MAX = 256
/** Replacement workers one pool starts after crashes before it gives a slot up. */
export const VERIFY_POOL_RESPAWNS_MAX = 8

/** One signature to check: the signed 32-byte hash and the signature in the suite's byte form. */
export type RecoverItem = { hash: Hash32; signature: Bytes }

/** Per-item answer, in request order. */
export type RecoverResult = { ok: true; publicKey: Bytes } | { ok: false; code: CryptoErrorCode }

/** Options of `createVerifyPool`. */
export type VerifyPoolInit = {
  /** The suite, or its name; workers build their own copy with the same backend. */
  suite: CryptoSuite | CryptoSuiteName
  /** Worker threads (default `os.availableParallelism()`). */
  workers?: number
  /** Items admitted and not yet answered (default `VERIFY_POOL_QUEUE_MAX`). */
  queueMax?: number
  /** Items per worker message (default `VERIFY_POOL_BATCH_MAX`). */
  batchMax?: number
  /** When the queue is full: `wait` (default) until room, or `reject` with QUEUE_FULL. */
  whenFull?: 'wait' | 'reject'
  /** Callers that may wait for room before further ones get QUEUE_FULL (default 1024). */
  waitersMax?: number
  logger?: Logger
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
   * Per-item failures (bad signature, WORKER_FAILED) are results, not exceptions.
   */
  recover(items: readonly RecoverItem[]): Promise<RecoverResult[]>
  /** Stop the workers; waiting and in-flight requests reject with POOL_CLOSED. */
  close(): Promise<void>
}

type Request = {
  items: readonly RecoverItem[]
  results: RecoverResult[]
  remaining: number
  size: number
  resolve: (r: RecoverResult[]) => void
  reject: (e: CryptoError) => void
}
/** `retried`: the batch already survived one worker crash; a second crash fails its items. */
type Batch = { id: number; request: Request; indices: number[]; retried: boolean }
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

function suiteSpec(suite: CryptoSuite | CryptoSuiteName): WorkerData {
  if (typeof suite === 'string') return { suite, init: {} }
  const backend = (suite as { backend?: string }).backend
  const init: WorkerData['init'] = {}
  if (suite.name === 'ecdsa' && (backend === 'native' || backend === 'noble')) init.backend = backend
  if (suite.name === 'sm' && (backend === 'openssl' || backend === 'noble')) init.verifyBackend = backend
  return { suite: suite.name, init: init as Pick<CryptoSuiteInit, 'backend' | 'verifyBackend'> }
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
 * against the key carried in the signature).
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
  const spec = suiteSpec(init.suite)
  const signatureBytes = spec.suite === 'sm' ? 128 : 65
  const workerCount = positiveInt(init.workers, availableParallelism(), 'workers', VERIFY_POOL_WORKERS_MAX)
  const queueMax = positiveInt(init.queueMax, VERIFY_POOL_QUEUE_MAX, 'queueMax')
  const batchMax = positiveInt(init.batchMax, VERIFY_POOL_BATCH_MAX, 'batchMax')
  const waitersMax = positiveInt(init.waitersMax, VERIFY_POOL_WAITERS_MAX, 'waitersMax')
  const whenFull = init.whenFull ?? 'wait'
  const entry = workerEntry()
  const slots: Slot[] = []
  const waiters: { size: number; admit: () => void; reject: (e: CryptoError) => void }[] = []
  let pending = 0
  let nextBatchId = 1
  let closed = false
  let respawns = 0

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
      for (const batch of orphans) {
        slot.items -= batch.indices.length
        // A crash should not fail valid signatures: give each batch one more try elsewhere.
        if (!batch.retried) send(batch.request, batch.indices, true)
        else finishBatch(slot, batch, undefined, false)
      }
      void worker.terminate()
    }
    worker.on('error', (err) => fail('error', err))
    worker.on('exit', (code) => fail(`exit ${code}`))
    return slot
  }

  for (let i = 0; i < workerCount; i++) slots.push(spawn(i))

  function finishBatch(slot: Slot, batch: Batch, msg: WorkerResponse | undefined, counted = true): void {
    if (counted) slot.items -= batch.indices.length
    // Idle workers must not keep the process alive; busy ones must (an awaited result is pending).
    if (slot.items === 0 && slot.started) slot.worker.unref()
    const { request } = batch
    const pubs = msg ? new Uint8Array(msg.publicKeys) : undefined
    const status = msg ? new Uint8Array(msg.status) : undefined
    batch.indices.forEach((index, i) => {
      if (pubs === undefined || status === undefined) {
        request.results[index] = { ok: false, code: 'WORKER_FAILED' }
      } else if (status[i] === 0) {
        request.results[index] = { ok: true, publicKey: pubs.slice(i * 64, i * 64 + 64) }
      } else {
        request.results[index] = { ok: false, code: codeOfStatus(status[i]!) }
      }
    })
    request.remaining -= batch.indices.length
    if (request.remaining === 0) complete(request)
  }

  function complete(request: Request): void {
    pending -= request.size
    request.resolve(request.results)
    while (waiters.length > 0 && pending + waiters[0]!.size <= queueMax) waiters.shift()!.admit()
  }

  function onResponse(slot: Slot, msg: WorkerResponse): void {
    const batch = slot.inFlight.get(msg.id)
    if (batch === undefined) return
    slot.inFlight.delete(msg.id)
    finishBatch(slot, batch, msg)
  }

  function dispatch(items: readonly RecoverItem[], request: Request): void {
    const valid: number[] = []
    items.forEach((item, i) => {
      const okHash = item.hash instanceof Uint8Array && item.hash.length === 32
      const okSig = item.signature instanceof Uint8Array && item.signature.length === signatureBytes
      if (okHash && okSig) valid.push(i)
      else request.results[i] = { ok: false, code: 'INVALID_LENGTH' }
    })
    request.remaining = valid.length
    if (valid.length === 0) {
      complete(request)
      return
    }
    for (let start = 0; start < valid.length; start += batchMax) {
      send(request, valid.slice(start, start + batchMax), false)
    }
  }

  /** Pack one batch and post it to the least-loaded live worker. */
  function send(request: Request, indices: number[], retried: boolean): void {
    const { items } = request
    const hashes = new Uint8Array(indices.length * 32)
    const signatures = new Uint8Array(indices.length * signatureBytes)
    indices.forEach((index, i) => {
      hashes.set(items[index]!.hash, i * 32)
      signatures.set(items[index]!.signature, i * signatureBytes)
    })
    let slot: Slot | undefined
    for (const s of slots) if (!s.dead && (slot === undefined || s.items < slot.items)) slot = s
    if (slot === undefined) {
      for (const index of indices) request.results[index] = { ok: false, code: 'WORKER_FAILED' }
      request.remaining -= indices.length
      if (request.remaining === 0) complete(request)
      return
    }
    const batch: Batch = { id: nextBatchId++, request, indices, retried }
    slot.inFlight.set(batch.id, batch)
    if (slot.items === 0) slot.worker.ref()
    slot.items += indices.length
    const msg: WorkerRequest = {
      id: batch.id,
      count: indices.length,
      hashes: hashes.buffer,
      signatures: signatures.buffer,
    }
    slot.worker.postMessage(msg, [hashes.buffer, signatures.buffer])
  }

  return {
    workers: workerCount,
    get pending() {
      return pending
    },
    async ready() {
      await Promise.all(slots.map((s) => s.ready))
    },
    recover(items) {
      if (closed) return Promise.reject(cryptoError('POOL_CLOSED', 'verify pool is closed'))
      if (items.length > queueMax) {
        return Promise.reject(
          cryptoError('INVALID_ARGUMENT', `request of ${items.length} items exceeds queueMax ${queueMax}`, {
            field: 'items',
            limit: queueMax,
          }),
        )
      }
      return new Promise<RecoverResult[]>((resolve, reject) => {
        const request: Request = {
          items,
          results: new Array<RecoverResult>(items.length),
          remaining: 0,
          size: items.length,
          resolve,
          reject,
        }
        const admit = (): void => {
          pending += items.length
          dispatch(items, request)
        }
        if (pending + items.length <= queueMax && waiters.length === 0) {
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
        waiters.push({ size: items.length, admit, reject })
      })
    },
    async close() {
      if (closed) return
      closed = true
      const err = cryptoError('POOL_CLOSED', 'verify pool closed')
      for (const w of waiters.splice(0)) w.reject(err)
      for (const slot of slots) {
        for (const batch of slot.inFlight.values()) batch.request.reject(err)
        slot.inFlight.clear()
      }
      await Promise.all(slots.map((s) => s.worker.terminate()))
    },
  }
}
