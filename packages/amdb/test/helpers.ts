import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { describe, it } from 'vitest'
import { quoteIdentifier } from '../src/index.js'

/**
 * The hash injected in tests: SHA-256 from node:crypto. A node injects its suite's Keccak-256
 * or SM3; AMDB only needs some 32-byte hash.
 */
export const sha256 = (data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(data).digest())

/** A fresh directory under the OS temp dir, and a function that removes it. */
export function tempDir(prefix = 'amdb-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** The MariaDB/MySQL server the tests use (`CONSORTIA_MYSQL_URL`, as `.ci/run` exports it). */
export const MYSQL_URL = process.env['CONSORTIA_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3307/consortia_test'

const ciFlag = process.env['CI']
/** True when running under CI, where an unreachable MariaDB fails the MySQL tests instead of skipping them. */
export const IN_CI =
  ciFlag !== undefined && ciFlag !== '' && ciFlag !== '0' && ciFlag.toLowerCase() !== 'false'

function serverOptions(url: string) {
  const u = new URL(url)
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port === '' ? 3306 : Number(u.port),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    connectTimeout: 3000,
  }
}

async function probe(): Promise<string | undefined> {
  try {
    const conn = await createConnection(serverOptions(MYSQL_URL))
    await conn.query('SELECT 1')
    await conn.end()
    return undefined
  } catch (err) {
    return (err as Error).message || String(err)
  }
}

/** Why MariaDB is unreachable, or undefined when it answers. */
export const mysqlUnreachable: string | undefined = await probe()

/**
 * `describe` for tests that need MariaDB: runs them when the server answers; under CI an
 * unreachable server is a failing test; elsewhere the block is skipped with the reason.
 */
export function describeMySQL(name: string, body: () => void): void {
  if (mysqlUnreachable === undefined) {
    describe(name, body)
  } else if (IN_CI) {
    describe(name, () => {
      it('reaches MariaDB (required when CI is set)', () => {
        throw new Error(
          `CI is set but MariaDB at ${MYSQL_URL} is unreachable (${mysqlUnreachable}); ` +
            'start it with packages/amdb/scripts/start-mariadb.sh and export CONSORTIA_MYSQL_URL',
        )
      })
    })
  } else {
    describe.skip(
      `${name} — skipped: MariaDB unreachable at ${MYSQL_URL} (${mysqlUnreachable}); ` +
        'run packages/amdb/scripts/start-mariadb.sh and set CONSORTIA_MYSQL_URL',
      body,
    )
  }
}

/** Creates a uniquely named database on the test server; `drop()` removes it. */
export async function createTestDatabase(
  tag = 't',
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `amdb_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`
  const conn = await createConnection(serverOptions(MYSQL_URL))
  try {
    await conn.query(`CREATE DATABASE ${quoteIdentifier(name)}`)
  } finally {
    await conn.end()
  }
  const u = new URL(MYSQL_URL)
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const c = await createConnection(serverOptions(MYSQL_URL))
      try {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`)
      } finally {
        await c.end()
      }
    },
  }
}
