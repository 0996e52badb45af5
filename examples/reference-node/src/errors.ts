import { ChainError } from '@consortia/interface'

/**
 * Errors of the reference node (CLI, build-chain, config, start), thrown as
 * `ChainError<NodeErrorType>`. Each carries what the operator needs to fix it.
 */
export type NodeErrorType =
  /** A command-line option or argument is wrong: `-l: expected "ip:count,…", got "x"`. */
  | { code: 'NODE_INVALID_ARGUMENT'; option: string; expected: string; got: string }
  /** A config or genesis file cannot be used: unknown key, wrong version, wrong type. */
  | { code: 'NODE_CONFIG'; file: string; key: string; reason: string }
  /** The data directory was written by another chain, group genesis or storage setup. */
  | { code: 'NODE_DATA_MISMATCH'; path: string; reason: string }
  /** A startup step failed (storage, p2p, a group, RPC). */
  | { code: 'NODE_STARTUP'; step: string; reason: string }
  /** The output directory of build-chain exists and is not empty. */
  | { code: 'NODE_OUTPUT_EXISTS'; path: string }

/** Every code of `NodeErrorType`. */
export type NodeErrorCode = NodeErrorType['code']

/** Shorthand for the error class the node throws. */
export type NodeError = ChainError<NodeErrorType>

/** Creates a node error. */
export function nodeError(type: NodeErrorType, message: string, cause?: unknown): NodeError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** True when `err` is a node error (optionally with `code`). */
export function isNodeError(err: unknown, code?: NodeErrorCode): err is NodeError {
  return (
    err instanceof ChainError && err.code.startsWith('NODE_') && (code === undefined || err.code === code)
  )
}

/** `option: expected X, got Y` as a typed error. */
export function invalidArgument(option: string, expected: string, got: string): NodeError {
  return nodeError(
    { code: 'NODE_INVALID_ARGUMENT', option, expected, got },
    `${option}: expected ${expected}, got ${got}`,
  )
}

/** `file: key: reason` as a typed error. */
export function configError(file: string, key: string, reason: string): NodeError {
  return nodeError({ code: 'NODE_CONFIG', file, key, reason }, `${file}: ${key}: ${reason}`)
}
