/**
 * `pnpm bench` (full) and `pnpm bench:quick`: the component benches of every package, then
 * end-to-end chains of reference-node processes under a sweep of offered loads; writes
 * `bench/results/<date>-<mode>.{json,md,svg}` and prints the Markdown report. See bench/README.md.
 *
 *   node --conditions=source --import tsx bench/run.ts full|quick [--workers N] [--duration S]
 *        [--loads 100,200,...] [--only components|e2e] [--profiles pbft-4-sm-leveldb,...]
 *        [--workloads dag,parallelok,erc20,table] [--transports rpc,channel]
 *        [--refine STEPS] [--search-budget S] [--cpu-prof] [--cpu-prof-all] [--out DIR]
 *
 * Exits 1 when a component bench fails or crashes, a chain fails, or a chain commits no
 * transaction; it never fails on figures (no timing assertions).
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createECDSASuite } from '@consortia/crypto'
import { type ChainProfile, profileName, REPO_ROOT, startChain } from './src/chain.js'
import { componentSpecs, runComponent } from './src/components.js'
import { runE2E, type SubmitTransport } from './src/e2e.js'
import { machineInfo, machineLine } from './src/machine.js'
import { type CpuProfile, type ProfileSummary, summarizeProfile } from './src/profile.js'
import { createProgressBar } from './src/progress.js'
import {
  type BenchResults,
  chartSeries,
  markdownReport,
  type ProfileResult,
  type RecoverCeiling,
  SATURATION_P99_MS,
} from './src/report.js'
import { type LoadPlan, type SearchOptions, searchOutcome, searchPlan, sweepPlan } from './src/saturation.js'
import { saturationLevel } from './src/stats.js'
import { tpsLatencyChart } from './src/svg.js'
import { isWorkloadName, type WorkloadName } from './src/workloads.js'

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
    workloads: { type: 'string' },
    users: { type: 'string' },
    transports: { type: 'string' },
    'search-budget': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'cpu-prof-all': { type: 'boolean', default: false },
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
const durationS = positive('duration', values.duration, quick ? 6 : 12)
// Explicit loads: a sweep. Otherwise the saturation search (step up ×2, bisect, check 80 %).
const loads = values.loads?.split(',').map((s) => positive('loads', s, 1))
const refineSteps = values.refine === undefined ? (quick ? 0 : 3) : Number(values.refine)
if (!Number.isSafeInteger(refineSteps) || refineSteps < 0)
  throw new Error(`--refine: expected a step count >= 0, got ${values.refine}`)
// Seconds of levels per chain (a level that started finishes; its drain is bounded too).
const searchBudgetS = positive('search-budget', values['search-budget'], quick ? 50 : 240)
const searchOptions: SearchOptions = {
  startTPS: quick ? 50 : 100,
  factor: quick ? 3 : 2,
  maxTPS: 51_200,
  refineSteps,
  p99LimitMs: SATURATION_P99_MS,
  keptUpShare: 0.95,
  checkShare: 0.8,
  resolution: 1.1,
}
const planOf = (sweep: readonly number[] | undefined): LoadPlan =>
  sweep !== undefined ? sweepPlan(sweep, 0.5) : searchPlan(searchOptions)
const listOf = <T extends string>(
  flag: string,
  v: string | undefined,
  ok: (x: string) => x is T,
): T[] | undefined =>
  v?.split(',').map((x) => {
    const t = x.trim()
    if (!ok(t)) throw new Error(`--${flag}: unknown value ${t}`)
    return t
  })
const workloadsFlag = listOf('workloads', values.workloads, isWorkloadName)
const transportsFlag = listOf('transports', values.transports, (x): x is SubmitTransport =>
  ['rpc', 'channel'].includes(x),
)
// --cpu-prof-all: every node of a chain runs under --cpu-prof (the report still summarises node 0;
// bench/scripts/node-profile.ts reads them all, level by level).
const cpuProfAll = values['cpu-prof-all'] === true
const cpuProf = values['cpu-prof'] === true || cpuProfAll
if (values.only !== undefined && values.only !== 'components' && values.only !== 'e2e')
  throw new Error(`--only: expected components or e2e, got ${values.only}`)
const runComponents = values.only !== 'e2e'
const runChains = values.only !== 'components'
const mysqlUrl = process.env['CONSORTIA_MYSQL_URL']

/** One end-to-end run: a fresh chain, one workload, one transport, a plan of loads. */
interface ChainRun {
  readonly profile: ChainProfile
  readonly workload: WorkloadName
  readonly transport: SubmitTransport
  /** A fixed sweep; undefined runs the saturation search. */
  readonly loads?: readonly number[]
}
const profiles: ChainRun[] = []
const add = (profile: ChainProfile, workload: WorkloadName, transport: SubmitTransport, sweep = loads) =>
  profiles.push({ profile, workload, transport, ...(sweep !== undefined ? { loads: sweep } : {}) })
