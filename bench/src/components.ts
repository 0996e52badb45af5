/**
 * The component benches, each run as a child process (`node --conditions=source --import tsx
 * <file> ...`) so a crash is seen as a failed exit, and each read back from its last stdout
 * line when it prints JSON (`--json`), or from its text table otherwise.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT, TS_NODE_ARGS } from './chain.js'

/** Most stdout kept per component (the tail is what matters: tables and the JSON line). */
export const COMPONENT_OUTPUT_MAX = 256 * 1024

/** Longest one component bench may run in `quick` mode (a hang, not a slow machine, should hit it). */
export const COMPONENT_TIMEOUT_QUICK_MS = 900_000

/** Longest one component bench may run in `full` mode. */
export const COMPONENT_TIMEOUT_FULL_MS = 1_800_000

/** One component bench to run. */
export interface ComponentSpec {
  readonly name: string
  readonly title: string
  /** Working directory, relative to the repository root. */
  readonly cwd: string
  /** Script, relative to `cwd`. */
  readonly script: string
  readonly args: readonly string[]
  readonly env?: Readonly<Record<string, string>>
  readonly timeoutMs: number
}

/** What a component run produced. */
export interface ComponentResult {
  readonly name: string
  readonly title: string
  readonly command: string
  readonly ok: boolean
  readonly exitCode: number | null
  readonly durationS: number
  /** The parsed `{"bench": ...}` line, or rows parsed from the text table. */
  readonly data: unknown
  /** Standard output without the JSON line. */
  readonly text: string
  readonly error?: string
}

/** The last stdout line that is a JSON object with a `bench` key, or undefined. */
export function lastJSONLine(stdout: string): { bench: string } | undefined {
  const lines = stdout.trimEnd().split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] as string).trim()
    if (!line.startsWith('{')) continue
    try {
      const v = JSON.parse(line) as unknown
      if (typeof v === 'object' && v !== null && 'bench' in v) return v as { bench: string }
    } catch {
      // Not JSON: keep looking.
    }
  }
  return undefined
}

/** One row of the serial executor bench's table. */
export interface ExecutorRow {
  readonly state: string
  readonly workload: string
  readonly path: string
  readonly txPerSec: number
  readonly txPerCpuSec: number
  readonly withCommitPerSec: number
  readonly speedup: number
}

/**
 * Parses the rows of `packages/parallel-executor/bench/run.ts`'s table
 * (`state workload path tx/s tx/CPU-s +commit speed-up×`).
 */
export function parseExecutorTable(text: string): ExecutorRow[] {
  const rows: ExecutorRow[] = []
  const re =
    /^(\S+\/\S+)\s+(DagTransfer|ERC-20)\s+(default|EVM path)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)×\s*$/
  for (const line of text.split('\n')) {
    const m = re.exec(line.trim())
    if (m === null) continue
    const num = (s: string) => Number(s.replace(/,/g, ''))
    rows.push({
      state: m[1] as string,
      workload: m[2] as string,
      path: m[3] as string,
      txPerSec: num(m[4] as string),
      txPerCpuSec: num(m[5] as string),
      withCommitPerSec: num(m[6] as string),
      speedup: Number(m[7]),
    })
  }
  return rows
}

/** The first Markdown table in `text`: its header cells and rows of cells (undefined if none). */
export function parseMarkdownTable(text: string): { header: string[]; rows: string[][] } | undefined {
  const lines = text.split('\n').map((l) => l.trim())
  const cells = (l: string) =>
    l
      .slice(1, l.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((c) => c.trim())
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i] as string
    const rule = lines[i + 1] as string
    if (!head.startsWith('|') || !/^\|[\s:|-]+\|?$/.test(rule) || !rule.includes('-')) continue
    const header = cells(head)
    const rows: string[][] = []
    for (let j = i + 2; j < lines.length && (lines[j] as string).startsWith('|'); j++) {
      const r = cells(lines[j] as string)
      if (r.length === header.length) rows.push(r)
    }
    return { header, rows }
  }
  return undefined
}

/**
 * The component benches of a `full` or `quick` run. Time limits are generous (a shared CI
 * machine can be ten times slower than an idle one): they catch a hang, not a slow machine.
 */
