/**
 * Where a saturated chain's node CPU goes, subsystem by subsystem: reads the `.cpuprofile` of
 * every node of a `bench/run.ts --cpu-prof-all` run, cuts each to the load levels' windows (the
 * `monotonicUs` span of each level in the results JSON: V8 stamps its samples with the same
 * monotonic clock) and prints self time per subsystem (`subsystemOf` in `src/profile.ts`), all
 * nodes together, in ms per committed transaction and in % of the busy time, plus the top
 * functions.
 *
 *   node --conditions=source --import tsx bench/scripts/node-profile.ts <results.json> [level index]
 */

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type CpuProfile, subsystemTable } from '../src/profile.js'
import type { BenchResults } from '../src/report.js'

const [resultsPath, levelArg] = process.argv.slice(2).filter((a) => a !== '--')
if (resultsPath === undefined) throw new Error('usage: node-profile.ts <results.json> [level index]')
const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchResults
for (const run of results.e2e) {
  const profPath = run.cpuProfile?.path
  if (profPath === undefined) continue
  const dir = profPath.slice(0, profPath.lastIndexOf('/'))
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile)
  run.levels.forEach((level, i) => {
    if (levelArg !== undefined && Number(levelArg) !== i) return
    if (level.monotonicUs === undefined) return
    const table = subsystemTable(profiles, level.monotonicUs)
    const perTx = (ms: number) => (level.committed > 0 ? ms / level.committed : 0)
    console.log(
      `\n${run.profile} ${run.workload}/${run.transport}, level ${i}: ${level.offeredTPS} offered, ` +
        `${level.committed} committed, ${level.committedTPS.toFixed(0)} TPS, ` +
        `node CPU ${level.nodeCpuMsPerTx?.toFixed(3)} ms/tx (procfs), ${profiles.length} profiles, ` +
        `busy ${table.busyMs.toFixed(0)} ms sampled (${perTx(table.busyMs).toFixed(3)} ms/tx of wall time on the main threads)`,
    )
    // Samples are wall-clock time of each main thread: a thread waiting for a core is sampled
    // too. Shares of the busy samples times the measured CPU per transaction (procfs, every
    // thread) estimate each subsystem's CPU per transaction.
    const cpuPerTx = level.nodeCpuMsPerTx ?? 0
    console.log(
      '| subsystem | sampled ms (all nodes) | % of busy | ≈ CPU ms per committed tx (share × procfs) |',
    )
    console.log('|---|---:|---:|---:|')
    for (const row of table.subsystems)
      console.log(
        `| ${row.name} | ${row.selfMs.toFixed(0)} | ${((row.selfMs / table.busyMs) * 100).toFixed(1)} | ${((row.selfMs / table.busyMs) * cpuPerTx).toFixed(3)} |`,
      )
    console.log('\n| top function | subsystem | self ms | % of busy |')
    console.log('|---|---|---:|---:|')
    for (const row of table.topFunctions.slice(0, 40))
      console.log(
        `| ${row.name} | ${row.subsystem} | ${row.selfMs.toFixed(0)} | ${((row.selfMs / table.busyMs) * 100).toFixed(1)} |`,
      )
  })
}
