import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  type CompareEngineName,
  compareEngines,
  compareToSVG,
  FAULT_PROFILES,
  type FaultProfileName,
  formatCompareTable,
} from './compare.js'

/** Where the command writes; injected so tests capture output without a terminal. */
export interface CliIO {
  out(text: string): void
  err(text: string): void
}

const USAGE = `usage: consortia-sim compare --engines pbft,raft --nodes 4 --faults <profile> --seeds N
                     [--ticks 5000] [--phase-ticks 400] [--first-seed 1] [--out sim-out]
profiles: ${Object.values(FAULT_PROFILES)
  .map((p) => `${p.name} (${p.description})`)
  .join('; ')}`

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) throw new RangeError(`expected a --flag, got ${a}`)
    const eq = a.indexOf('=')
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1))
    else {
      const v = argv[i + 1]
      if (v === undefined || v.startsWith('--')) throw new RangeError(`expected a value after ${a}`)
      flags.set(a.slice(2), v)
      i++
    }
  }
  return flags
}

function int(flags: Map<string, string>, key: string, fallback: number): number {
  const v = flags.get(key)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isSafeInteger(n)) throw new RangeError(`expected an integer for --${key}, got ${v}`)
  return n
}

/**
 * `consortia-sim compare ...`: run the engines under one seeded fault profile, print the
 * table, write `<out>/compare-<faults>-n<nodes>.json` and `.svg`. Returns the exit code.
 */
export function main(argv: readonly string[], io: CliIO): number {
  const [command, ...rest] = argv
  if (command !== 'compare') {
    io.err(USAGE)
    return command === undefined || command === '--help' ? 0 : 2
  }
  let result: ReturnType<typeof compareEngines>
  let outDir: string
  try {
    const flags = parseFlags(rest)
    const engines = (flags.get('engines') ?? 'pbft,raft')
      .split(',')
      .map((s) => s.trim()) as CompareEngineName[]
    result = compareEngines({
      engines,
      nodes: int(flags, 'nodes', 4),
      faults: (flags.get('faults') ?? 'chaos') as FaultProfileName,
      seeds: int(flags, 'seeds', 20),
      ticks: int(flags, 'ticks', 5000),
      phaseTicks: int(flags, 'phase-ticks', 400),
      firstSeed: int(flags, 'first-seed', 1),
    })
    outDir = resolve(flags.get('out') ?? 'sim-out')
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`)
    return 2
  }
  io.out(formatCompareTable(result))
  mkdirSync(outDir, { recursive: true })
  const base = join(outDir, `compare-${result.config.faults}-n${result.config.nodes}`)
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(`${base}.svg`, compareToSVG(result))
  io.out(`wrote ${base}.json and ${base}.svg`)
  return result.results.some((r) => r.violations > 0) ? 1 : 0
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  })
}
