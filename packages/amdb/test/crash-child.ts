// Child process of crash.test.ts: commits AMDB blocks in a loop until killed.
// Usage: node --conditions=source --import tsx test/crash-child.ts <leveldb|mysql> <location|url> <rowsPerBlock>
// Prints "ready <height>" once, then "committed <n>" after each block commit returns.
import { createHash } from 'node:crypto'
import { createAMDB, createLevelDBDriver, createMySQLDriver, type StorageDriver } from '../src/index.js'

const [kind, where, rowsArg] = process.argv.slice(2)
const rowsPerBlock = Number(rowsArg)
const hash = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest())

const driver: StorageDriver =
  kind === 'leveldb'
    ? await createLevelDBDriver({ location: where! })
    : await createMySQLDriver({ url: where! })
const amdb = createAMDB({ driver, hash })
process.stdout.write(`ready ${await amdb.committedHeight()}\n`)
const padding = 'p'.repeat(300)
for (;;) {
  const block = await amdb.openBlock()
  if ((await block.openTable('u_crash')) === undefined) {
    await block.createTable({ name: 'u_crash', keyField: 'k', valueFields: ['block', 'payload'] })
  }
  const table = await block.openTableOrThrow('u_crash')
  for (let i = 0; i < rowsPerBlock; i++) {
    await table.insert(`b${block.number}-${i}`, { block: String(block.number), payload: padding })
  }
  await block.commit()
  process.stdout.write(`committed ${block.number}\n`)
}
