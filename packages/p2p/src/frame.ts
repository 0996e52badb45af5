import { GROUP_ID_MAX } from '@consortia/interface'
import { p2pError } from './errors.js'

/**
 * P2P frame header, laid out as FISCO 2.x's P2PMessage (libp2p/P2PMessageRC2):
 * `length u32 | version u16 | groupId i16 | moduleId u16 | packetType u16 | seq u32`,
 * big-endian, followed by the payload. `length` counts the header too.
 */
export const FRAME_HEADER_BYTES = 16

/** The frame version this package writes and accepts. */
export const FRAME_VERSION = 1

/** FISCO's version bit for Snappy-compressed payloads; this package never compresses and refuses it. */
export const FRAME_COMPRESSED_FLAG = 0x8000

/** Default hard limit on one frame, header included: FISCO's 100 MiB cap. */
export const FRAME_BYTES_MAX_DEFAULT = 100 * 1024 * 1024

const U16_MAX = 0xffff
const U32_MAX = 0xffffffff

/** One decoded P2P frame. */
export interface P2PFrame {
  /** 0 for node-level modules (AMOP, topics), 1..32767 for a group. */
  readonly groupId: number
  readonly moduleId: number
  readonly packetType: number
  /** Request/response correlation number; 0 when unused. */
  readonly seq: number
  readonly payload: Uint8Array
}

function checkField(value: number, max: number, label: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw p2pError('INVALID_ARGUMENT', `expected ${label} in 0..${max}, got ${value}`)
  }
}

/** Encode a frame; throws FRAME_TOO_LARGE when the result would exceed `frameBytesMax`. */
export function encodeFrame(frame: P2PFrame, frameBytesMax: number = FRAME_BYTES_MAX_DEFAULT): Uint8Array {
  checkField(frame.groupId, GROUP_ID_MAX, 'groupId')
  checkField(frame.moduleId, U16_MAX, 'moduleId')
  checkField(frame.packetType, U16_MAX, 'packetType')
  checkField(frame.seq, U32_MAX, 'seq')
  if (!(frame.payload instanceof Uint8Array)) {
    throw p2pError('INVALID_ARGUMENT', 'expected payload to be a Uint8Array')
  }
  const length = FRAME_HEADER_BYTES + frame.payload.length
  if (length > frameBytesMax) {
    throw p2pError('FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the ${frameBytesMax}-byte limit`, {
      frameBytes: length,
      frameBytesMax,
    })
  }
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  view.setUint32(0, length)
  view.setUint16(4, FRAME_VERSION)
  view.setInt16(6, frame.groupId)
  view.setUint16(8, frame.moduleId)
  view.setUint16(10, frame.packetType)
  view.setUint32(12, frame.seq)
  out.set(frame.payload, FRAME_HEADER_BYTES)
  return out
}

/**
 * Decode one frame from exactly the bytes of one WebSocket message. Throws
 * FRAME_TOO_LARGE (before reading the body) or MALFORMED_FRAME with the reason.
 * The payload is a view into `bytes`, not a copy.
 */
export function decodeFrame(bytes: Uint8Array, frameBytesMax: number = FRAME_BYTES_MAX_DEFAULT): P2PFrame {
  if (bytes.length < FRAME_HEADER_BYTES) {
    throw p2pError(
      'MALFORMED_FRAME',
      `expected at least ${FRAME_HEADER_BYTES} bytes of header, got ${bytes.length}`,
    )
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = view.getUint32(0)
  if (length > frameBytesMax) {
    throw p2pError('FRAME_TOO_LARGE', `length field ${length} exceeds the ${frameBytesMax}-byte limit`, {
      frameBytes: length,
      frameBytesMax,
    })
  }
  if (length !== bytes.length) {
    throw p2pError('MALFORMED_FRAME', `length field says ${length} bytes, message has ${bytes.length}`)
  }
  const version = view.getUint16(4)
  if ((version & FRAME_COMPRESSED_FLAG) !== 0) {
    throw p2pError('MALFORMED_FRAME', 'compressed frames are not supported')
  }
  if (version !== FRAME_VERSION) {
    throw p2pError('MALFORMED_FRAME', `expected frame version ${FRAME_VERSION}, got ${version}`)
  }
  const groupId = view.getInt16(6)
  if (groupId < 0) {
    throw p2pError('MALFORMED_FRAME', `expected groupId in 0..${GROUP_ID_MAX}, got ${groupId}`)
  }
  return {
    groupId,
    moduleId: view.getUint16(8),
    packetType: view.getUint16(10),
    seq: view.getUint32(12),
    payload: bytes.subarray(FRAME_HEADER_BYTES),
  }
}
