import { randomBytes } from 'node:crypto'
import { sdkError } from '../errors.js'

/** Channel message types (interop.md §3.3; FISCO `libchannelserver/ChannelMessage.h`). */
export const ChannelType = {
  rpc: 0x12,
  heartbeat: 0x13,
  handshake: 0x14,
  eventRegister: 0x15,
  eventUnregister: 0x16,
  amopRequest: 0x30,
  amopResponse: 0x31,
  subscribeTopics: 0x32,
  amopMulticast: 0x35,
  receiptPush: 0x1000,
  blockNotify: 0x1001,
  eventPush: 0x1002,
} as const

/** Channel `result` codes: 0 ok, 100 node unreachable, 101 SDK unreachable, 102 timeout, 103 over bandwidth. */
export const ChannelResult = {
  ok: 0,
  nodeUnreachable: 100,
  sdkUnreachable: 101,
  timeout: 102,
  overBandwidth: 103,
} as const

/** Header size: u32 length ‖ u16 type ‖ 32-byte seq ‖ i32 result. */
export const frameHeaderBytes = 42

/** Largest frame (header + body) the protocol allows: 100 MiB. */
export const frameBytesMax = 100 * 1024 * 1024

/** The seq of unsolicited pushes: 32 ASCII zeros. */
export const zeroSeq = '0'.repeat(32)

/** One channel frame. */
export interface ChannelFrame {
  readonly type: number
  /** 32 ASCII characters (a uuid without dashes from SDKs). */
  readonly seq: string
  readonly result: number
  readonly body: Uint8Array
}

/** A fresh 32-hex-char seq. */
export function newSeq(): string {
  return randomBytes(16).toString('hex')
}

/** Encodes a frame. */
export function encodeFrame(frame: ChannelFrame): Uint8Array {
  if (frame.seq.length !== 32 || !/^[\x20-\x7e]{32}$/.test(frame.seq)) {
    throw sdkError(
      {
        code: 'SDK_INVALID_INPUT',
        field: 'seq',
        expected: '32 ASCII characters',
        got: `${frame.seq.length} chars`,
      },
      `seq: expected 32 ASCII characters, got ${frame.seq.length}`,
    )
  }
  const length = frameHeaderBytes + frame.body.length
  if (length > frameBytesMax) {
    throw sdkError(
      { code: 'SDK_CHANNEL_FRAME', reason: `frame of ${length} bytes over frameBytesMax` },
      `frame of ${length} bytes is over frameBytesMax (${frameBytesMax})`,
    )
  }
  const out = Buffer.alloc(length)
  out.writeUInt32BE(length, 0)
  out.writeUInt16BE(frame.type, 4)
  out.write(frame.seq, 6, 'latin1')
  out.writeInt32BE(frame.result, 38)
  out.set(frame.body, frameHeaderBytes)
  return out
}

/**
 * Incremental frame decoder: feed socket chunks, get whole frames. A length below the header
 * size or above `bytesMax` throws `SDK_CHANNEL_FRAME` (the connection must then be dropped).
 */
export function createFrameDecoder(bytesMax = frameBytesMax): { push(chunk: Uint8Array): ChannelFrame[] } {
  let buffer: Buffer = Buffer.alloc(0)
  return {
    push(chunk) {
      buffer = buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk])
      const frames: ChannelFrame[] = []
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0)
        if (length < frameHeaderBytes || length > bytesMax) {
          throw sdkError(
            { code: 'SDK_CHANNEL_FRAME', reason: `declared length ${length}` },
            `channel frame: declared length ${length} outside [${frameHeaderBytes}, ${bytesMax}]`,
          )
        }
        if (buffer.length < length) break
        frames.push({
          type: buffer.readUInt16BE(4),
          seq: buffer.toString('latin1', 6, 38),
          result: buffer.readInt32BE(38),
          body: Uint8Array.prototype.slice.call(buffer, frameHeaderBytes, length),
        })
        buffer = buffer.subarray(length)
      }
      return frames
    },
  }
}

/** `u8 (len(topic)+1) ‖ topic ‖ payload` — the body of AMOP, block-notify and filter frames. */
export function encodeTopicBody(topic: string, payload: Uint8Array): Uint8Array {
  const t = Buffer.from(topic, 'utf8')
  if (t.length > 254) {
    throw sdkError(
      { code: 'SDK_INVALID_INPUT', field: 'topic', expected: 'at most 254 bytes', got: `${t.length} bytes` },
      `topic: expected at most 254 bytes, got ${t.length}`,
    )
  }
  return Buffer.concat([Buffer.of(t.length + 1), t, payload])
}

/** Splits a topic-prefixed body. */
export function decodeTopicBody(body: Uint8Array): { topic: string; payload: Uint8Array } {
  const n = body[0]
  if (n === undefined || n < 1 || n > body.length) {
    throw sdkError(
      { code: 'SDK_CHANNEL_FRAME', reason: 'bad topic prefix' },
      'channel frame: bad topic length prefix',
    )
  }
  return { topic: Buffer.from(body.subarray(1, n)).toString('utf8'), payload: body.slice(n) }
}
