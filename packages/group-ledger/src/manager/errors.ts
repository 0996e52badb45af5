import { ChainError } from '@consortia/interface'

/**
 * FISCO BCOS 2.x dynamic group management result codes (`generateGroup`, `startGroup`,
 * `stopGroup`, `removeGroup`, `recoverGroup`, `queryGroupStatus`; FISCO api.md, librpc
 * `GroupStatusCode`). 0xe is not used by FISCO.
 */
export const GroupStatusCode = {
  SUCCESS: 0x0,
  INTERNAL_ERROR: 0x1,
  GROUP_ALREADY_EXISTS: 0x2,
  GROUP_ALREADY_RUNNING: 0x3,
  GROUP_ALREADY_STOPPED: 0x4,
  GROUP_ALREADY_DELETED: 0x5,
  GROUP_NOT_FOUND: 0x6,
  INVALID_PARAMS: 0x7,
  PEERS_NOT_CONNECTED: 0x8,
  GENESIS_CONF_ALREADY_EXISTS: 0x9,
  GROUP_CONF_ALREADY_EXIST: 0xa,
  GENESIS_CONF_NOT_FOUND: 0xb,
  GROUP_CONF_NOT_FOUND: 0xc,
  GROUP_IS_STOPPING: 0xd,
  GROUP_NOT_DELETED: 0xf,
} as const

/** A name of `GroupStatusCode` other than `SUCCESS`: the code of a `GroupManagerError`. */
export type GroupErrorCode = Exclude<keyof typeof GroupStatusCode, 'SUCCESS'>

/** A group's lifecycle status as `queryGroupStatus` reports it (FISCO's strings). */
export type GroupStatus = 'INEXISTENT' | 'STOPPING' | 'RUNNING' | 'STOPPED' | 'DELETED'

/**
 * Errors of the GroupManager: `ChainError<GroupManagerErrorType>` whose code is the FISCO
 * status name and whose `fiscoCode` is its number, so an RPC layer answers
 * `{ code: '0x' + fiscoCode.toString(16), message }`.
 */
export interface GroupManagerErrorType {
  readonly code: GroupErrorCode
  readonly fiscoCode: number
  readonly groupId: number
  /** The group's status when the operation was refused (invalid transitions). */
  readonly status?: GroupStatus
  /** The labelled field of an `INVALID_PARAMS` refusal. */
  readonly field?: string
}

/** Shorthand for the error class the GroupManager throws. */
export type GroupManagerError = ChainError<GroupManagerErrorType>

/** Creates a GroupManager error with FISCO's number for `code`. */
export function groupError(
  code: GroupErrorCode,
  groupId: number,
  message: string,
  extra: { readonly status?: GroupStatus; readonly field?: string; readonly cause?: unknown } = {},
): GroupManagerError {
  const type: GroupManagerErrorType = {
    code,
    fiscoCode: GroupStatusCode[code],
    groupId,
    ...(extra.status === undefined ? {} : { status: extra.status }),
    ...(extra.field === undefined ? {} : { field: extra.field }),
  }
  return new ChainError(type, message, extra.cause === undefined ? undefined : { cause: extra.cause })
}

/** `field: expected X, got Y` as an `INVALID_PARAMS` error. */
export function groupInvalidParams(groupId: number, field: string, expected: string, got: string) {
  return groupError('INVALID_PARAMS', groupId, `${field}: expected ${expected}, got ${got}`, { field })
}

/** True when `err` is a GroupManager error (optionally with `code`). */
export function isGroupManagerError(err: unknown, code?: GroupErrorCode): err is GroupManagerError {
  return (
    err instanceof ChainError &&
    typeof (err.type as Partial<GroupManagerErrorType>).fiscoCode === 'number' &&
    err.code in GroupStatusCode &&
    (code === undefined || err.code === code)
  )
}

/**
 * FISCO's JSON-RPC answer for a group operation: `{ code: '0x0', message }` on success, the
 * error's FISCO code otherwise (unknown errors are `0x1` INTERNAL_ERROR).
 */
export function groupResponseOf(result: { readonly error?: unknown; readonly message: string }): {
  readonly code: string
  readonly message: string
} {
  if (result.error === undefined) return { code: '0x0', message: result.message }
  if (isGroupManagerError(result.error)) {
    return { code: `0x${result.error.type.fiscoCode.toString(16)}`, message: result.error.message }
  }
  return { code: '0x1', message: String((result.error as Error)?.message ?? result.error) }
}