const pbft4: ChainProfile = { nodes: 4, consensus: 'pbft', storage: 'leveldb', suite: 'ecdsa' }
if (
  runChains &&
  (values.profiles !== undefined || workloadsFlag !== undefined || transportsFlag !== undefined)
) {
  const chosen: ChainProfile[] = []
  // e.g. --profiles pbft-4-sm-leveldb,raft-7-ecdsa-leveldb
  for (const name of (values.profiles ?? '').split(',').filter((x) => x.trim() !== '')) {
    const m = /^(pbft|raft)-(\d+)-(ecdsa|sm)-(leveldb|mysql)$/.exec(name.trim())
    if (m === null)
      throw new Error(`--profiles: expected <pbft|raft>-<nodes>-<ecdsa|sm>-<leveldb|mysql>, got ${name}`)
    chosen.push({
      consensus: m[1] as 'pbft' | 'raft',
      nodes: Number(m[2]),
      suite: m[3] as 'ecdsa' | 'sm',
      storage: m[4] as 'leveldb' | 'mysql',
    })
  }
  if (chosen.length === 0) chosen.push(pbft4)
  for (const profile of chosen)
    for (const workload of workloadsFlag ?? ['dag'])
      for (const transport of transportsFlag ?? ['rpc']) add(profile, workload, transport)
} else if (runChains) {
  if (quick) {
    add(pbft4, 'dag', 'rpc')
    add({ ...pbft4, consensus: 'raft' }, 'dag', 'rpc', loads?.slice(-1) ?? [150])
  } else {
    // The target profile with every workload and both transports, then the other chains.
    for (const workload of ['dag', 'parallelok', 'erc20', 'table'] as const) add(pbft4, workload, 'rpc')
    add(pbft4, 'dag', 'channel')
    for (const suite of ['ecdsa', 'sm'] as const)
      for (const nodes of [4, 7])
        for (const consensus of ['pbft', 'raft'] as const)
          if (!(suite === 'ecdsa' && nodes === 4 && consensus === 'pbft'))
            add({ nodes, consensus, storage: 'leveldb', suite }, 'dag', 'rpc')
  }
  if (mysqlUrl !== undefined) add({ ...pbft4, storage: 'mysql' }, 'dag', 'rpc')
}

const t0 = performance.now()
const machine = machineInfo(REPO_ROOT)
process.stderr.write(`bench ${mode}: ${machineLine(machine)}\n`)

// Signature recovery on one core, measured before anything else loads the machine: per second
// of wall clock (what this process got of a shared machine) and per CPU second (the core's speed).
function recoverCeiling(budgetMs: number): RecoverCeiling {
  const suite = createECDSASuite()
  const key = suite.randomPrivateKey()
  const items = Array.from({ length: 64 }, (_, i) => {
    const hash = suite.hash(Uint8Array.of(i))
    return { hash, sig: suite.sign(hash, key) }
  })
  for (const it of items) suite.recover(it.hash, it.sig)
  let n = 0
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  while (performance.now() - start < budgetMs) {
    const it = items[n & 63]!
    suite.recover(it.hash, it.sig)
    n++
  }
  const wallMs = performance.now() - start
  const cpu = process.cpuUsage(cpu0)
  const cpuMs = (cpu.user + cpu.system) / 1000
  return {
    suite: `ecdsa (secp256k1, ${suite.backend})`,
    perSecondOneCore: (n / wallMs) * 1000,
    ...(cpuMs > 0 ? { perCpuSecond: (n / cpuMs) * 1000 } : {}),
    cores: availableParallelism(),
  }
}
const ceiling = recoverCeiling(quick ? 500 : 2000)

