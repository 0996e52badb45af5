/**
 * `pnpm bench` (full) and `pnpm bench:quick`: the component benches of every package, then
 * end-to-end chains of reference-node processes under a sweep of offered loads; writes
 * `bench/results/<date>-<mode>.{json,md,svg}` and prints the Markdown report. See bench/README.md.
 *
 *   node --conditions=source --import tsx bench/run.ts full|quick [--workers N] [--duration S]
 *        [--loads 100,200,...] [--only components|e2e] [--profiles pbft-4-sm-leveldb,...]
 *        [--refine STEPS] [--out DIR]
 *
 * Exits 1 when a component bench fails or crashes, a chain fails, or a chain commits no
 * transaction; it never fails on figures (no timing assertions).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type ChainProfile, profileName, REPO_ROOT, startChain } from './src/chain.js'
import { componentSpecs, runComponent } from './src/components.js'
import { type LevelResult, runE2E } from './src/e2e.js'
import { machineInfo, machineLine } from './src/machine.js'
import { createProgressBar } from './src/progress.js'
import {
  type BenchResults,
  chartSeries,
  markdownReport,
  type ProfileResult,
  type RecoverCeiling,
  SATURATION_P99_MS,
} from './src/report.js'
import { saturationLevel } from './src/stats.js'
import { tpsLatencyChart } from './src/svg.js'
import { suiteOf } from './src/txgen.js'

const { values, positionals } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  allowPositionals: true,
  options: {
    workers: { type: 'string' },
    duration: { type: 'string' },
    loads: { type: 'string' },
    only: { type: 'string' },
    refine: { type: 'string' },
    profiles: { type: 'string' },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results') },
  },
})
const mode = positionals[0] ?? 'quick'
if (mode !== 'full' && mode !== 'quick')
  throw new Error(`bench/run.ts: expected mode full or quick, got ${mode}`)
const quick = mode === 'quick'
const positive = (name: string, v: string | undefined, fallback: number) => {
  const n = v === undefined ? fallback : Number(v)
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${name}: expected a positive number, got ${v}`)
  return n
}
const workers = Math.round(
  positive('workers', values.workers, quick ? 2 : Math.min(8, availableParallelism())),
)
const durationS = positive('duration', values.duration, quick ? 8 : 15)
const loads = (values.loads ?? (quick ? '50,150' : '100,200,400,800,1600,3200,6400,12800,25600'))
  .split(',')
  .map((s) => positive('loads', s, 1))
// Saturation search: bisection steps between the last load with p99 ≤ 1 s and the next one.
const refineSteps = values.refine === undefined ? (quick ? 0 : 2) : Number(values.refine)
if (!Number.isSafeInteger(refineSteps) || refineSteps < 0)
  throw new Error(`--refine: expected a step count >= 0, got ${values.refine}`)
if (values.only !== undefined && values.only !== 'components' && values.only !== 'e2e')
  throw new Error(`--only: expected components or e2e, got ${values.only}`)
const runComponents = values.only !== 'e2e'
const runChains = values.only !== 'components'
const mysqlUrl = process.env['CONSORTIA_MYSQL_URL']

const profiles: { profile: ChainProfile; loads: readonly number[] }[] = []
if (runChains && values.profiles !== undefined) {
  // e.g. --profiles pbft-4-sm-leveldb,raft-7-ecdsa-leveldb
  for (const name of values.profiles.split(',')) {
    const m = /^(pbft|raft)-(\d+)-(ecdsa|sm)-(leveldb|mysql)$/.exec(name.trim())
    if (m === null)
      throw new Error(`--profiles: expected <pbft|raft>-<nodes>-<ecdsa|sm>-<leveldb|mysql>, got ${name}`)
    profiles.push({
      profile: {
        consensus: m[1] as 'pbft' | 'raft',
        nodes: Number(m[2]),
        suite: m[3] as 'ecdsa' | 'sm',
        storage: m[4] as 'leveldb' | 'mysql',
      },
      loads,
    })
  }
} else if (runChains) {
  if (quick) {
    profiles.push({ profile: { nodes: 4, consensus: 'pbft', storage: 'leveldb', suite: 'ecdsa' }, loads })
    profiles.push({
      profile: { nodes: 4, consensus: 'raft', storage: 'leveldb', suite: 'ecdsa' },
      loads: loads.slice(-1),
    })
  } else {
    for (const suite of ['ecdsa', 'sm'] as const)
      for (const nodes of [4, 7])
        for (const consensus of ['pbft', 'raft'] as const)
          profiles.push({ profile: { nodes, consensus, storage: 'leveldb', suite }, loads })
  }
  if (mysqlUrl !== undefined)
    profiles.push({ profile: { nodes: 4, consensus: 'pbft', storage: 'mysql', suite: 'ecdsa' }, loads })
}

const t0 = performance.now()
const machine = machineInfo(REPO_ROOT)
process.stderr.write(`bench ${mode}: ${machineLine(machine)}\n`)

// Signature recovery on one core, measured before anything else loads the machine.
function recoverCeiling(budgetMs: number): RecoverCeiling {
  const suite = suiteOf('ecdsa')
  const key = suite.randomPrivateKey()
  const items = Array.from({ length: 64 }, (_, i) => {
    const hash = suite.hash(Uint8Array.of(i))
    return { hash, sig: suite.sign(hash, key) }
  })
  for (const it of items) suite.recover(it.hash, it.sig)
  let n = 0
  const start = performance.now()
  while (performance.now() - start < budgetMs) {
    const it = items[n & 63]!
    suite.recover(it.hash, it.sig)
    n++
  }
  return {
    suite: 'ecdsa (secp256k1, default backend)',
    perSecondOneCore: (n / (performance.now() - start)) * 1000,
    cores: availableParallelism(),
  }
}
const ceiling = recoverCeiling(quick ? 500 : 2000)

const specs = runComponents ? componentSpecs(mode) : []
const steps = specs.length + profiles.reduce((a, p) => a + 1 + p.loads.length + refineSteps, 0)
const bar = createProgressBar(steps)
bar.note('starting')

const components = []
for (const spec of specs) {
  bar.note(`component ${spec.name}`)
  const result = await runComponent(spec)
  components.push(result)
  bar.tick(`component ${spec.name}: ${result.ok ? 'ok' : `FAILED (${result.error})`}`)
}

const e2e: ProfileResult[] = []
for (const { profile, loads: levels } of profiles) {
  const name = profileName(profile)
  bar.note(`${name}: building and starting ${profile.nodes} nodes`)
  let started = 0
  try {
    const chain = await startChain(profile, {
      ...(mysqlUrl !== undefined ? { mysqlUrl } : {}),
      onNote: (t) => bar.note(`${name}: ${t}`),
    })
    bar.tick(`${name}: started`)
    started = 1
    try {
      let done = 0
      const results = await runE2E(chain, {
        loadsTPS: levels,
        durationS,
        workers,
        users: quick ? 200 : 2000,
        drainTimeoutMs: quick ? 30_000 : 60_000,
        stopBelowShare: 0.5,
        onNote: (t) => bar.note(t),
        onLevel: (l) => {
          done++
          bar.tick(
            `${name}: ${l.offeredTPS} offered → ${l.committedTPS.toFixed(0)} TPS, p99 ${l.latency.p99Ms.toFixed(0)} ms`,
          )
        },
      })
      // Levels skipped after saturation still count as done for the bar.
      for (; done < levels.length; done++) bar.tick(`${name}: skipped (saturated)`)
      const sat = saturationLevel(results, SATURATION_P99_MS)
      e2e.push({
        profile: name,
        levels: results,
        ...(sat !== undefined ? { saturationTPS: sat.offeredTPS } : {}),
      })
    } finally {
      await chain.close()
    }
  } catch (err) {
    e2e.push({ profile: name, levels: [], error: (err as Error).message })
    for (let k = started; k < 1 + levels.length; k++) bar.tick(`${name}: FAILED`)
  }
}
bar.done()

const results: BenchResults = {
  schema: 1,
  mode,
  machine,
  settings: {
    workers,
    durationS,
    loads,
    profiles: profiles.map((p) => profileName(p.profile)),
    mysql: mysqlUrl !== undefined,
  },
  recoverCeiling: ceiling,
  components,
  e2e,
  durationS: (performance.now() - t0) / 1000,
}
const outDir = values.out as string
mkdirSync(outDir, { recursive: true })
const stamp = machine.date.replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z')
const base = join(outDir, `${stamp}-${mode}`)
const report = markdownReport(results)
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(`${base}.md`, report)
const series = chartSeries(results)
if (series.length > 0)
  writeFileSync(
    `${base}.svg`,
    tpsLatencyChart(`Consortia end to end (${mode}) — ${machineLine(machine)}`, series),
  )
process.stdout.write(report)
process.stdout.write(`\nwrote ${base}.json, .md${series.length > 0 ? ', .svg' : ''}\n`)

const failures = [
  ...components.filter((c) => !c.ok).map((c) => `component ${c.name}: ${c.error}`),
  ...e2e.filter((p) => p.error !== undefined).map((p) => `${p.profile}: ${p.error}`),
  ...e2e
    .filter((p) => p.error === undefined && p.levels.every((l) => l.committed === 0))
    .map((p) => `${p.profile}: no transaction committed`),
  ...e2e.flatMap((p) =>
    p.levels
      .filter((l) => l.receiptsFailed > 0)
      .map((l) => `${p.profile} @${l.offeredTPS}: ${l.receiptsFailed} failed receipts`),
  ),
]
if (failures.length > 0) {
  process.stderr.write(`\nbench ${mode} FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`)
  process.exitCode = 1
}
