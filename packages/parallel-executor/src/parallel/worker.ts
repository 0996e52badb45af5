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
import { blockHashItem, type ItemValue } from './items.js'
import type { FromWorker, TaskResult, ToWorker, WorkerData } from './protocol.js'
import { WorkerView } from './worker-view.js'

const data = workerData as WorkerData
const port = parentPort
if (port === null) throw new Error('parallel-executor worker must run in a worker thread')

/** Results are posted once this many are waiting (or when the queue runs dry). */
const RESULTS_BATCH_MAX = 16

const pendingReads = new Map<number, (values: readonly ItemValue[]) => void>()
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
let broken = false
const queue: { index: number; tx: Parameters<BlockSession['executeTransaction']>[0] }[] = []
let running = false
let results: TaskResult[] = []
let beginning: Promise<void> = Promise.resolve()

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

function flush(): void {
  if (results.length === 0) return
  send({ type: 'results', block, results })
  results = []
}

async function drain(): Promise<void> {
  if (running) return
  running = true
  try {
    await beginning
    while (queue.length > 0) {
      const task = queue.shift() as (typeof queue)[number]
      if (broken || session === undefined) {
        results.push({ index: task.index, unsafe: 'worker session unavailable' })
      } else {
        const before = session.transientObjects
        // The session's caches would hide reads from the view: every transaction starts cold.
        session.dropCaches()
        view.begin()
        try {
          const receipt = await session.executeTransaction(task.tx)
          const record = view.end()
          const unsafe =
            record.unsafe ?? (session.transientObjects !== before ? 'created transient objects' : undefined)
          results.push(
            unsafe !== undefined
              ? { index: task.index, unsafe }
              : {
                  index: task.index,
                  receipt,
                  reads: record.reads,
                  writes: record.writes,
                  stateOps: record.stateOps,
                  tableOps: record.tableOps,
                },
          )
        } catch (err) {
          // The session may be mid-savepoint: nothing more runs on it in this block.
          view.end()
          broken = true
          send({ type: 'broken', block, message: err instanceof Error ? err.message : String(err) })
          results.push({ index: task.index, unsafe: 'worker execution failed' })
        }
      }
      if (results.length >= RESULTS_BATCH_MAX) flush()
    }
    flush()
  } finally {
    running = false
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'values': {
      const resolve = pendingReads.get(msg.id)
      pendingReads.delete(msg.id)
      resolve?.(msg.values)
      return
    }
    case 'begin':
      if (msg.reset) view.clearCache()
      view.applyUpdates(msg.updates)
      queue.length = 0
      beginning = begin(msg.block, msg.context)
      return
    case 'run':
      if (msg.block !== block) return
      view.applyUpdates(msg.updates)
      for (const t of msg.tasks) queue.push(t)
      void drain()
      return
    case 'end':
      view.applyUpdates(msg.updates)
      session = undefined
      return
  }
})

send({ type: 'ready' })
