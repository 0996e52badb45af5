import type { KvStore } from '@consortia/interface'
import { ledgerError, ledgerInvalidInput } from './errors.js'

/**
 * Named points of the commit path where a crash test can stop the process. In commit order:
 *
 * | name | where | what is durable when it fires |
 * |---|---|---|
 * | `before-consensus-persist` | driver, a `Ready` with engine state to persist | nothing of this Ready |
 * | `after-consensus-persist` | driver, state written (fsynced), nothing sent yet | the engine's votes/locks |
 * | `after-send-before-execute` | driver, messages handed to the transport, before the decided block is executed/committed | votes, possibly seen by peers |
 * | `before-state-write` | block store, the block's state is executed in the change set; index rows not staged | nothing of the block |
 * | `after-state-write-before-index` | block store, block tables and indexes staged in the same change set, not written | nothing of the block |
 * | `before-kv-batch` | storage, the change set is one KvStore batch about to be written | nothing of the block |
 * | `after-kv-batch` | storage, the batch is written and fsynced | the whole block: state, block, indexes, height |
 * | `after-commit-before-pool` | driver, the store's head moved; the pool (clients) not told | the block, not acknowledged |
 * | `after-pool-before-advance` | driver, receipts are out (`committed` events); engine not advanced | the block, acknowledged |
 * | `after-advance` | driver, the engine moved to the next height; its new state not yet persisted | the block |
 *
 * `before-kv-batch` and `after-kv-batch` fire in a KvStore wrapped with `withFailpoints`.
 */
export const FAILPOINT_NAMES = [
  'before-consensus-persist',
  'after-consensus-persist',
  'after-send-before-execute',
  'before-state-write',
  'after-state-write-before-index',
  'before-kv-batch',
  'after-kv-batch',
  'after-commit-before-pool',
  'after-pool-before-advance',
  'after-advance',
] as const

/** One named failpoint of the commit path (see `FAILPOINT_NAMES`). */
export type FailpointName = (typeof FAILPOINT_NAMES)[number]

/** What an armed failpoint does when it fires. */
export type FailpointAction =
  /** `process.kill(process.pid, 'SIGKILL')`: the process dies at once, as with `kill -9`. */
  | 'kill'
  /** Throws `LEDGER_FAILPOINT`: the caller's error path runs (the driver stops). */
  | 'throw'
  /** Any other reaction (tests): called with the name and the hit count. */
  | ((name: FailpointName, hit: number) => void)

/** One armed failpoint: fires on the `hit`-th time (1-based) the code passes `name`. */
export interface FailpointSpec {
  readonly name: FailpointName
  /** Fire on this pass (default 1); later passes do nothing. */
  readonly hit?: number
  readonly action: FailpointAction
}

/** The failpoints of one process (or one test). Hooks call `hit`; unarmed names cost a map lookup. */
export interface Failpoints {
  /** Count a pass through `name` and fire it when armed for this pass. */
  hit(name: FailpointName): void
  /** Passes counted so far, per name. */
  counts(): Readonly<Partial<Record<FailpointName, number>>>
}

/** The environment variable `failpointsFromEnv` reads: `name[@hit]=action[,...]`, action `kill` or `throw`. */
export const FAILPOINTS_ENV = 'CONSORTIA_FAILPOINTS'
/** Most failpoints armed at once. */
export const FAILPOINTS_MAX = FAILPOINT_NAMES.length

/** True when `name` is one of `FAILPOINT_NAMES`. */
export function isFailpointName(name: string): name is FailpointName {
  return (FAILPOINT_NAMES as readonly string[]).includes(name)
}

/** Arms the given failpoints (at most one spec per name, at most `FAILPOINTS_MAX`). */
export function createFailpoints(specs: readonly FailpointSpec[]): Failpoints {
  if (specs.length > FAILPOINTS_MAX) {
    throw ledgerInvalidInput('failpoints', `at most ${FAILPOINTS_MAX} specs`, String(specs.length))
  }
  const armed = new Map<FailpointName, FailpointSpec>()
  for (const [i, s] of specs.entries()) {
    if (!isFailpointName(s.name))
      throw ledgerInvalidInput(`failpoints[${i}].name`, 'a failpoint name', s.name)
    if (armed.has(s.name)) throw ledgerInvalidInput(`failpoints[${i}].name`, 'a name not yet armed', s.name)
    const hit = s.hit ?? 1
    if (!Number.isSafeInteger(hit) || hit < 1) {
      throw ledgerInvalidInput(`failpoints[${i}].hit`, 'a positive integer', String(hit))
    }
    armed.set(s.name, { ...s, hit })
  }
  const counts: Partial<Record<FailpointName, number>> = {}
  return {
    hit(name) {
      const n = (counts[name] ?? 0) + 1
      counts[name] = n
      const spec = armed.get(name)
      if (spec === undefined || spec.hit !== n) return
      const { action } = spec
      if (action === 'kill') process.kill(process.pid, 'SIGKILL')
      else if (action === 'throw') {
        throw ledgerError({ code: 'LEDGER_FAILPOINT', name, hit: n }, `failpoint ${name} fired (pass ${n})`)
      } else action(name, n)
    },
    counts: () => ({ ...counts }),
  }
}

/**
 * Parses `name[@hit]=action[,name[@hit]=action...]` (action `kill` or `throw`), e.g.
 * `after-kv-batch@3=kill`: the third block write is durable, then the process dies.
 */
export function parseFailpoints(text: string): FailpointSpec[] {
  const specs: FailpointSpec[] = []
  for (const part of text.split(',')) {
    const item = part.trim()
    if (item === '') continue
    const m = /^([a-z-]+)(?:@(\d+))?=(kill|throw)$/.exec(item)
    if (m === null) throw ledgerInvalidInput(FAILPOINTS_ENV, 'name[@hit]=kill|throw', item)
    const name = m[1]!
    if (!isFailpointName(name)) throw ledgerInvalidInput(FAILPOINTS_ENV, 'a failpoint name', name)
    specs.push({ name, hit: m[2] === undefined ? 1 : Number(m[2]), action: m[3] as 'kill' | 'throw' })
  }
  return specs
}

let fromEnv: { readonly text: string | undefined; readonly points: Failpoints | undefined } | undefined

/**
 * The failpoints armed by `CONSORTIA_FAILPOINTS` in this process's environment, or undefined
 * when it is unset (the normal case: the hooks then cost nothing). Parsed once per process.
 */
export function failpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Failpoints | undefined {
  const text = env[FAILPOINTS_ENV]
  if (fromEnv !== undefined && fromEnv.text === text) return fromEnv.points
  const points =
    text === undefined || text.trim() === '' ? undefined : createFailpoints(parseFailpoints(text))
  fromEnv = { text, points }
  return points
}

/**
 * Wraps a KvStore so that every `batch` passes `before-kv-batch` before it is written and
 * `after-kv-batch` once it resolved (for AMDB's store: one batch per block). Other methods
 * pass through; `close` closes the wrapped store.
 */
export function withFailpoints(kv: KvStore, failpoints: Failpoints): KvStore {
  return {
    get: (key) => kv.get(key),
    getMany: (keys) => kv.getMany(keys),
    put: (key, value) => kv.put(key, value),
    del: (key) => kv.del(key),
    async batch(ops, options) {
      failpoints.hit('before-kv-batch')
      await kv.batch(ops, options)
      failpoints.hit('after-kv-batch')
    },
    iterate: (options) => kv.iterate(options),
    close: () => kv.close(),
  }
}
