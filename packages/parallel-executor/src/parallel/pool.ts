/**
 * The worker threads of a parallel executor: started lazily, replaced after a crash (up to a
 * bound), unreferenced while idle so they never keep a process alive.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Logger } from '@consortia/interface'
import type { FromWorker, ToWorker, WorkerData } from './protocol.js'

/** Replacement workers one pool starts after crashes before it runs with fewer. */
export const PARALLEL_RESPAWNS_MAX = 8

/**
 * How to start a worker. From dist, the compiled worker.js runs as it is. From src (tests,
 * development), a small eval bootstrap registers tsx's ESM hooks inside the worker and then
 * imports worker.ts, with the `source` condition so sibling packages resolve to their src too.
 */
function workerEntry(): { entry: URL | string; eval: boolean; execArgv: string[] | undefined } {
  if (!import.meta.url.endsWith('.ts'))
    return { entry: new URL('./worker.js', import.meta.url), eval: false, execArgv: undefined }
  const require = createRequire(import.meta.url)
  const tsxApi = pathToFileURL(
    join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs'),
  ).href
  const worker = new URL('./worker.ts', import.meta.url).href
  const code = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}) })`
  // CPU-profiling flags (`--cpu-prof`, `--cpu-prof-dir=...`) carry over, so workers can be profiled.
  const profiling = process.execArgv.filter((a) => a.startsWith('--cpu-prof'))
  return { entry: code, eval: true, execArgv: ['--conditions=source', ...profiling] }
}

/** One worker thread and what the current block needs to know about it. */
export interface WorkerSlot {
  readonly id: number
  readonly worker: Worker
  /** False once the thread exited or failed. */
  alive: boolean
  /** Resolves when the worker loaded its executor (or died trying). */
  readonly ready: Promise<void>
  /** Receives the worker's messages while a block runs. */
  onMessage: ((msg: FromWorker) => void) | undefined
  /** Called once when the thread dies. */
  onDeath: ((reason: string) => void) | undefined
  /** The worker's cache must be dropped at the next block (it missed updates). */
  stale: boolean
  post(msg: ToWorker): void
  /** Treats the worker as dead now (it hung): `onDeath` runs and the thread is terminated. */
  kill(reason: string): void
}

/** A fixed-size set of worker slots. */
export class WorkerPool {
  readonly slots: WorkerSlot[] = []
  private readonly data: WorkerData
  private readonly log: Logger
  private respawns = 0
  private nextId = 0
  private closed = false
  private readonly entry = workerEntry()

  constructor(size: number, data: WorkerData, logger: Logger) {
    this.data = data
    this.log = logger
    for (let i = 0; i < size; i++) this.slots.push(this.spawn())
  }

  private spawn(): WorkerSlot {
    const worker = new Worker(this.entry.entry, {
      eval: this.entry.eval,
      workerData: this.data,
      ...(this.entry.execArgv !== undefined ? { execArgv: this.entry.execArgv } : {}),
    })
    let markReady: () => void = () => {}
    const ready = new Promise<void>((resolve) => {
      markReady = resolve
    })
    const slot: WorkerSlot = {
      id: this.nextId++,
      worker,
      alive: true,
      ready,
      onMessage: undefined,
      onDeath: undefined,
      stale: false,
      post: (msg) => worker.postMessage(msg),
      kill: (reason) => die(reason),
    }
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') {
        markReady()
        return
      }
      slot.onMessage?.(msg)
    })
    const die = (reason: string, error?: unknown) => {
      if (!slot.alive) return
      slot.alive = false
      markReady()
      if (!this.closed) this.log.error('parallel executor worker died', { worker: slot.id, reason }, error)
      slot.onDeath?.(reason)
      void worker.terminate()
    }
    worker.on('error', (err) => die('error', err))
    worker.on('exit', (code) => die(`exit ${code}`))
    return slot
  }

  /** Replaces dead workers (within `PARALLEL_RESPAWNS_MAX`) and waits until all are loaded. */
  async live(): Promise<WorkerSlot[]> {
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i] as WorkerSlot
      if (!slot.alive && this.respawns < PARALLEL_RESPAWNS_MAX && !this.closed) {
        this.respawns++
        this.slots[i] = this.spawn()
      }
    }
    for (const slot of this.slots) slot.worker.ref()
    await Promise.all(this.slots.map((s) => s.ready))
    return this.slots.filter((s) => s.alive)
  }

  /** Lets the process exit while no block runs. */
  idle(): void {
    for (const slot of this.slots) {
      slot.onMessage = undefined
      slot.onDeath = undefined
      if (slot.alive) slot.worker.unref()
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }
}
