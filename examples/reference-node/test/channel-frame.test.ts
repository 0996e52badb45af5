/**
 * The channel frame codec (reference/interop.md §3.2): the captured SDK frames re-encode to
 * their captured bytes, any split of a byte stream parses to the same frames, and the limits
 * hold.
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CHANNEL_HEADER_BYTES,
  CHANNEL_TOPIC_BYTES_MAX,
  ChannelType,
  decodeTopicBody,
  encodeFrame,
  encodeTopicBody,
  FrameParser,
  newSeq,
} from '../src/channel/frame.js'
import { isRpcError } from '../src/rpc/errors.js'

const capture: { type?: string; seq?: string; result?: number; body?: string; bodyHex?: string }[] =
  JSON.parse(
    readFileSync(new URL('./fixtures/channel-capture-nodejs-sdk-ecdsa.json', import.meta.url), 'utf8'),
  ).frames

describe('channel frames', () => {
  it('encodes the captured frames with the 42-byte header and parses them back', () => {
    const frames = capture.filter((f) => f.type !== undefined)
    expect(frames.length).toBe(7)
    const parser = new FrameParser()
    for (const f of frames) {
      const body = Buffer.from(f.body!, 'utf8')
      expect(body.subarray(0, 40).toString('hex')).toBe(f.bodyHex!.slice(0, 80))
      const bytes = encodeFrame({ type: Number.parseInt(f.type!, 16), seq: f.seq!, result: f.result!, body })
      expect(bytes.readUInt32BE(0)).toBe(CHANNEL_HEADER_BYTES + body.length)
      expect(bytes.subarray(6, 38).toString('latin1')).toBe(f.seq)
      const [parsed] = parser.push(bytes)
      expect(parsed).toEqual({
        type: Number.parseInt(f.type!, 16),
        seq: f.seq,
        result: f.result,
        body: Uint8Array.from(body),
      })
    }
    expect(parser.buffered).toBe(0)
  })

  it('parses the same frames from any split of the stream (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
        (bodies, cuts) => {
          const frames = bodies.map((body, i) => ({ type: ChannelType.RPC, seq: newSeq(), result: i, body }))
          const stream = Buffer.concat(frames.map((f) => encodeFrame(f)))
          const parser = new FrameParser()
          const out = []
          let at = 0
          for (let k = 0; at < stream.length; k++) {
            const n = cuts[k % cuts.length]!
            out.push(...parser.push(stream.subarray(at, at + n)))
            at += n
          }
          expect(out).toEqual(frames.map((f) => ({ ...f, body: Uint8Array.from(f.body) })))
        },
      ),
      { seed: 7, numRuns: 200 },
    )
  })

  it('refuses frames shorter than the header, over the limit or of an unknown type', () => {
    const header = (length: number, type: number) => {
      const b = Buffer.alloc(6)
      b.writeUInt32BE(length, 0)
      b.writeUInt16BE(type, 4)
      return b
    }
    const fails = (bytes: Buffer, max?: number) => {
      try {
        new FrameParser(max).push(bytes)
        return undefined
      } catch (err) {
        return err
      }
    }
    expect(isRpcError(fails(header(41, ChannelType.RPC)), 'CHANNEL_FRAME_INVALID')).toBe(true)
    expect(isRpcError(fails(header(1001, ChannelType.RPC), 1000), 'CHANNEL_FRAME_INVALID')).toBe(true)
    expect(fails(header(1000, ChannelType.RPC), 1000)).toBeUndefined() // exactly at the limit: waits for the rest
    expect(isRpcError(fails(header(50, 0x99)), 'CHANNEL_FRAME_INVALID')).toBe(true)
    expect(() =>
      encodeFrame({ type: ChannelType.RPC, seq: 'short', result: 0, body: new Uint8Array(0) }),
    ).toThrow(/32-character/)
    expect(() =>
      encodeFrame({ type: ChannelType.RPC, seq: newSeq(), result: 0, body: new Uint8Array(100) }, 100),
    ).toThrow(/over the 100-byte limit/)
  })

  it('prefixes topics with their length plus one', () => {
    const body = encodeTopicBody('_block_notify_1', Buffer.from('1,8'))
    expect(body[0]).toBe('_block_notify_1'.length + 1)
    expect(decodeTopicBody(body)).toEqual({
      topic: '_block_notify_1',
      payload: Uint8Array.from(Buffer.from('1,8')),
    })
    expect(encodeTopicBody('', new Uint8Array(0))).toEqual(Uint8Array.from([1]))
    expect(() => encodeTopicBody('x'.repeat(CHANNEL_TOPIC_BYTES_MAX + 1), new Uint8Array(0))).toThrow(
      /at most 254/,
    )
    expect(() => decodeTopicBody(Uint8Array.from([5, 1]))).toThrow(/topic length byte/)
    expect(() => decodeTopicBody(new Uint8Array(0))).toThrow(/topic length byte/)
  })
})
