import { performance } from 'node:perf_hooks'
import fc from 'fast-check'
import { writeReliabilityRecord } from './reliability.js'

/** Inputs one fuzz run feeds a target unless told otherwise (issue 17: at least 50,000 per CI run). */
export const FUZZ_RUNS_DEFAULT = 50_000

/** An input slower than this is re-run alone; slow twice means the target fails. */
export const FUZZ_SLOW_MS_DEFAULT = 100

/** Heap growth allowed across a whole fuzz run before it counts as unbounded memory. */
export const FUZZ_HEAP_GROWTH_BYTES_MAX = 256 * 1024 * 1024

/** A decoder under fuzzing and what it may throw. */
export interface FuzzTarget {
  /** Name printed in results and failures, for example `protocol.decodeTransaction`. */
  name: string
  /** Valid encodings the mutators start from (may be empty: then only random bytes are used). */
  seeds: readonly Uint8Array[]
  /** The code under test; it may return anything or throw an error `isExpected` accepts. */
  run: (input: Uint8Array) => unknown
  /** True for the typed errors the target is allowed to throw on bad input. */
  isExpected: (err: unknown) => boolean
}

/** What to run and how strictly. */
export interface FuzzOptions {
  /** Inputs to generate; defaults to {@link FUZZ_RUNS_DEFAULT} (env `CONSORTIA_FUZZ_RUNS` overrides). */
  runs?: number
  /** fast-check seed; fixed by default so a failing input is reproducible. */
  seed?: number
  /** Per-input budget; see {@link FUZZ_SLOW_MS_DEFAULT}. */
  slowMs?: number
  /** Largest random input in bytes. */
  inputBytesMax?: number
  /**
   * Write a `fuzz` reliability record (see `writeReliabilityRecord`) when the run ends: default
   * true; false for runs that fail on purpose (tests of the fuzzer itself).
   */
  record?: boolean
  /** Folder of that record (default `reliabilityDir()`). */
  recordDir?: string
}

/** What a fuzz run found. */
export interface FuzzReport {
  name: string
  runs: number
  /** Inputs the target accepted (returned without throwing). */
  accepted: number
  /** Inputs refused with an expected typed error. */
  refused: number
  /** Slowest single input in milliseconds (after re-running the slow ones alone). */
  slowestMs: number
  /** Heap growth across the run, in bytes. */
  heapGrowthBytes: number
  /** Every failure: unexpected errors and inputs slow twice; empty when the target passed. */
  failures: { kind: 'unexpected-error' | 'slow' | 'memory'; input: string; detail: string }[]
}

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Mutations of a seed encoding: the inputs that reach deep into a decoder. */
function mutated(seeds: readonly Uint8Array[], inputBytesMax: number): fc.Arbitrary<Uint8Array> {
  const seed = fc.constantFrom(...seeds)
  const flip = fc
    .tuple(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }))
    .map(([base, flips]) => {
      const out = Uint8Array.from(base)
      if (out.length === 0) return out
      for (const [at, bit] of flips) out[at % out.length] = (out[at % out.length] as number) ^ (1 << bit)
      return out
    })
  const truncate = fc
    .tuple(seed, fc.nat())
    .map(([base, at]) => base.slice(0, base.length === 0 ? 0 : at % base.length))
  const setByte = fc
    .tuple(seed, fc.nat(), fc.constantFrom(0x00, 0x7f, 0x80, 0xb7, 0xb8, 0xbf, 0xc0, 0xf7, 0xf8, 0xff))
    .map(([base, at, value]) => {
      const out = Uint8Array.from(base)
      if (out.length > 0) out[at % out.length] = value
      return out
    })
  const splice = fc.tuple(seed, seed, fc.nat(), fc.nat()).map(([a, b, i, j]) => {
    const head = a.slice(0, a.length === 0 ? 0 : i % a.length)
    const tail = b.slice(b.length === 0 ? 0 : j % b.length)
    const out = new Uint8Array(Math.min(head.length + tail.length, inputBytesMax))
    out.set(head.subarray(0, out.length))
    out.set(
      tail.subarray(0, out.length - Math.min(head.length, out.length)),
      Math.min(head.length, out.length),
    )
    return out
  })
  const insert = fc
    .tuple(seed, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }))
    .map(([base, at, extra]) => {
      const cut = base.length === 0 ? 0 : at % base.length
      const out = new Uint8Array(base.length + extra.length)
      out.set(base.subarray(0, cut))
      out.set(extra, cut)
      out.set(base.subarray(cut), cut + extra.length)
      return out
    })
  return fc.oneof(flip, truncate, setByte, splice, insert)
}

/** Random bytes with RLP-shaped prefixes so length fields claiming huge sizes are common. */
function randomBytes(inputBytesMax: number): fc.Arbitrary<Uint8Array> {
  const lengthBomb = fc
    .tuple(
      fc.constantFrom(0xb8, 0xb9, 0xba, 0xbb, 0xbf, 0xf8, 0xf9, 0xfa, 0xfb, 0xff),
      fc.uint8Array({ maxLength: 12 }),
    )
    .map(([prefix, rest]) => Uint8Array.from([prefix, ...rest]))
  const nested = fc.integer({ min: 1, max: 4096 }).map((depth) => new Uint8Array(depth).fill(0xc1))
  return fc.oneof(fc.uint8Array({ maxLength: inputBytesMax }), lengthBomb, nested)
}

interface Outcome {
  ms: number
  threw: boolean
  error?: unknown
}

