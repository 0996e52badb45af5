/** Structured log context: constant message, variable fields. */
export type LogContext = Readonly<Record<string, unknown>>

/** A structured logger. Libraries receive one; they never call `console`. */
export interface Logger {
  trace(message: string, context?: LogContext): void
  debug(message: string, context?: LogContext): void
  info(message: string, context?: LogContext): void
  warn(message: string, context?: LogContext): void
  error(message: string, context?: LogContext, error?: unknown): void
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogContext): Logger
}

/** A logger that discards everything, for components created without one. */
export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger
  },
}

/** Label values of one metric series. */
export type MetricLabels = Readonly<Record<string, string | number>>

export interface Counter {
  inc(value?: number, labels?: MetricLabels): void
}
export interface Gauge {
  set(value: number, labels?: MetricLabels): void
  inc(value?: number, labels?: MetricLabels): void
  dec(value?: number, labels?: MetricLabels): void
}
export interface Histogram {
  observe(value: number, labels?: MetricLabels): void
}

/** Prometheus-style metrics registry port. */
export interface Metrics {
  counter(name: string, help: string): Counter
  gauge(name: string, help: string): Gauge
  histogram(name: string, help: string, buckets?: readonly number[]): Histogram
}

/** Wall-clock time and timers, injected so tests can use a manual clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number
  /** Run `fn` after `delayMs`; returns a cancel function. */
  setTimer(delayMs: number, fn: () => void): () => void
}

/** Randomness, injected so simulations are reproducible from a seed. */
export interface Random {
  /** A uniformly random integer in [0, 2^32). */
  nextU32(): number
  /** A uniformly random integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number
  /** A uniformly random float in [0, 1). */
  nextFloat(): number
  bytes(length: number): Uint8Array
}
