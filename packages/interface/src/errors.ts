/**
 * Typed errors. Every package declares its own code enum and throws
 * `ChainError<{ code: XCode; ...metadata }>`, so callers branch on `err.type.code`
 * and logs carry the metadata as structured fields.
 */
export class ChainError<T extends { code: string } = { code: string }> extends Error {
  /** The code and metadata of this error. */
  readonly type: T

  constructor(type: T, message?: string, options?: { cause?: unknown }) {
    super(message ?? type.code, options)
    this.type = type
    this.name = 'ChainError'
  }

  /** Shorthand for `type.code`. */
  get code(): T['code'] {
    return this.type.code
  }

  /** The metadata without the code, for structured logs. */
  getMetadata(): Record<string, unknown> {
    const { code: _code, ...rest } = this.type as T & Record<string, unknown>
    return rest
  }
}

/** True when `err` is a ChainError, optionally with the given code. */
export function isChainError(err: unknown, code?: string): err is ChainError {
  return err instanceof ChainError && (code === undefined || err.type.code === code)
}
