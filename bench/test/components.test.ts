import { describe, expect, it } from 'vitest'
import { componentSpecs, runComponent } from '../src/components.js'

const spec = (args: string[]) => ({
  name: 'table',
  title: 'stand-in',
  cwd: 'bench',
  script: 'test/fixtures/table-bench.ts',
  args,
  timeoutMs: 60_000,
})

describe('runComponent', () => {
  it('reads a bench that prints only a table', async () => {
    const r = await runComponent(spec([]))
    expect(r.ok).toBe(true)
    expect(r.exitCode).toBe(0)
    expect(r.data).toEqual({ bench: 'table', header: ['workload', 'tx/s'], rows: [['DagTransfer', '1,234']] })
    expect(r.command).toBe('cd bench && node --conditions=source --import tsx test/fixtures/table-bench.ts')
  })
  it('reports a crash with its exit code and stderr', async () => {
    const r = await runComponent(spec(['--crash']))
    expect(r.ok).toBe(false)
    expect(r.error).toBe('exit code 3: boom')
  })
})

describe('componentSpecs', () => {
  it('runs every component in both modes, with short arguments in quick', () => {
    const quick = componentSpecs('quick')
    const full = componentSpecs('full')
    for (const name of ['crypto', 'storage', 'executor', 'consensus', 'p2p'])
      expect(quick.map((s) => s.name)).toContain(name)
    expect(full.map((s) => s.name)).toEqual(quick.map((s) => s.name))
    expect(quick.find((s) => s.name === 'crypto')?.args).toEqual(['--quick', '--json'])
    expect(full.find((s) => s.name === 'crypto')?.args).toEqual(['--json'])
  })
})
