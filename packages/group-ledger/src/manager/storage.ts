import { createKvDriver, createMySQLDriver, type MySQLDriverInit, type StorageDriver } from '@consortia/amdb'
import type { Bytes, KvBatchOp, KvIterateOptions, KvStore } from '@consortia/interface'
import { createLevelKvStore, type LevelKvInit } from '@consortia/kv-level'
import { type Failpoints, withFailpoints } from '../ledger/failpoints.js'
import { groupInvalidParams } from './errors.js'
import { GROUP_ID_MAX } from './genesis.js'

const concat = (a: Bytes, b: Bytes): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** The first key after every key that starts with `prefix` (undefined when none: all 0xff). */
function prefixEnd(prefix: Bytes): Uint8Array | undefined {
  const out = Uint8Array.from(prefix)
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++
      return out.slice(0, i + 1)
    }
  }
  return undefined
}

/**
 * A namespace of a shared KvStore: every key is stored as `prefix ‖ key`, iteration sees only
 * this namespace (keys handed out without the prefix), a batch stays one atomic batch of the
 * shared store, and `close()` leaves the shared store open (its owner closes it).
 */
export function createPrefixedKvStore(kv: KvStore, prefix: Bytes): KvStore {
  if (!(prefix instanceof Uint8Array) || prefix.length === 0) {
    throw groupInvalidParams(0, 'prefix', 'a non-empty Uint8Array', String((prefix as Bytes)?.length))
  }
  const p = Uint8Array.from(prefix)
  const end = prefixEnd(p)
  const key = (k: Bytes) => {
    if (!(k instanceof Uint8Array)) throw groupInvalidParams(0, 'key', 'Uint8Array', typeof k)
    return concat(p, k)
  }
  let closed = false
  const open = () => {
    if (closed) throw groupInvalidParams(0, 'store', 'an open prefixed store', 'a closed one')
  }
  return {
    get: async (k) => {
      open()
      return kv.get(key(k))
    },
    getMany: async (keys) => {
      open()
      return kv.getMany(keys.map(key))
    },
    put: async (k, v) => {
      open()
      return kv.put(key(k), v)
    },
    del: async (k) => {
      open()
      return kv.del(key(k))
    },
    batch: async (ops, options) => {
      open()
      const mapped: KvBatchOp[] = ops.map((op) =>
        op.type === 'put'
          ? { type: 'put', key: key(op.key), value: op.value }
          : { type: 'del', key: key(op.key) },
      )
      return kv.batch(mapped, options)
    },
    iterate(options: KvIterateOptions = {}) {
      open()
      const range: { gt?: Bytes; gte?: Bytes; lt?: Bytes; lte?: Bytes; reverse?: boolean; limit?: number } =
        {}
      if (options.gt !== undefined) range.gt = key(options.gt)
      else if (options.gte !== undefined) range.gte = key(options.gte)
      else range.gte = p
      if (options.lt !== undefined) range.lt = key(options.lt)
      else if (options.lte !== undefined) range.lte = key(options.lte)
      else if (end !== undefined) range.lt = end
      if (options.reverse !== undefined) range.reverse = options.reverse
      if (options.limit !== undefined) range.limit = options.limit
      const inner = kv.iterate(range)
      return {
        async *[Symbol.asyncIterator]() {
          for await (const [k, v] of inner) {
            // Bounds keep the range inside the namespace; an lte bound may still admit
            // `prefix ‖ lte ‖ …` keys of nobody else, so check anyway.
            if (k.length < p.length || !Buffer.from(k.buffer, k.byteOffset, p.length).equals(Buffer.from(p)))
              continue
            yield [k.slice(p.length), v] as const
          }
        },
      }
    },
    close: async () => {
      closed = true
    },
  }
}

/** The storage of one group: its AMDB driver, its consensus-state store and its pool journal. */
export interface GroupStorage {
  /** Where the group's tables (state, blocks, indexes) live. */
  readonly driver: StorageDriver
  /** The consensus engine's persisted state (`ConsensusDriverInit.consensusStore`). */
  readonly consensus: KvStore
  /** The transaction pool's journal (none: the pool keeps transactions in memory only). */
  readonly journal?: KvStore
  /** Closes what `open` opened (not stores shared with other groups). */
  close(): Promise<void>
}

/**
 * Gives each group its own storage namespace. Reopening a group gives the same data; two
 * groups never see each other's keys.
 */
export interface GroupStorageProvider<S extends GroupStorage = GroupStorage> {
  /** `shared-kv`, `directory`, or a custom name (logs). */
  readonly kind: string
  open(groupId: number): Promise<S>
}

/** The storage the built-in providers give: always with a pool journal. */
export type JournaledGroupStorage = GroupStorage & { readonly journal: KvStore }

/** Options shared by the built-in providers. */
export interface GroupStorageOptions {
  /** fsync each block commit (default true). */
  readonly sync?: boolean
  /** Crash-test hooks: the AMDB store passes `before-kv-batch` / `after-kv-batch`. */
  readonly failpoints?: Failpoints
}

const enc = (s: string) => new TextEncoder().encode(s)

function checkGroupId(groupId: number): void {
  if (!Number.isSafeInteger(groupId) || groupId < 1 || groupId > GROUP_ID_MAX) {
    throw groupInvalidParams(
      Number(groupId) || 0,
      'groupId',
      `an integer in 1..${GROUP_ID_MAX}`,
      String(groupId),
    )
  }
}

/**
 * The layout inside one group's namespace: AMDB under `a/`, consensus state under `c/`, the
 * pool journal under `j/`. All three are in one KvStore, so they share its write-ahead log.
 */
