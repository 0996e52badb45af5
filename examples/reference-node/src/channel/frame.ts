/**
 * The FISCO BCOS 2.x channel message (reference/interop.md §3.2; [SRC] libchannelserver/
 * ChannelMessage.h): a 42-byte big-endian header `u32 length (header + body) | u16 type |
 * 32-byte ASCII seq | i32 result` followed by the body. `FrameParser` cuts a byte stream into
 * frames under a hard size limit; `encodeFrame` builds one.
 */
import { randomUUID } from 'node:crypto'
import { rpcError } from '../rpc/errors.js'

/** Header bytes: length 4, type 2, seq 32, result 4. */
export const CHANNEL_HEADER_BYTES = 42
/** Bytes of the seq field. */
export const CHANNEL_SEQ_BYTES = 32
/** The largest frame the protocol allows (interop.md §3.2: 100 MiB). */
export const CHANNEL_FRAME_BYTES_LIMIT = 100 * 1024 * 1024
/** Default largest frame this node accepts (a 1 MiB transaction in hex, or a 10 MiB AMOP payload, fit). */
export const CHANNEL_FRAME_BYTES_MAX_DEFAULT = 16 * 1024 * 1024
/** The seq of unsolicited pushes (block notify, event logs): 32 ASCII zeros. */
export const ZERO_SEQ = '0'.repeat(CHANNEL_SEQ_BYTES)

/** Channel message types (interop.md §3.3). */
export const ChannelType = {
  RPC: 0x12,
  HEARTBEAT: 0x13,
  HANDSHAKE: 0x14,
  EVENT_FILTER_REGISTER: 0x15,
  EVENT_FILTER_UNREGISTER: 0x16,
  AMOP_REQUEST: 0x30,
  AMOP_RESPONSE: 0x31,
  AMOP_SUBSCRIBE: 0x32,
  AMOP_MULTICAST: 0x35,
  TOPIC_CERT_REQUEST: 0x37,
  TOPIC_STATUS_UPDATE: 0x38,
  RECEIPT_PUSH: 0x1000,
  BLOCK_NOTIFY: 0x1001,
  EVENT_LOG_PUSH: 0x1002,
} as const

/** Channel `result` codes (interop.md §3.2). */
export const ChannelResult = {
  OK: 0,
  NODE_UNREACHABLE: 100,
  SDK_UNREACHABLE: 101,
  TIMEOUT: 102,
  OVER_BANDWIDTH: 103,
} as const

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(ChannelType))

/** One channel frame. */
export interface ChannelFrame {
  readonly type: number
  /** 32 ASCII characters (SDKs send uuid hex). */
  readonly seq: string
  readonly result: number
  readonly body: Uint8Array
}

/** A fresh seq: 32 hex characters. */
export function newSeq(): string {
  return randomUUID().replaceAll('-', '')
}

/** Encodes one frame. Throws `CHANNEL_FRAME_INVALID` for a seq that is not 32 ASCII bytes or a body over the limit. */
export function encodeFrame(frame: ChannelFrame, frameBytesMax = CHANNEL_FRAME_BYTES_LIMIT): Buffer {
  const seq = Buffer.from(frame.seq, 'latin1')
  if (seq.length !== CHANNEL_SEQ_BYTES || !/^[\x20-\x7e]*$/.test(frame.seq)) {
    throw rpcError(
      { code: 'CHANNEL_FRAME_INVALID', reason: 'seq' },
      `expected a 32-character ASCII seq, got ${seq.length} bytes`,
    )
  }
  const length = CHANNEL_HEADER_BYTES + frame.body.length
  if (length > frameBytesMax) {
    throw rpcError(
      { code: 'CHANNEL_FRAME_INVALID', reason: 'too large' },
      `frame of ${length} bytes over the ${frameBytesMax}-byte limit`,
    )
  }
  const out = Buffer.allocUnsafe(length)
  out.writeUInt32BE(length, 0)
  out.writeUInt16BE(frame.type, 4)
  seq.copy(out, 6)
  out.writeInt32BE(frame.result, 38)
  out.set(frame.body, CHANNEL_HEADER_BYTES)
  return out
}