export function componentSpecs(mode: 'full' | 'quick'): ComponentSpec[] {
  const quick = mode === 'quick'
  const timeoutMs = quick ? COMPONENT_TIMEOUT_QUICK_MS : COMPONENT_TIMEOUT_FULL_MS
  const specs: ComponentSpec[] = [
    {
      name: 'crypto',
      title: 'Crypto: sign / verify / recover, SM2, verify pool',
      cwd: 'packages/crypto',
      script: 'bench/crypto-bench.ts',
      args: [...(quick ? ['--quick'] : []), '--json'],
      timeoutMs,
    },
    {
      name: 'storage',
      title: 'Storage: AMDB against MPT (LevelDB; MariaDB when reachable)',
      cwd: 'bench',
      script: 'storage.ts',
      args: quick
        ? ['--runs', '1', '--blocks', '4', '--rows', '500', '--reads', '2000', '--warmup', '1', '--json']
        : ['--json'],
      timeoutMs,
    },
    {
      name: 'executor',
      title: 'Executor: serial throughput (DagTransfer, ERC-20)',
      cwd: 'packages/parallel-executor',
      script: 'bench/run.ts',
      args: quick
        ? // V8 needs several 2,000-transaction blocks to settle (see the executor's README).
          ['2000', '1', '8', '--state=StorageState/LevelDB', '--workload=DagTransfer']
        : ['2000', '3', '3'],
      timeoutMs,
    },
  ]
  // Serial against parallel execution, when the parallel executor's bench is there.
  const parallel = join(REPO_ROOT, 'packages/parallel-executor/bench/parallel.ts')
  if (existsSync(parallel)) {
    const source = readFileSync(parallel, 'utf8')
    specs.push({
      name: 'executor-parallel',
      title: 'Executor: serial against parallel (DAG) execution',
      cwd: 'packages/parallel-executor',
      script: 'bench/parallel.ts',
      // Its options today: [txsPerBlock] [reps] --workers=… --conflicts=… --warmup=…; --json once it has one.
      args: [
        // Workers are V8 isolates of their own that warm up over several blocks (at 1,000
        // transactions and 3 warm-up blocks V8's compiler and GC threads still took 380-540 µs
        // per ParallelOk transaction in CI, as much as the transactions). `--workers` counts
        // lanes, the main thread included: 2 is one worker thread beside the main thread, 3 is
        // two (one more busy thread than this 2-core CI machine has cores).
        ...(quick ? ['1500', '3', '--workers=1,2,3', '--conflicts=0,50', '--warmup=5'] : ['--warmup=3']),
        ...(source.includes("'--json'") ? ['--json'] : []),
      ],
      timeoutMs,
    })
  }
  specs.push(
    {
      name: 'consensus',
      title: 'Consensus simulator: PBFT against Raft under the same profile',
      cwd: 'bench',
      script: 'src/consensus-compare.ts',
      args: [...(quick ? ['--quick'] : []), '--json'],
      timeoutMs,
    },
    {
      name: 'p2p',
      title: 'P2P: throughput between two nodes over TLS',
      cwd: 'packages/p2p',
      script: 'bench/throughput.ts',
      args: [...(quick ? ['--quick'] : []), '--json'],
      timeoutMs,
    },
  )
  return specs
}

/** Runs one component bench; never throws (a failure is in the result). */
export async function runComponent(spec: ComponentSpec): Promise<ComponentResult> {
  const cwd = join(REPO_ROOT, spec.cwd)
  const command =
    `cd ${spec.cwd} && node --conditions=source --import tsx ${spec.script} ${spec.args.join(' ')}`.trim()
  const t0 = performance.now()
  return new Promise<ComponentResult>((resolve) => {
    const child = spawn(process.execPath, [...TS_NODE_ARGS, spec.script, ...spec.args], {
      cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-COMPONENT_OUTPUT_MAX)
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8192)
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, spec.timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      const json = lastJSONLine(stdout)
      const text = stdout
        .split('\n')
        .filter((l) => !l.trim().startsWith('{"bench"'))
        .join('\n')
        .trim()
      const table = parseMarkdownTable(stdout)
      const data =
        json ??
        (spec.name === 'executor'
          ? { bench: 'executor', rows: parseExecutorTable(stdout) }
          : table !== undefined
            ? { bench: spec.name, header: table.header, rows: table.rows }
            : undefined)
      let error: string | undefined
      if (timedOut) error = `timed out after ${spec.timeoutMs / 1000} s`
      else if (code !== 0) error = `exit code ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`
      else if (data === undefined) error = 'no machine-readable output (no JSON line, no table)'
      else if (spec.name === 'executor' && parseExecutorTable(stdout).length === 0)
        error = 'no table rows in the output'
      resolve({
        name: spec.name,
        title: spec.title,
        command,
        ok: error === undefined,
        exitCode: code,
        durationS: (performance.now() - t0) / 1000,
        data,
        text,
        ...(error !== undefined ? { error } : {}),
      })
    })
  })
}
