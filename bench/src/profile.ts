/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) into self-time tables: the top
 * functions, and the time per area (a workspace package, an npm package, Node's internals,
 * garbage collection, idle). Used by `bench/run.ts --cpu-prof` to say where a saturated node
 * spends its time.
 */

/** The parts of a V8 CPU profile that are read. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number
    readonly callFrame: {
      readonly functionName: string
      readonly url: string
      readonly lineNumber: number
    }
    readonly hitCount?: number
  }[]
  readonly startTime: number
  readonly endTime: number
  readonly samples?: readonly number[]
  readonly timeDeltas?: readonly number[]
}

/** One row of a self-time table. */
export interface SelfTimeRow {
  readonly name: string
  readonly selfMs: number
  /** Share of the profile's sampled time (idle included), in %. */
  readonly percent: number
}

/** A profile summarised. */
export interface ProfileSummary {
  readonly durationMs: number
  /** Sampled time not idle, in % of the duration (≈ CPU use of the thread). */
  readonly busyPercent: number
  readonly topFunctions: readonly SelfTimeRow[]
  readonly areas: readonly SelfTimeRow[]
}

/** Most rows of a summary table. */
export const PROFILE_ROWS_MAX = 40

/** The area of a script URL: `@consortia/<pkg>`, an npm package, `node:internal`, or a V8 pseudo-frame. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return '(gc)'
    if (functionName === '(idle)') return '(idle)'
    if (functionName === '(program)') return '(program)'
    return '(native)'
  }
  if (url.startsWith('node:')) return 'node:internal'
  const path = url.replace(/^file:\/\//, '')
  const modules = path.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/')
    if (rest[0] === '.pnpm') {
      // .pnpm/<name>@<version>/node_modules/<name>/…: the part after the last node_modules wins above.
      return rest[1] ?? 'npm'
    }
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? 'npm')
  }
  const pkg = /\/(packages|examples)\/([^/]+)\//.exec(path)
  if (pkg !== null) return pkg[1] === 'packages' ? `@consortia/${pkg[2]}` : `examples/${pkg[2]}`
  return 'other'
}

/** Self time per profile node id, in ms (from samples and timeDeltas; hitCount × mean interval otherwise). */
function selfTimes(p: CpuProfile): Map<number, number> {
  const out = new Map<number, number>()
  if (p.samples !== undefined && p.timeDeltas !== undefined && p.samples.length === p.timeDeltas.length) {
    // timeDeltas[i] is the time before sample i; sample i's time runs until sample i+1.
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i] as number
      const dt = i + 1 < p.timeDeltas.length ? (p.timeDeltas[i + 1] as number) : 0
      out.set(id, (out.get(id) ?? 0) + Math.max(0, dt) / 1000)
    }
    return out
  }
  const hits = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0)
  const perHitMs = hits === 0 ? 0 : (p.endTime - p.startTime) / 1000 / hits
  for (const n of p.nodes) out.set(n.id, (n.hitCount ?? 0) * perHitMs)
  return out
}

/** Summarises `profile`: top `rows` functions by self time and the self time per area. */
export function summarizeProfile(profile: CpuProfile, rows = 15): ProfileSummary {
  if (!Array.isArray(profile.nodes)) throw new Error('summarizeProfile: expected a V8 CPU profile with nodes')
  const limit = Math.min(Math.max(1, rows), PROFILE_ROWS_MAX)
  const self = selfTimes(profile)
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const byFunction = new Map<string, number>()
  const byArea = new Map<string, number>()
  let idle = 0
  for (const n of profile.nodes) {
    const ms = self.get(n.id) ?? 0
    if (ms === 0) continue
    const { functionName, url, lineNumber } = n.callFrame
    const area = areaOf(url, functionName)
    if (area === '(idle)') idle += ms
    const file =
      url === '' ? '' : ` ${url.replace(/^.*\/(packages|examples|node_modules)\//, '$1/')}:${lineNumber + 1}`
    const key = `${functionName || '(anonymous)'}${file}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms)
    byArea.set(area, (byArea.get(area) ?? 0) + ms)
  }
  const table = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, selfMs]) => ({ name, selfMs, percent: total === 0 ? 0 : (selfMs / total) * 100 }))
  return {
    durationMs: total,
    busyPercent: total === 0 ? 0 : ((total - idle) / total) * 100,
    topFunctions: table(byFunction),
    areas: table(byArea),
  }
}
