import { ChainError } from '@consortia/interface'

/** Error codes thrown by @consortia/p2p. */
export type P2PErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_CERTIFICATE'
  | 'MALFORMED_FRAME'
  | 'FRAME_TOO_LARGE'
  | 'PEER_NOT_CONNECTED'
  | 'SEND_QUEUE_FULL'
  | 'NODE_CLOSED'
  | 'AMOP_NO_SUBSCRIBER'
  | 'AMOP_CLIENT_UNREACHABLE'
  | 'AMOP_TIMEOUT'
  | 'AMOP_LIMIT'

/** The error type of this package: a code plus structured metadata. */
export type P2PError = ChainError<{ code: P2PErrorCode } & Record<string, unknown>>

/** Build a P2PError with a message and metadata. */
export function p2pError(
  code: P2PErrorCode,
  message: string,
  metadata: Record<string, unknown> = {},
  cause?: unknown,
): P2PError {
  return new ChainError({ code, ...metadata }, message, cause === undefined ? undefined : { cause })
}