async function namespacesOf(
  kv: KvStore,
  base: string,
  options: GroupStorageOptions,
): Promise<Omit<JournaledGroupStorage, 'close'>> {
  const amdbKv = createPrefixedKvStore(kv, enc(`${base}a/`))
  const driver = await createKvDriver(
    options.failpoints === undefined ? amdbKv : withFailpoints(amdbKv, options.failpoints),
    { name: 'group-kv', sync: options.sync ?? true },
  )
  return {
    driver,
    consensus: createPrefixedKvStore(kv, enc(`${base}c/`)),
    journal: createPrefixedKvStore(kv, enc(`${base}j/`)),
  }
}

/**
 * All groups in ONE KvStore (one LevelDB for the node): group N's keys start with `g<N>/`.
 * One directory, one lock, one fsync stream; removing a group's data means deleting its key
 * range. The store stays open when a group closes; its owner closes it.
 */
export function createSharedKvGroupStorage(
  kv: KvStore,
  options: GroupStorageOptions = {},
): GroupStorageProvider<JournaledGroupStorage> {
  return {
    kind: 'shared-kv',
    async open(groupId) {
      checkGroupId(groupId)
      const ns = await namespacesOf(kv, `g${groupId}/`, options)
      return {
        ...ns,
        async close() {
          await ns.driver.close()
          await ns.consensus.close()
          await ns.journal.close()
        },
      }
    },
  }
}

/** Options of `createDirectoryGroupStorage`. */
export interface DirectoryGroupStorageInit extends GroupStorageOptions {
  /** FISCO's `[group] group_data_path` (e.g. `./data`); group N lives in `<dataPath>/group<N>`. */
  readonly dataPath: string
  /** LevelDB options for each group's database (location is set per group). */
  readonly level?: Omit<LevelKvInit, 'location'>
}

/**
 * One LevelDB per group in `<dataPath>/group<N>` (FISCO's `data/group{N}/block`): groups share
 * no file, a group's data can be moved or deleted as a directory, and one group's corruption
 * cannot reach another. The default of a node.
 */
export function createDirectoryGroupStorage(
  init: DirectoryGroupStorageInit,
): GroupStorageProvider<JournaledGroupStorage> {
  if (typeof init?.dataPath !== 'string' || init.dataPath === '') {
    throw groupInvalidParams(0, 'dataPath', 'a directory path', String(init?.dataPath))
  }
  return {
    kind: 'directory',
    async open(groupId) {
      checkGroupId(groupId)
      const kv = await createLevelKvStore({ ...init.level, location: `${init.dataPath}/group${groupId}` })
      try {
        const ns = await namespacesOf(kv, '', init)
        return {
          ...ns,
          async close() {
            await ns.driver.close()
            await kv.close()
          },
        }
      } catch (err) {
        await kv.close()
        throw err
      }
    },
  }
}

/**
 * The MariaDB/MySQL database of group N for a node whose AMDB runs on SQL: the URL's
 * database name with `_g<N>` appended (`mysql://u@h/node0` → `mysql://u@h/node0_g2`), one
 * database per group as FISCO's `[storage] db_name` per group ini. Pass it to
 * `createMySQLDriver` of `@consortia/amdb` (as `createMySQLGroupStorage` does).
 */
export function mysqlGroupDatabaseUrl(url: string, groupId: number): string {
  checkGroupId(groupId)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw groupInvalidParams(groupId, 'url', 'a mysql:// URL', url.slice(0, 40))
  }
  const db = parsed.pathname.replace(/^\//, '')
  if (!/^[A-Za-z0-9_$]{1,56}$/.test(db)) {
    throw groupInvalidParams(groupId, 'url', 'a database name of [A-Za-z0-9_$]{1,56}', db)
  }
  parsed.pathname = `/${db}_g${groupId}`
  return parsed.toString()
}

/** Options of `createMySQLGroupStorage`. */
export interface MySQLGroupStorageInit {
  /** The node's database URL; group N's tables live in database `<name>_g<N>` (created if missing). */
  readonly url: string
  /**
   * A local store (e.g. one LevelDB for the node) for what is not a table: the consensus
   * engine's persisted state and the pool journal, under `g<N>/c/` and `g<N>/j/`.
   */
  readonly kv: KvStore
  /** Further options of each group's MySQL driver. */
  readonly mysql?: Omit<MySQLDriverInit, 'url' | 'createDatabase'>
}

/**
 * Groups on MariaDB/MySQL: one database per group (`mysqlGroupDatabaseUrl`), each block one
 * SQL transaction; consensus state and the journal in the local `kv`. The block commit is
 * durable (the transaction committed) before the engine's next state is written, so the
 * ordering argument of README "Crash recovery" holds across the two stores.
 */
export function createMySQLGroupStorage(
  init: MySQLGroupStorageInit,
): GroupStorageProvider<JournaledGroupStorage> {
  return {
    kind: 'mysql',
    async open(groupId) {
      const driver = await createMySQLDriver({
        ...init.mysql,
        url: mysqlGroupDatabaseUrl(init.url, groupId),
        createDatabase: true,
      })
      const consensus = createPrefixedKvStore(init.kv, enc(`g${groupId}/c/`))
      const journal = createPrefixedKvStore(init.kv, enc(`g${groupId}/j/`))
      return {
        driver,
        consensus,
        journal,
        async close() {
          await driver.close()
          await consensus.close()
          await journal.close()
        },
      }
    },
  }
}
