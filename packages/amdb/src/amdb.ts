import { type Logger, silentLogger } from '@consortia/interface'
import { type CacheStats, createCachedDriver } from './cache.js'
import type { HashFn } from './db-hash.js'
import type { StorageDriver } from './driver.js'
import { amdbError } from './errors.js'
import { createTableFactory, type TableFactory } from './table-factory.js'

/** Components and options of `createAMDB`. */
export interface AMDBInit {
  /** Where committed rows live: memory, LevelDB or MySQL. */
  readonly driver: StorageDriver
  /** The chain's hash (Keccak-256 or SM3) for dbHash and code hashes. */
  readonly hash: HashFn
  /** Bound of the read cache in front of the driver (default 32 MiB; 0 disables it). */
  readonly cacheBytesMax?: number
  /** Most change-log entries of one block (default `CHANGE_LOG_MAX`, 10 million). */
  readonly changeLogMax?: number
  readonly logger?: Logger
}

/** An AMDB database: committed tables in a driver, and one change set per block on top. */
export interface AMDB {
  /** The driver, behind the read cache. */
  readonly driver: StorageDriver
  /** Number of the last committed block; -1 before the first. */
  committedHeight(): Promise<number>
  /**
   * A change set for block `number` (default: committed height + 1) over the committed state.
   * Several may be open at once (competing proposals); only one can commit.
   */
  openBlock(number?: number): Promise<TableFactory>
  cacheStats(): CacheStats
  close(): Promise<void>
}

/**
 * Opens AMDB over a storage driver.
 *
 * @example
 * ```ts
 * const amdb = createAMDB({ driver: createMemoryDriver(), hash: keccak256 })
 * const block = await amdb.openBlock()
 * await block.createUserTable('t_asset', 'account', ['amount'])
 * await (await block.openTableOrThrow('u_t_asset')).insert('alice', { amount: '100' })
 * await block.commit()
 * ```
 */
export function createAMDB(init: AMDBInit): AMDB {
  const logger = (init.logger ?? silentLogger).child({ component: 'amdb' })
  const driver = createCachedDriver(init.driver, { cacheBytesMax: init.cacheBytesMax })
  return {
    driver,
    committedHeight: () => driver.committedHeight(),
    async openBlock(number?: number) {
      const height = await driver.committedHeight()
      const target = number ?? height + 1
      if (target !== height + 1) {
        throw amdbError(
          { code: 'BLOCK_NUMBER_MISMATCH', number: target, committedHeight: height },
          `expected block ${height + 1}, got ${target}`,
        )
      }
      return createTableFactory({
        driver,
        hash: init.hash,
        number: target,
        logger,
        changeLogMax: init.changeLogMax,
      })
    },
    cacheStats: () => driver.stats(),
    close: () => driver.close(),
  }
}