/**
 * Cuts a byte stream into frames. `push` returns the complete frames and keeps the rest;
 * it throws `CHANNEL_FRAME_INVALID` (and the connection must be closed) on a length below the
 * header size or above `frameBytesMax`, or an unknown type. At most `frameBytesMax` bytes are
 * ever buffered.
 */
export class FrameParser {
  /** Received bytes not yet cut into frames, as received (concatenated once per frame). */
  private chunks: Buffer[] = []
  private size = 0

  constructor(private readonly frameBytesMax = CHANNEL_FRAME_BYTES_MAX_DEFAULT) {}

  /** Bytes buffered, waiting for the rest of a frame. */
  get buffered(): number {
    return this.size
  }

  push(chunk: Uint8Array): ChannelFrame[] {
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk))
      this.size += chunk.length
    }
    const frames: ChannelFrame[] = []
    while (this.size >= 4) {
      const head = this.peek(Math.min(6, this.size))
      const length = head.readUInt32BE(0)
      if (length < CHANNEL_HEADER_BYTES) {
        throw rpcError(
          { code: 'CHANNEL_FRAME_INVALID', reason: 'too short' },
          `expected a frame length of at least ${CHANNEL_HEADER_BYTES}, got ${length}`,
        )
      }
      if (length > this.frameBytesMax) {
        throw rpcError(
          { code: 'CHANNEL_FRAME_INVALID', reason: 'too large' },
          `frame of ${length} bytes over the ${this.frameBytesMax}-byte limit`,
        )
      }
      if (head.length >= 6) {
        const type = head.readUInt16BE(4)
        if (!KNOWN_TYPES.has(type)) {
          throw rpcError(
            { code: 'CHANNEL_FRAME_INVALID', reason: 'unknown type' },
            `unknown channel message type 0x${type.toString(16)}`,
          )
        }
      }
      if (this.size < length) break
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size)
      frames.push({
        type: all.readUInt16BE(4),
        seq: all.toString('latin1', 6, 38),
        result: all.readInt32BE(38),
        body: new Uint8Array(all.subarray(CHANNEL_HEADER_BYTES, length)),
      })
      const rest = all.subarray(length)
      this.chunks = rest.length > 0 ? [rest] : []
      this.size = rest.length
    }
    return frames
  }

  /** The first `n` buffered bytes (merging leading chunks when the first is shorter). */
  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks, this.size)]
    return this.chunks[0]!
  }
}

/** Most bytes of an AMOP topic (one length byte holds len + 1). */
export const CHANNEL_TOPIC_BYTES_MAX = 254

/** `u8 (len(topic)+1) ‖ topic ‖ payload` (interop.md §3.2). */
export function encodeTopicBody(topic: string, payload: Uint8Array): Uint8Array {
  const t = Buffer.from(topic, 'utf8')
  if (t.length > CHANNEL_TOPIC_BYTES_MAX) {
    throw rpcError(
      { code: 'CHANNEL_FRAME_INVALID', reason: 'topic too long' },
      `expected a topic of at most ${CHANNEL_TOPIC_BYTES_MAX} bytes, got ${t.length}`,
    )
  }
  const out = new Uint8Array(1 + t.length + payload.length)
  out[0] = t.length + 1
  out.set(t, 1)
  out.set(payload, 1 + t.length)
  return out
}

/** Splits a topic-prefixed body. Throws `CHANNEL_FRAME_INVALID` when the prefix is missing or runs past the body. */
export function decodeTopicBody(body: Uint8Array): { readonly topic: string; readonly payload: Uint8Array } {
  const n = body[0]
  if (n === undefined || n === 0 || n > body.length) {
    throw rpcError(
      { code: 'CHANNEL_FRAME_INVALID', reason: 'topic prefix' },
      `expected a topic length byte in 1..${body.length}, got ${n ?? 'none'}`,
    )
  }
  return {
    topic: Buffer.from(body.subarray(1, n)).toString('utf8'),
    payload: new Uint8Array(body.subarray(n)),
  }
}
