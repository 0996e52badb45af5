/**
 * Worker side of the parallel executor: one serial executor session per block over a
 * `WorkerView`, executing the transactions the main thread sends, one at a time, and posting
 * back receipts with their read sets and write sets. Runs as a worker_threads entry, from
 * dist/parallel/worker.js, or from this .ts file under tsx in tests and development.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createCryptoSuite } from '@consortia/crypto'
import type { BlockContext } from '@consortia/interface'
import { type BlockSession, createSerialExecutor } from '../executor.js'
import { TRANSIENT_OBJECTS_MAX } from '../precompiled.js'
import type { PrecompiledRegistration } from '../registry.js'
import { encodeResults, ItemNames, TransactionReader } from './codec.js'
import { blockHashItem } from './items.js'
import {
  CLAIMED_BY_WORKER,
  type FromWorker,
  type TaskResult,
  type ToWorker,
  UNCLAIMED,
  type WorkerData,
} from './protocol.js'
import { type FetchedValues, WorkerView } from './worker-view.js'

const data = workerData as WorkerData
const port = parentPort
if (port === null) throw new Error('parallel-executor worker must run in a worker thread')

/** Results are posted once this many are waiting (or when the queue runs dry). */
const RESULTS_BATCH_MAX = 16

const pendingReads = new Map<number, (fetched: FetchedValues) => void>()
let nextReadId = 1
const send = (msg: FromWorker) => port.postMessage(msg)

const view = new WorkerView({
  cacheEntriesMax: data.cacheEntriesMax,
  transientObjectsMax: data.init.transientObjectsMax ?? TRANSIENT_OBJECTS_MAX,
  fetch: (items) =>
    new Promise((resolve) => {
      const id = nextReadId++
      pendingReads.set(id, resolve)
      send({ type: 'read', id, items })
    }),
})

const precompiles: readonly PrecompiledRegistration[] =
  data.precompilesModule === undefined
    ? []
    : await (async () => {
        const mod = (await import(data.precompilesModule as string)) as {
          precompiles: () => readonly PrecompiledRegistration[]
        }
        return mod.precompiles()
      })()

const executor = createSerialExecutor(
  { ...data.init, precompiles },
  {
    crypto: createCryptoSuite(data.suite),
    ...(data.sm && data.suite !== 'sm' ? { sm: createCryptoSuite('sm') } : {}),
    tables: () => view,
    blockHash: async (n: number) => {
      const [value] = await view.fetchOutside(blockHashItem(n))
      return value === null || value === undefined ? undefined : Uint8Array.from(Buffer.from(value, 'hex'))
    },
  },
)

let block = -1
let session: BlockSession | undefined
let transactions: TransactionReader | undefined
let broken = false
/** Indices of the current block's transactions waiting to run. */
let queue: number[] = []
let head = 0
let running = false
let results: TaskResult[] = []
let beginning: Promise<void> = Promise.resolve()
/** Item names sent in the current block's results (numbered after their first time). */
let names = new ItemNames()
/**
 * The block's claim flags (`ToWorker` `begin`): a transaction runs here only if this worker
 * claims it first; the main thread claims the ones it reaches before any worker started them.
 */
let claims: Uint8Array | undefined

async function begin(number: number, context: BlockContext): Promise<void> {
  block = number
  broken = false
  session = undefined
  view.beginSession()
  try {
    session = await executor.openBlock(context, view)
    const record = view.end()
    send({ type: 'begun', block: number, reads: record.reads })
  } catch (err) {
    broken = true
    send({ type: 'broken', block: number, message: err instanceof Error ? err.message : String(err) })
  }
}

/** Posts the waiting results of block `number` as one encoded, transferred buffer. */
function flush(number: number): void {
  if (results.length === 0) return
  const data = encodeResults(results, names)
  results = []
  port?.postMessage({ type: 'results', block: number, data } satisfies FromWorker, [
    data.buffer as ArrayBuffer,
  ])
}

async function runOne(index: number): Promise<TaskResult> {
  const current = session
  if (broken || current === undefined || transactions === undefined)
    return { index, unsafe: 'worker session unavailable' }
  const before = current.transientObjects
  // The session's caches would hide reads from the view: every transaction starts cold.
  current.dropCaches()
  view.begin()
  try {
    const receipt = await current.executeTransaction(transactions.get(index))
    const record = view.end()
    const unsafe =
      record.unsafe ?? (current.transientObjects !== before ? 'created transient objects' : undefined)
    if (unsafe !== undefined) return { index, unsafe, session: record.session }
    return {
      index,
      receipt,
      reads: record.reads,
      writes: record.writes,
      session: record.session,
      stateOps: record.stateOps,
      tableOps: record.tableOps,
    }
  } catch (err) {
    // The session may be mid-savepoint: nothing more runs on it in this block.
    view.end()
    broken = true
    send({ type: 'broken', block, message: err instanceof Error ? err.message : String(err) })
    return { index, unsafe: 'worker execution failed' }
  }
}

async function drain(): Promise<void> {
  if (running) return
  running = true
  try {
    let begun = beginning
    await begun
    while (head < queue.length) {
      // A block that began while the loop ran: its session must be open first.
      if (beginning !== begun) {
        begun = beginning
        await begun
        continue
      }
      const number = block
      const index = queue[head++] as number
      if (
        claims !== undefined &&
        Atomics.compareExchange(claims, index, UNCLAIMED, CLAIMED_BY_WORKER) !== UNCLAIMED
      ) {
        // The main thread reached it first, so it is about to need what is done already.
        flush(number)
        continue
      }
      const result = await runOne(index)
      // A new block began while this transaction ran: its result belongs to no one.
      if (number !== block) continue
      results.push(result)
      if (results.length >= RESULTS_BATCH_MAX) flush(number)
    }
    flush(block)
  } finally {
    running = false
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'values': {
      const resolve = pendingReads.get(msg.id)
      pendingReads.delete(msg.id)
      resolve?.({ values: msg.values, versions: msg.versions })
      return
    }
    case 'begin':
      if (msg.reset) view.clearCache()
      view.applyUpdates(msg.updates)
      queue = []
      head = 0
      results = []
      names = new ItemNames()
      claims = msg.claims
      transactions = new TransactionReader(msg.txs)
      beginning = begin(msg.block, msg.context)
      return
    case 'run':
      if (msg.block !== block) return
      view.applyUpdates(msg.updates)
      if (head === queue.length) {
        queue = []
        head = 0
      }
      for (const index of msg.tasks) queue.push(index)
      void drain()
      return
    case 'end':
      view.applyUpdates(msg.updates)
      session = undefined
      transactions = undefined
      claims = undefined
      queue = []
      head = 0
      return
  }
})

send({ type: 'ready' })