/** The bookkeeping both runners share: options, the input generator, and how outcomes are scored. */
function fuzzSession(
  name: string,
  seeds: readonly Uint8Array[],
  isExpected: (err: unknown) => boolean,
  options: FuzzOptions,
) {
  const envRuns = Number(process.env.CONSORTIA_FUZZ_RUNS)
  const runs = options.runs ?? (Number.isSafeInteger(envRuns) && envRuns > 0 ? envRuns : FUZZ_RUNS_DEFAULT)
  const slowMs = options.slowMs ?? FUZZ_SLOW_MS_DEFAULT
  const inputBytesMax = options.inputBytesMax ?? 4096
  const arbitrary =
    seeds.length > 0
      ? fc.oneof(
          { arbitrary: mutated(seeds, inputBytesMax), weight: 3 },
          { arbitrary: randomBytes(inputBytesMax), weight: 1 },
        )
      : randomBytes(inputBytesMax)
  const report: FuzzReport = {
    name,
    runs: 0,
    accepted: 0,
    refused: 0,
    slowestMs: 0,
    heapGrowthBytes: 0,
    failures: [],
  }
  const heapBefore = process.memoryUsage().heapUsed
  const startedMs = performance.now()
  const seed = options.seed ?? 17
  return {
    arbitrary,
    report,
    slowMs,
    checkOptions: { numRuns: runs, seed, endOnFailure: true },
    done: () => report.failures.length >= 10,
    /** Scores one input: `first` is its outcome, `again` the re-run of a slow one. */
    score(input: Uint8Array, first: Outcome, again?: Outcome): void {
      report.runs += 1
      let result = first
      if (again !== undefined) {
        if (again.ms > slowMs) {
          report.failures.push({
            kind: 'slow',
            input: toHex(input),
            detail: `${again.ms.toFixed(1)} ms twice`,
          })
        }
        result = again.ms < first.ms ? again : first
      }
      report.slowestMs = Math.max(report.slowestMs, result.ms)
      if (!result.threw) report.accepted += 1
      else if (isExpected(result.error)) report.refused += 1
      else {
        const detail =
          result.error instanceof Error
            ? `${result.error.name}: ${result.error.message}`
            : String(result.error)
        report.failures.push({ kind: 'unexpected-error', input: toHex(input), detail })
      }
    },
    finish(): FuzzReport {
      report.heapGrowthBytes = Math.max(0, process.memoryUsage().heapUsed - heapBefore)
      if (report.heapGrowthBytes > FUZZ_HEAP_GROWTH_BYTES_MAX) {
        report.failures.push({
          kind: 'memory',
          input: '',
          detail: `heap grew by ${report.heapGrowthBytes} bytes`,
        })
      }
      if (options.record !== false) {
        writeReliabilityRecord(
          {
            tier: 'fuzz',
            name,
            seeds: [String(seed)],
            faultsInjected: 0,
            badInputs: report.runs,
            txAcknowledged: 0,
            txFound: 0,
            violations: report.failures.length,
            violationMessages: report.failures.map(
              (f) => `${f.kind}: ${f.detail}${f.input === '' ? '' : ` (input ${f.input.slice(0, 64)})`}`,
            ),
            durationMs: Math.round(performance.now() - startedMs),
          },
          options.recordDir,
        )
      }
      return report
    },
  }
}

/**
 * Feeds a decoder tens of thousands of hostile inputs — random bytes, length bombs, deep nesting and
 * mutations (bit flips, truncation, splices, insertions) of valid encodings — and reports every input
 * that threw anything but an expected typed error or took longer than `slowMs` twice in a row.
 * Deterministic for a given seed; the failing inputs are printed as hex.
 */
export function runFuzz(target: FuzzTarget, options: FuzzOptions = {}): FuzzReport {
  const session = fuzzSession(target.name, target.seeds, target.isExpected, options)
  const timed = (input: Uint8Array): Outcome => {
    const start = performance.now()
    try {
      target.run(input)
      return { ms: performance.now() - start, threw: false }
    } catch (error) {
      return { ms: performance.now() - start, error, threw: true }
    }
  }
  // fc.check draws inputs lazily (fc.sample would hold all of them in memory at once).
  fc.check(
    fc.property(session.arbitrary, (input) => {
      if (session.done()) return true
      const first = timed(input)
      session.score(input, first, first.ms > session.slowMs ? timed(input) : undefined)
      return true
    }),
    session.checkOptions,
  )
  return session.finish()
}

/** A {@link FuzzTarget} whose code under test is asynchronous (a server's request handler). */
export interface AsyncFuzzTarget extends Omit<FuzzTarget, 'run'> {
  run: (input: Uint8Array) => Promise<unknown>
}

/** {@link runFuzz} for asynchronous targets; inputs run one at a time, each awaited. */
export async function runFuzzAsync(target: AsyncFuzzTarget, options: FuzzOptions = {}): Promise<FuzzReport> {
  const session = fuzzSession(target.name, target.seeds, target.isExpected, options)
  const timed = async (input: Uint8Array): Promise<Outcome> => {
    const start = performance.now()
    try {
      await target.run(input)
      return { ms: performance.now() - start, threw: false }
    } catch (error) {
      return { ms: performance.now() - start, error, threw: true }
    }
  }
  await fc.check(
    fc.asyncProperty(session.arbitrary, async (input) => {
      if (session.done()) return true
      const first = await timed(input)
      session.score(input, first, first.ms > session.slowMs ? await timed(input) : undefined)
      return true
    }),
    session.checkOptions,
  )
  return session.finish()
}

/** One line for test output: `name: runs, accepted, refused, slowest ms, heap growth`. */
export function formatFuzzReport(report: FuzzReport): string {
  return `${report.name}: ${report.runs} inputs, ${report.accepted} accepted, ${report.refused} refused, slowest ${report.slowestMs.toFixed(2)} ms, heap +${(report.heapGrowthBytes / 1048576).toFixed(1)} MiB, ${report.failures.length} failures`
}