const specs = runComponents ? componentSpecs(mode) : []
// Bar steps: a start and the levels of each run (a search counts its typical level count).
const levelSteps = (p: ChainRun) => p.loads?.length ?? (quick ? 4 : 8)
const steps = specs.length + profiles.reduce((a, p) => a + 1 + levelSteps(p), 0)
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
const stamp = machine.date.replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z')
const outDir = values.out as string
for (const [r, run] of profiles.entries()) {
  const { profile, workload, transport } = run
  const chainName = profileName(profile)
  const name = `${chainName} ${workload}/${transport}`
  const cpuProfDir = cpuProf
    ? join(outDir, `${stamp}-${mode}-cpu-prof`, `${r}-${chainName}-${workload}-${transport}`)
    : undefined
  bar.note(`${name}: building and starting ${profile.nodes} nodes`)
  let started = 0
  let done = 0
  let failed = false
  try {
    const chain = await startChain(profile, {
      ...(mysqlUrl !== undefined ? { mysqlUrl } : {}),
      ...(cpuProfDir !== undefined
        ? {
            cpuProfDir,
            profileNodes: cpuProfAll ? Array.from({ length: profile.nodes }, (_, i) => i) : [0],
          }
        : {}),
      onNote: (t) => bar.note(`${name}: ${t}`),
    })
    bar.tick(`${name}: started`)
    started = 1
    let results: Awaited<ReturnType<typeof runE2E>> = []
    try {
      results = await runE2E(chain, {
        plan: planOf(run.loads),
        workload,
        transport,
        levelsBudgetMs: searchBudgetS * 1000,
        durationS,
        workers,
        users: Math.round(positive('users', values.users, quick ? 200 : 2000)),
        drainTimeoutMs: quick ? 30_000 : 60_000,
        onNote: (t) => bar.note(t),
        onLevel: (l) => {
          done++
          bar.tick(
            `${name}: ${l.offeredTPS} offered → ${l.committedTPS.toFixed(0)} TPS, p99 ${l.latency.p99Ms.toFixed(0)} ms`,
          )
        },
      })
    } finally {
      await chain.close()
    }
    const sat = saturationLevel(results, SATURATION_P99_MS)
    const outcome = run.loads === undefined ? searchOutcome(results, searchOptions) : undefined
    let cpuProfile: ProfileSummary | undefined
    const profPath = cpuProfDir !== undefined ? join(cpuProfDir, 'node0.cpuprofile') : undefined
    if (profPath !== undefined && existsSync(profPath))
      cpuProfile = summarizeProfile(JSON.parse(readFileSync(profPath, 'utf8')) as CpuProfile, 20)
    e2e.push({
      profile: chainName,
      workload,
      transport,
      levels: results,
      ...(sat !== undefined ? { saturationTPS: sat.offeredTPS } : {}),
      ...(outcome !== undefined
        ? {
            search: {
              ...(outcome.peakTPS !== undefined ? { peakTPS: outcome.peakTPS } : {}),
              ...(outcome.firstBadTPS !== undefined ? { firstBadTPS: outcome.firstBadTPS } : {}),
              ...(outcome.check !== undefined
                ? { checkTPS: outcome.check.offeredTPS, checkP99Ms: outcome.check.latency.p99Ms }
                : {}),
            },
          }
        : {}),
      ...(cpuProfile !== undefined && profPath !== undefined
        ? { cpuProfile: { path: profPath, ...cpuProfile } }
        : {}),
    })
  } catch (err) {
    failed = true
    e2e.push({ profile: chainName, workload, transport, levels: [], error: (err as Error).message })
    bar.note(`${name}: FAILED: ${(err as Error).message.slice(0, 300)}`)
  }
  // Levels the plan did not run (or a failure skipped) still count as done for the bar.
  for (let k = started + done; k < 1 + levelSteps(run); k++)
    bar.tick(`${name}: ${failed ? 'FAILED' : 'done'}`)
}
bar.done()

const results: BenchResults = {
  schema: 1,
  mode,
  machine,
  settings: {
    workers,
    durationS,
    loads: loads ?? 'saturation search',
    search: loads === undefined ? { ...searchOptions, budgetS: searchBudgetS } : undefined,
    runs: profiles.map((p) => `${profileName(p.profile)} ${p.workload}/${p.transport}`),
    cpuProf,
    mysql: mysqlUrl !== undefined,
  },
  recoverCeiling: ceiling,
  components,
  e2e,
  durationS: (performance.now() - t0) / 1000,
}
mkdirSync(outDir, { recursive: true })
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
