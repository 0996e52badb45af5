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

/** Milliseconds sample `i` stands for: `timeDeltas[i]` is the time before it, so it runs until sample `i + 1`. */
function sampleMs(timeDeltas: readonly number[], i: number): number {
  const dt = i + 1 < timeDeltas.length ? (timeDeltas[i + 1] as number) : 0
  return Math.max(0, dt) / 1000
}

/** A function's row name in the tables: its name and where it is (`packages/…:line`). */
function functionKey(f: CpuProfile['nodes'][number]['callFrame']): string {
  const file =
    f.url === ''
      ? ''
      : ` ${f.url.replace(/^.*\/(packages|examples|node_modules)\//, '$1/')}:${f.lineNumber + 1}`
  return `${f.functionName || '(anonymous)'}${file}`
}

/** Self time per profile node id, in ms (from samples and timeDeltas; hitCount × mean interval otherwise). */
function selfTimes(p: CpuProfile): Map<number, number> {
  const out = new Map<number, number>()
  if (p.samples !== undefined && p.timeDeltas !== undefined && p.samples.length === p.timeDeltas.length) {
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i] as number
      out.set(id, (out.get(id) ?? 0) + sampleMs(p.timeDeltas, i))
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
    const area = areaOf(n.callFrame.url, n.callFrame.functionName)
    if (area === '(idle)') idle += ms
    const key = functionKey(n.callFrame)
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

/** One rule of `subsystemOf`: a frame whose URL (and function name, when given) matches names the subsystem. */
interface SubsystemRule {
  readonly url: RegExp
  readonly fn?: RegExp
  readonly name: string
}

// Frames of libraries that serve every subsystem (hashing, codecs, recovery) are skipped, so
// their time goes to the caller's subsystem; storage bindings and logging are their own.
const SUBSYSTEM_RULES: readonly SubsystemRule[] = [
  // Sender recovery itself (native secp256k1 or the suite's code), whoever asked for it: the
  // cost issue 14's ceiling counts.
  { url: /secp256k1\/lib\//, fn: /^ecdsaRecover$/, name: 'sender recovery (native secp256k1)' },
  {
    url: /\/(kv-level|classic-level|abstract-level|level-transcoder|module-error)\//,
    name: 'LevelDB (JS side)',
  },
  { url: /\/(pino|sonic-boom|thread-stream)\//, name: 'logging' },
  { url: /\/(tsx|esbuild|get-tsconfig)\//, name: 'module loading (tsx)' },
  // The driver's proposal check reaches into the pool and protocol: count it as verification.
  {
    url: /group-ledger\/src\/txpool\/pool\.ts/,
    fn: /^(recoveredRaw|rememberRecovered)$/,
    name: 'proposal decode/verify',
  },
  {
    url: /protocol\/src\/eth-transaction\.ts/,
    fn: /^(createBlockTransaction|signBlockTransaction)$/,
    name: 'proposal decode/verify',
  },
  { url: /protocol\/src\//, fn: /^(receiptHash|merkleRoot|bloomMerge)$/, name: 'receipts and roots' },
  { url: /group-ledger\/src\/ledger\/driver\.ts/, fn: /^buildBlockHeader$/, name: 'receipts and roots' },
  { url: /group-ledger\/src\/txpool\/journal\.ts/, name: 'admission: journal' },
  {
    url: /group-ledger\/src\/txpool\//,
    name: 'admission + pool (checks, decode, hash, recover, seal, commit)',
  },
  { url: /group-ledger\/src\/sync\/tx-sync\.ts/, name: 'tx sync forwarding (encode/decode/send)' },
  { url: /group-ledger\/src\/sync\//, name: 'block sync (status, gossip)' },
  { url: /group-ledger\/src\/ledger\/block-store\.ts/, name: 'block store (encode, write, indexes)' },
  {
    url: /group-ledger\/src\/ledger\/driver\.ts/,
    fn: /verify|createBlockTransaction|decodeProposal|checkProposal/i,
    name: 'proposal decode/verify',
  },
  { url: /group-ledger\/src\/ledger\/(binary-codec|codec)\.ts/, name: 'PBFT messages (codec, signatures)' },
  { url: /consensus-pbft\//, name: 'PBFT messages (codec, signatures)' },
  { url: /group-ledger\/src\/ledger\/pbft\.ts/, name: 'PBFT messages (codec, signatures)' },
  {
    url: /\/(parallel-executor|amdb|mpt|evm|permission)\//,
    name: 'execution + AMDB (executor, tables, state root, change-set commit)',
  },
  { url: /group-ledger\/src\/ledger\/driver\.ts/, name: 'consensus driver (persist, send, commit, propose)' },
  { url: /group-ledger\/src\/manager\//, name: 'group transport (p2p routing)' },
  { url: /\/p2p\//, name: 'p2p (TLS sessions, framing, send queues)' },
  { url: /reference-node\/src\/rpc\//, name: 'RPC/HTTP + JSON' },
  { url: /reference-node\/src\/channel\//, name: 'channel protocol' },
  { url: /reference-node\/src\//, name: 'node (other)' },
]
// Node internals, used when no frame above matched: the HTTP server's parser and sockets.
const NODE_RULES: readonly SubsystemRule[] = [
  { url: /^node:(_http|internal\/http|http)/, name: 'RPC/HTTP + JSON' },
  {
    url: /^node:(internal\/)?(tls|_tls|net|stream|internal\/streams|internal\/stream_base)/,
    name: 'sockets (node streams, TLS)',
  },
  { url: /^node:(internal\/)?(timers|process\/task_queues)/, name: 'timers and microtasks' },
]

/**
 * The subsystem of a sample's stack (frames from the leaf up): GC, idle and V8's own time by the
 * leaf; otherwise the innermost frame a subsystem rule matches (LevelDB bindings, the pool, tx
 * sync, the block store, the driver's proposal check, PBFT, execution, p2p, RPC …), then Node's
 * internals (HTTP, sockets, timers), else `other (<area of the leaf>)`.
 */
export function subsystemOf(
  stack: readonly { readonly url: string; readonly functionName: string }[],
): string {
  const leaf = stack[0]
  if (leaf === undefined) return 'other'
  const leafArea = areaOf(leaf.url, leaf.functionName)
  if (leafArea === '(gc)') return 'GC'
  if (leafArea === '(idle)') return 'idle'
  if (leafArea === '(program)') return 'V8/native (program)'
  for (const rules of [SUBSYSTEM_RULES, NODE_RULES])
    for (const f of stack)
      for (const r of rules)
        if (r.url.test(f.url) && (r.fn === undefined || r.fn.test(f.functionName))) return r.name
  return `other (${leafArea})`
}

/** Self time per subsystem of several profiles within one monotonic window. */
export interface SubsystemTable {
  /** Sampled time not idle, all profiles together, in ms. */
  readonly busyMs: number
  /** Subsystems by self time, idle excluded. */
  readonly subsystems: readonly { readonly name: string; readonly selfMs: number }[]
  /** Top functions by self time (idle excluded), each with the subsystem its samples went to most. */
  readonly topFunctions: readonly {
    readonly name: string
    readonly subsystem: string
    readonly selfMs: number
  }[]
}

/**
 * Adds up the self time of `profiles`' samples stamped inside `windowUs` (µs on the monotonic
 * clock V8 and `process.hrtime` share) by `subsystemOf` and by function.
 */
export function subsystemTable(
  profiles: readonly CpuProfile[],
  windowUs: readonly [number, number],
): SubsystemTable {
  const bySubsystem = new Map<string, number>()
  const byFunction = new Map<string, { ms: number; subsystems: Map<string, number> }>()
  let busyMs = 0
  for (const p of profiles) {
    if (p.samples === undefined || p.timeDeltas === undefined) continue
    const parent = new Map<number, number>()
    const byId = new Map<number, CpuProfile['nodes'][number]>()
    for (const n of p.nodes) {
      byId.set(n.id, n)
      for (const c of (n as { children?: readonly number[] }).children ?? []) parent.set(c, n.id)
    }
    const subsystemOfNode = new Map<number, string>()
    const nodeSubsystem = (id: number): string => {
      const known = subsystemOfNode.get(id)
      if (known !== undefined) return known
      const stack: { url: string; functionName: string }[] = []
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const n = byId.get(at)
        if (n === undefined) break
        stack.push(n.callFrame)
      }
      const s = subsystemOf(stack)
      subsystemOfNode.set(id, s)
      return s
    }
    let t = p.startTime
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] as number
      if (t < windowUs[0] || t > windowUs[1]) continue
      const ms = sampleMs(p.timeDeltas, i)
      const id = p.samples[i] as number
      const s = nodeSubsystem(id)
      if (s === 'idle') continue
      busyMs += ms
      bySubsystem.set(s, (bySubsystem.get(s) ?? 0) + ms)
      const f = byId.get(id)?.callFrame
      const key = f === undefined ? '?' : functionKey(f)
      const row = byFunction.get(key) ?? { ms: 0, subsystems: new Map<string, number>() }
      row.ms += ms
      row.subsystems.set(s, (row.subsystems.get(s) ?? 0) + ms)
      byFunction.set(key, row)
    }
  }
  return {
    busyMs,
    subsystems: [...bySubsystem.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, selfMs]) => ({ name, selfMs })),
    topFunctions: [...byFunction.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, PROFILE_ROWS_MAX)
      .map(([name, r]) => ({
        name,
        selfMs: r.ms,
        subsystem: [...r.subsystems.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'other',
      })),
  }
}
