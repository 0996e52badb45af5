// Child process of crash.test.ts: commits a small block, then a large one, announcing each step on
// stdout so the parent can SIGKILL it while the large block's batch is inside LevelDB.
// Usage: node --conditions=source --import tsx test/crash-child.ts <location> <smallSlots> <largeSlots>
import type { KvStore } from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { bytesToHexRaw } from '../src/bytes.js'
import { createMPTState } from '../src/mpt-state.js'
import { addressOf, slotOf, wordOf } from './helpers.js'

const [location, small, large] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])]
const say = (line: string) => process.stdout.write(`${line}\n`)

const level = await createLevelKvStore({ location })
// Announces each batch as it enters LevelDB, and how long LevelDB took.
const store: KvStore = {
  ...level,
  async batch(ops, options) {
    const t0 = performance.now()
    say(`BATCH_START ${ops.length}`)
    await level.batch(ops, options)
    say(`BATCH_DONE ${(performance.now() - t0).toFixed(1)}`)
  },
}
const state = await createMPTState({ store })
for (let i = 0; i < small; i++) await state.putStorage(addressOf(1), slotOf(i), wordOf(1))
const first = await state.commitBlock({ sync: true })
say(`COMMITTED 1 ${bytesToHexRaw(first.stateRoot)}`)
for (let i = 0; i < large; i++) await state.putStorage(addressOf(1), slotOf(i), wordOf(2))
say(`PENDING 2 ${bytesToHexRaw(await state.stateRoot())}`)
say('COMMIT_START')
const second = await state.commitBlock({ sync: true })
say(`COMMITTED 2 ${bytesToHexRaw(second.stateRoot)} ${second.batchOps}`)
// Stay alive until the parent's SIGKILL, so every run ends the same way whatever the timing.
setTimeout(() => process.exit(3), 30_000)
