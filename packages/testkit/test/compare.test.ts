import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  COMPARE_COLUMNS,
  COMPARE_SEEDS_MAX,
  compareEngines,
  compareToSVG,
  FAULT_PROFILES,
  type FaultTarget,
  formatCompareTable,
  runSimCommand,
} from '../src/compare/index.js'
import { createSeededRandom } from '../src/index.js'

const small = {
  engines: ['pbft', 'raft'] as const,
  nodes: 4,
  faults: 'crash' as const,
  seeds: 3,
  ticks: 1500,
}

describe('compareEngines', () => {
  it('runs PBFT and Raft under the same faults: figures for both, zero safety violations', () => {
    const result = compareEngines(small)
    expect(result.results.map((r) => r.engine)).toEqual(['pbft', 'raft'])
    for (const r of result.results) {
      expect(r.violations, r.violationSamples.join('\n')).toBe(0)
      expect(r.blocks).toBeGreaterThan(50)
      expect(r.latencyMeanTicks).toBeGreaterThan(0)
      expect(r.messagesPerBlock).toBeGreaterThan(0)
      expect(r.recoveryMeanTicks).toBeGreaterThan(0)
    }
    // The same arguments give the same figures.
    expect(compareEngines(small)).toEqual(result)
  })

  it('the table has every column and one row per engine; the SVG names both engines', () => {
    const result = compareEngines({ ...small, seeds: 1, ticks: 800 })
    const lines = formatCompareTable(result).split('\n')
    for (const c of COMPARE_COLUMNS) expect(lines[1]).toContain(c)
    expect(lines.slice(3).map((l) => l.split(/\s+/)[0])).toEqual(['pbft', 'raft'])
    const svg = compareToSVG(result)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('>pbft</text>')
    expect(svg).toContain('>raft</text>')
    expect(svg).toContain('safety violations — pbft: 0, raft: 0')
  })

  it('every profile draws its faults from the seed only, so each engine sees the same schedule', () => {
    const record = (seed: number) => {
      const log: string[] = []
      const target: FaultTarget = {
        nodeCount: 7,
        partition: (g) => log.push(`partition ${JSON.stringify(g)}`),
        cut: (a, b) => log.push(`cut ${a}>${b}`),
        crash: (i) => log.push(`crash ${i}`),
        setNetwork: (o) => log.push(`net ${JSON.stringify(o)}`),
      }
      const random = createSeededRandom(seed)
      for (const profile of Object.values(FAULT_PROFILES)) profile.begin(target, random, new Set())
      return log
    }
    expect(record(5)).toEqual(record(5))
    expect(record(5)).not.toEqual(record(6))
    // Crashes stay within what both engines tolerate: f = ⌊(7−1)/3⌋ = 2.
    for (let seed = 1; seed <= 50; seed++) {
      const down = new Set<number>()
      FAULT_PROFILES.chaos.begin(
        { nodeCount: 7, partition() {}, cut() {}, crash: (i) => down.add(i), setNetwork() {} },
        createSeededRandom(seed),
        down,
      )
      expect(down.size).toBeLessThanOrEqual(2)
    }
  })

  it('refuses unknown engines and profiles, and more than COMPARE_SEEDS_MAX seeds', () => {
    expect(() => compareEngines({ ...small, engines: ['hotstuff' as 'raft'] })).toThrow(
      'expected engine pbft or raft, got hotstuff',
    )
    expect(() => compareEngines({ ...small, faults: 'meteor' as 'none' })).toThrow(
      /expected faults one of none, lossy/,
    )
    expect(() => compareEngines({ ...small, seeds: COMPARE_SEEDS_MAX + 1 })).toThrow(
      `expected seeds in [1, ${COMPARE_SEEDS_MAX}]`,
    )
  })
})

describe('consortia-sim compare (the command)', () => {
  it('prints the table and writes JSON and SVG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'consortia-sim-'))
    const out: string[] = []
    const code = runSimCommand(
      [
        'compare',
        '--engines',
        'pbft,raft',
        '--nodes',
        '4',
        '--faults',
        'partition',
        '--seeds',
        '2',
        '--ticks',
        '1200',
        '--out',
        dir,
      ],
      { out: (t) => out.push(t), err: (t) => out.push(`ERR ${t}`) },
    )
    expect(code).toBe(0)
    const text = out.join('\n')
    for (const c of COMPARE_COLUMNS) expect(text).toContain(c)
    const json = JSON.parse(readFileSync(join(dir, 'compare-partition-n4.json'), 'utf8'))
    expect(json.results.map((r: { engine: string; violations: number }) => [r.engine, r.violations])).toEqual(
      [
        ['pbft', 0],
        ['raft', 0],
      ],
    )
    expect(readFileSync(join(dir, 'compare-partition-n4.svg'), 'utf8')).toContain('<svg')
  })

  it('answers bad arguments with usage and exit code 2', () => {
    const err: string[] = []
    expect(runSimCommand(['compare', '--nodes'], { out() {}, err: (t) => err.push(t) })).toBe(2)
    expect(err.join('\n')).toContain('expected a value after --nodes')
    expect(runSimCommand(['frobnicate'], { out() {}, err: (t) => err.push(t) })).toBe(2)
  })

  it('runs from the bin launcher as a separate process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'consortia-sim-'))
    const bin = join(import.meta.dirname, '..', 'bin', 'consortia-sim.mjs')
    const stdout = execFileSync(
      process.execPath,
      [
        bin,
        'compare',
        '--engines',
        'pbft,raft',
        '--nodes',
        '4',
        '--faults',
        'lossy',
        '--seeds',
        '1',
        '--ticks',
        '800',
        '--out',
        dir,
      ],
      { encoding: 'utf8', cwd: join(import.meta.dirname, '..') },
    )
    const lines = stdout.split('\n')
    expect(lines[1]).toContain('safety violations')
    const rows = lines.filter((l) => /^(pbft|raft)\s/.test(l))
    expect(rows).toHaveLength(2)
    // Last column: safety violations, zero for both.
    for (const row of rows) expect(row.trim().split(/\s+/).at(-1)).toBe('0')
  })
})
