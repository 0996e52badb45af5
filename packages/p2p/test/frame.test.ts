import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES } from '../src/index.js'

describe('P2P frame codec', () => {
  it('lays out the 16-byte header as FISCO P2PMessage: length, version, group, module, packet type, seq', () => {
    const bytes = encodeFrame({
      groupId: 2,
      moduleId: 8,
      packetType: 3,
      seq: 0x01020304,
      payload: new Uint8Array([0xaa, 0xbb]),
    })
    expect(Buffer.from(bytes).toString('hex')).toBe(
      // length=18 | version=1 | group=2 | module=8 (PBFT) | packetType=3 | seq | payload
      '00000012' + '0001' + '0002' + '0008' + '0003' + '01020304' + 'aabb',
    )
    expect(decodeFrame(bytes)).toEqual({
      groupId: 2,
      moduleId: 8,
      packetType: 3,
      seq: 0x01020304,
      payload: new Uint8Array([0xaa, 0xbb]),
    })
  })

  it('round-trips edge values', () => {
    for (const f of [
      { groupId: 0, moduleId: 0, packetType: 0, seq: 0, payload: new Uint8Array() },
      {
        groupId: 32767,
        moduleId: 65535,
        packetType: 65535,
        seq: 0xffffffff,
        payload: new Uint8Array(1000).fill(7),
      },
    ]) {
      expect(decodeFrame(encodeFrame(f))).toEqual(f)
    }
  })

  it('enforces the size limit on both sides', () => {
    const f = { groupId: 1, moduleId: 1, packetType: 0, seq: 0, payload: new Uint8Array(100) }
    expect(encodeFrame(f, 100 + FRAME_HEADER_BYTES)).toHaveLength(116)
    expect(() => encodeFrame(f, 115)).toThrow(/116 bytes exceeds the 115-byte limit/)
    const huge = new Uint8Array(26)
    new DataView(huge.buffer).setUint32(0, 0xffffffff)
    expect(() => decodeFrame(huge, 1024)).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }))
  })

  it('refuses malformed frames with the reason', () => {
    const good = encodeFrame({ groupId: 1, moduleId: 1, packetType: 0, seq: 0, payload: new Uint8Array(4) })
    expect(() => decodeFrame(good.subarray(0, 15))).toThrow(/at least 16 bytes of header, got 15/)
    expect(() => decodeFrame(good.subarray(0, 18))).toThrow(/length field says 20 bytes, message has 18/)
    const compressed = good.slice()
    compressed[4] = 0x80
    expect(() => decodeFrame(compressed)).toThrow(/compressed frames are not supported/)
    const v2 = good.slice()
    v2[5] = 2
    expect(() => decodeFrame(v2)).toThrow(/frame version 1, got 2/)
    const negative = good.slice()
    negative[6] = 0xff
    expect(() => decodeFrame(negative)).toThrow(/groupId in 0..32767/)
    expect(() =>
      encodeFrame({ groupId: 40000, moduleId: 1, packetType: 0, seq: 0, payload: new Uint8Array() }),
    ).toThrow(/groupId in 0..32767, got 40000/)
    expect(() =>
      encodeFrame({ groupId: 1, moduleId: 70000, packetType: 0, seq: 0, payload: new Uint8Array() }),
    ).toThrow(/moduleId/)
  })
})
