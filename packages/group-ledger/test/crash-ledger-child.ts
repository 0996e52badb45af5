/**
 * Child process of `crash-ledger.test.ts`: a one-sealer PBFT group on LevelDB, run by a
 * GroupManager, that commits `count` slot-writing transactions (`crashTx`) in blocks of at
 * most 3. Failpoints come from `CONSORTIA_FAILPOINTS` (`name@hit=kill`).
 *
 * Output, one line each, written synchronously (stdout is a pipe):
 *   submit <txHash>           about to submit the transaction (a client sent it)
 *   accepted <txHash>         the pool journaled the transaction (submit answered ok)
 *   ack <txHash> <block>      the pool's `committed` event: what a client receives as its receipt
 *   done <height>             every transaction of this run committed; the process exits 0
 *
 * Usage: node --conditions=source --import tsx test/crash-ledger-child.ts <dir> <firstSeq> <count> <run>
 */

import { writeSync } from 'node:fs'
import { join } from 'node:path'
import { createLevelKvStore } from '@consortia/kv-level'
import { createManualClock, createMemoryNetwork } from '@consortia/testkit'
import {
  createDirectoryGroupStorage,
  createGroupManager,
  createMySQLGroupStorage,
  failpointsFromEnv,
} from '../src/index.js'
import {
  CRASH_GENESIS,
  CRASH_KEY,
  crashTx,
  createSlotExecutor,
  RUN_CLOCK_STEP_MS,
  suite,
} from './crash-ledger-fixtures.js'

const [dir, firstSeqText, countText, runText] = process.argv.slice(2)
if (dir === undefined || firstSeqText === undefined || countText === undefined || runText === undefined) {
  throw new Error('usage: crash-ledger-child.ts <dir> <firstSeq> <count> <run>')
}
const firstSeq = Number(firstSeqText)
const count = Number(countText)
const line = (s: string) => writeSync(1, `${s}\n`)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

const failpoints = failpointsFromEnv()
const mysqlUrl = process.env['CRASH_MYSQL_URL']
const localKv =
  mysqlUrl === undefined ? undefined : await createLevelKvStore({ location: join(dir, 'local') })
// Each run starts its clock later (less than the pool's 600 s expiry in all), so a block
// re-proposed after a restart would get a new timestamp (and hash) unless the engine's
// persisted lock brings back the decided one.
const clock = createManualClock(CRASH_GENESIS.timestamp + Number(runText) * RUN_CLOCK_STEP_MS)
const network = createMemoryNetwork()
const transport = network.createTransport(suite.publicKey(CRASH_KEY))
const statusStore = await createLevelKvStore({ location: join(dir, 'status') })
const manager = await createGroupManager({
  suite,
  privateKey: CRASH_KEY,
  transport,
  // CRASH_MYSQL_URL set: the group's tables on MariaDB, consensus state and journal in a local LevelDB.
  storage:
    mysqlUrl === undefined
      ? createDirectoryGroupStorage({
          dataPath: join(dir, 'data'),
          ...(failpoints === undefined ? {} : { failpoints }),
        })
      : createMySQLGroupStorage({ url: mysqlUrl, kv: localKv! }),
  statusStore,
  executor: () => createSlotExecutor(),
  clock,
  tickMs: 100,
  ...(failpoints === undefined ? {} : { failpoints }),
})
// A crash may have come between generateGroup and the RUNNING status being stored.
if (manager.queryGroupStatus(1) === 'INEXISTENT') await manager.generateGroup(CRASH_GENESIS)
if (manager.queryGroupStatus(1) === 'STOPPED') await manager.startGroup(1)
const group = manager.group(1)
if (group === undefined) throw new Error(`group 1 is ${manager.queryGroupStatus(1)}`)
group.pool.subscribe((e) => {
  if (e.type === 'committed') line(`ack ${hex(e.hash)} ${e.blockNumber}`)
})

const step = async () => {
  clock.advance(100)
  await manager.idle()
  await new Promise((resolve) => setImmediate(resolve))
  await manager.idle()
  if (group.driver.failure !== undefined) throw group.driver.failure
}
// Transactions replayed from the journal (accepted before a crash) commit first.
for (let t = 0; t < 200 && group.pool.size > 0; t++) await step()
for (let seq = firstSeq; seq < firstSeq + count; seq += 3) {
  const raws = []
  for (let s = seq; s < Math.min(seq + 3, firstSeq + count); s++)
    raws.push(crashTx(s, group.store.head.number))
  for (const raw of raws) line(`submit ${hex(suite.hash(raw))}`)
  const results = await group.pool.submitMany(raws)
  for (const r of results) {
    if (!r.ok) throw new Error(`refused: ${r.reason}`)
    line(`accepted ${hex(r.hash)}`)
  }
  for (let t = 0; t < 200 && group.pool.size > 0; t++) await step()
  if (group.pool.size > 0) throw new Error('transactions did not commit')
}
line(`done ${group.store.head.number}`)
await manager.close()
await transport.close()
await statusStore.close()
await localKv?.close()
