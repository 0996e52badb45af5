import type { LogContext, Logger } from '@consortia/interface'
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino'
import type { LogLevel } from '../config/schema.js'

/** Options of `createNodeLogger`. */
export interface NodeLoggerInit {
  readonly level: LogLevel
  /** Append JSON lines to this file; standard output when omitted or empty. */
  readonly file?: string
  /** Fields on every line (e.g. the node name). */
  readonly base?: LogContext
  /** A destination stream instead of `file` (tests). */
  readonly destination?: DestinationStream
}

/** A `Logger` (the library port) writing pino JSON lines, plus `flush` for shutdown. */
export interface NodeLogger extends Logger {
  flush(): void
}

function adapt(p: PinoLogger, flush: () => void): NodeLogger {
  const fields = (context: LogContext | undefined) => (context === undefined ? {} : { ...context })
  return {
    trace: (message, context) => p.trace(fields(context), message),
    debug: (message, context) => p.debug(fields(context), message),
    info: (message, context) => p.info(fields(context), message),
    warn: (message, context) => p.warn(fields(context), message),
    error: (message, context, error) =>
      p.error(error === undefined ? fields(context) : { ...fields(context), err: error }, message),
    child: (bindings) => adapt(p.child({ ...bindings }), flush),
    flush,
  }
}

/**
 * Structured JSON logs (pino): one line per event with `level`, `time`, `msg`, the bindings of
 * every `child` (component, groupId, ...) and the call's context fields; errors under `err`
 * with their stack and ChainError `type`.
 */
export function createNodeLogger(init: NodeLoggerInit): NodeLogger {
  const destination =
    init.destination ??
    (init.file === undefined || init.file === ''
      ? pino.destination({ fd: 1, sync: true })
      : pino.destination({ dest: init.file, mkdir: true, sync: true, append: true }))
  const p = pino(
    {
      level: init.level,
      base: { pid: process.pid, ...(init.base ?? {}) },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
  return adapt(p, () => {
    const d = destination as { flushSync?: () => void }
    try {
      d.flushSync?.()
    } catch {
      // A destination that cannot flush (closed stream) has nothing left to write.
    }
  })
}
