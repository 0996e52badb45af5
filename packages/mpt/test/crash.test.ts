import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLevelKvStore } from '@consortia/kv-level'
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToHexRaw } from '../src/bytes.js'
import { createMPTState } from '../src/mpt-state.js'
import { addressOf, slotOf, wordOf } from './helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
const packageRoot = join(here, '..')
const root = mkdtempSync(join(tmpdir(), 'consortia-mpt-crash-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const SMALL = 50
const LARGE = 2000

interface Run {
  readonly lines: string[]
  readonly signal: NodeJS.Signals | null
  /** The kill landed before LevelDB reported the large batch written. */
  readonly killedDuringBatch: boolean
}

/** Runs the child and SIGKILLs it `delayMs` after the large block's batch enters LevelDB. */
function runChild(location: string, delayMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        join(here, 'crash-child.ts'),
        location,
        String(SMALL),
        String(LARGE),
      ],
      { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const lines: string[] = []
    let stderr = ''
    let buffered = ''
    let killed = false
    child.stderr!.on('data', (d) => {
      stderr += d
    })
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString()
      let nl = buffered.indexOf('\n')
      while (nl >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        lines.push(line)
        // delayMs >= 0: the large block's batch has just been handed to LevelDB, kill inside the native
        // write. delayMs < 0: kill once commitBlock has returned.
        const trigger =
          delayMs >= 0
            ? line.startsWith('BATCH_START') && lines.includes('COMMIT_START')
            : line.startsWith('COMMITTED 2')
        if (trigger) {
          setTimeout(
            () => {
              killed = !lines.some(
                (l) => l.startsWith('BATCH_DONE') && lines.indexOf(l) > lines.indexOf('COMMIT_START'),
              )
              child.kill('SIGKILL')
            },
            Math.max(0, delayMs),
          )
        }
        nl = buffered.indexOf('\n')
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`))
      else resolve({ lines, signal, killedDuringBatch: killed })
    })
  })
}

describe('crash during commitBlock (child process, SIGKILL, LevelDB)', () => {
  // Delays from "batch handed to LevelDB" to the kill; a 2,000-slot block's batch (~10,000 ops) takes
  // tens of ms or more on a 2-core machine, so the first cases land inside the write.
  // -1: killed after commitBlock returned.
  it.each([0, 15, -1])(
    'leaves a fully readable state when killed %i ms into the batch',
    async (delayMs) => {
      const location = join(root, `crash-${delayMs}`)
      const run = await runChild(location, delayMs)
      const root1 = run.lines.find((l) => l.startsWith('COMMITTED 1'))!.split(' ')[2]!
      const root2 = run.lines.find((l) => l.startsWith('PENDING 2'))!.split(' ')[2]!

      const store = await createLevelKvStore({ location })
      try {
        const state = await createMPTState({ store })
        const head = bytesToHexRaw(state.committedStateRoot)
        // The head is one of the two roots, never a mix, and every node under it is present.
        expect([root1, root2]).toContain(head)
        expect(run.signal).toBe('SIGKILL')
        // A kill before LevelDB acknowledged the batch may leave either root; one after must leave the new one.
        if (!run.killedDuringBatch) expect(head).toBe(root2)
        if (delayMs < 0) expect(run.killedDuringBatch).toBe(false)
        const expected = head === root1 ? 1 : 2
        const written = head === root1 ? SMALL : LARGE
        for (let i = 0; i < written; i++) {
          expect(await state.getStorage(addressOf(1), slotOf(i))).toEqual(wordOf(expected))
        }
        expect((await state.getStorage(addressOf(1), slotOf(written))).length).toBe(0)
        // The previous root stays readable in full either way (nodes are never pruned).
        const previous = await createMPTState({ store, root: Buffer.from(root1, 'hex') })
        for (let i = 0; i < SMALL; i++)
          expect(await previous.getStorage(addressOf(1), slotOf(i))).toEqual(wordOf(1))
        expect(bytesToHexRaw(await state.stateRoot())).toBe(head)
      } finally {
        await store.close()
      }
    },
    60_000,
  )
})
