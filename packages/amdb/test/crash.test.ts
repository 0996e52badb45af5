import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TableInfo } from '@consortia/interface'
import { createSeededRandom } from '@consortia/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createLevelDBDriver,
  createMySQLDriver,
  LIST_KEYS_PAGE_MAX,
  type StorageDriver,
} from '../src/index.js'
import { createTestDatabase, describeMySQL, tempDir } from './helpers.js'

// A child process commits 1,000-row blocks in a loop; the test kills it with SIGKILL at a
// random moment (seeded), reopens the storage and checks that every block is all there or
// not there at all, and that every block the child saw committed survived.
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
const ROWS_PER_BLOCK = 1000
const ROUNDS = 5
const KILL_DELAY_MS_MAX = 300
const CRASH_TABLE: TableInfo = { name: 'u_crash', keyField: 'k', valueFields: ['block', 'payload'] }

interface Round {
  /** Highest block the child printed as committed before it died. */
  reported: number
}

function runAndKill(kind: string, where: string, delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'test/crash-child.ts', kind, where, String(ROWS_PER_BLOCK)],
      { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let reported = -1
    let armed = false
    let stderr = ''
    let buffered = ''
    child.stderr!.on('data', (d) => {
      stderr += String(d)
    })
    child.stdout!.on('data', (d) => {
      buffered += String(d)
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        const m = /^committed (\d+)$/.exec(line)
        if (m === null) continue
        reported = Math.max(reported, Number(m[1]))
        if (!armed) {
          armed = true
          setTimeout(() => child.kill('SIGKILL'), delayMs)
        }
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ reported })
      else reject(new Error(`child exited with ${code ?? signal} before the kill: ${stderr}`))
    })
  })
}

async function checkAllOrNothing(driver: StorageDriver, round: Round): Promise<number> {
  const height = await driver.committedHeight()
  expect(height).toBeGreaterThanOrEqual(round.reported)
  const perBlock = new Map<number, number>()
  let after: string | undefined
  for (;;) {
    const page = await driver.listKeys(CRASH_TABLE, { after, limit: LIST_KEYS_PAGE_MAX })
    for (const key of page) {
      const block = Number(/^b(\d+)-\d+$/.exec(key)![1])
      perBlock.set(block, (perBlock.get(block) ?? 0) + 1)
    }
    if (page.length < LIST_KEYS_PAGE_MAX) break
    after = page[page.length - 1]
  }
  for (const [block, count] of perBlock) {
    expect(block, `rows of block ${block} above height ${height}`).toBeLessThanOrEqual(height)
    expect(count, `block ${block} rows`).toBe(ROWS_PER_BLOCK)
  }
  for (let b = 0; b <= height; b++) expect(perBlock.get(b), `block ${b} missing`).toBe(ROWS_PER_BLOCK)
  // A resumed child starts at height + 1; its rows of that block must not exist yet.
  const next = await driver.selectRows(CRASH_TABLE, `b${height + 1}-0`)
  expect(next).toEqual([])
  return height
}

async function crashRounds(kind: string, where: string, open: () => Promise<StorageDriver>, seed: number) {
  const random = createSeededRandom(seed)
  let lastHeight = -1
  for (let round = 0; round < ROUNDS; round++) {
    const result = await runAndKill(kind, where, random.nextInt(KILL_DELAY_MS_MAX))
    const driver = await open()
    try {
      const height = await checkAllOrNothing(driver, result)
      expect(height).toBeGreaterThanOrEqual(lastHeight)
      lastHeight = height
    } finally {
      await driver.close()
    }
  }
  expect(lastHeight).toBeGreaterThanOrEqual(ROUNDS - 1)
}

describe('Crash during block commit (SIGKILL)', () => {
  const dir = tempDir('amdb-crash-')
  afterAll(() => dir.remove())

  it(`LevelDB keeps whole blocks or none across ${ROUNDS} kills`, { timeout: 120_000 }, async () => {
    const location = join(dir.path, 'db')
    await crashRounds('leveldb', location, () => createLevelDBDriver({ location }), 0xc4a5)
  })
})

describeMySQL('Crash during block commit (SIGKILL), MariaDB', () => {
  it(`MariaDB keeps whole blocks or none across ${ROUNDS} kills`, { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('crash')
    try {
      await crashRounds('mysql', db.url, () => createMySQLDriver({ url: db.url }), 0x5eed)
    } finally {
      await db.drop()
    }
  })
})
