import { createServer } from 'node:net'
import { createCryptoSuite, sm3 as cryptoSm3 } from '@consortia/crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { encodeAbiParameters, encodeEventTopics, encodeFunctionData, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  ABI_BOOK_MAX,
  ABI_JSON_BYTES_MAX,
  BLOCK_SIGNATURES_MAX,
  bytesToHex,
  classifySearch,
  cnsAbiEntry,
  createAbiBook,
  createExplorerRpc,
  createTpsSeries,
  decodeInput,
  decodeLog,
  hexToBytes,
  isExplorerAppError,
  LIVE_PUSH_BYTES_MAX,
  parseAbiJson,
  parseLivePush,
  quantityToNumber,
  RPC_BATCH_MAX,
  SEARCH_TEXT_MAX,
  SM3_INPUT_BYTES_MAX,
  shortHex,
  sm2Verify,
  sm3,
  verifyBlockSignatures,
} from '../src/index.js'

/** Fixed test keys (1, 2, 3, 4 as 32-byte scalars): deterministic sealers. */
const keys = [1, 2, 3, 4].map((k) => {
  const sk = new Uint8Array(32)
  sk[31] = k
  return sk
})
const nodeIds = keys.map((sk) => bytesToHex(secp256k1.getPublicKey(sk, false).subarray(1)).slice(2))
const blockHash = `0x${'ab'.repeat(32)}`

function sign(index: number, hash = blockHash): { index: string; signature: string } {
  const rec = secp256k1.sign(hexToBytes(hash, 'hash'), keys[index]!, {
    prehash: false,
    format: 'recovered',
    lowS: true,
  })
  // noble's recovered format is v‖r‖s; FISCO's is r‖s‖v.
  const rsv = new Uint8Array(65)
  rsv.set(rec.subarray(1), 0)
  rsv[64] = rec[0]!
  return { index: `0x${index.toString(16)}`, signature: bytesToHex(rsv) }
}

describe('verifyBlockSignatures', () => {
  it('accepts signatures of the block hash by the listed sealers', () => {
    const checks = verifyBlockSignatures(
      { hash: blockHash, sealerList: nodeIds, signatureList: [sign(0), sign(2), sign(3)] },
      'ecdsa',
    )
    expect(checks.map((c) => [c.index, c.status])).toEqual([
      [0, 'valid'],
      [2, 'valid'],
      [3, 'valid'],
    ])
    expect(checks[1]!.nodeId).toBe(nodeIds[2])
  })

  it('rejects a signature under the wrong index, of another hash, tampered, duplicated or out of range', () => {
    const tampered = sign(1)
    const bytes = hexToBytes(tampered.signature, 'sig')
    bytes[10] = bytes[10]! ^ 1
    const checks = verifyBlockSignatures(
      {
        hash: blockHash,
        sealerList: nodeIds,
        signatureList: [
          { ...sign(0), index: '0x1' },
          sign(2, `0x${'cd'.repeat(32)}`),
          { index: '0x1', signature: bytesToHex(bytes) },
          sign(3),
          sign(3),
          { index: '0x9', signature: sign(0).signature },
          { index: '0x0', signature: '0x1234' },
        ],
      },
      'ecdsa',
    )
    expect(checks.map((c) => c.status)).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'valid',
      'invalid',
      'invalid',
      'invalid',
    ])
    expect(checks[4]!.reason).toBe('sealer listed twice')
    expect(checks[5]!.reason).toBe('index outside the sealer list')
    expect(checks[6]!.reason).toContain('signature: expected 65 bytes, got 2 bytes')
  })

  it('checks SM2 signatures of the SM suite against the node IDs, and labels a bad block hash', () => {
    const sm = createCryptoSuite('sm')
    const smKeys = [11, 12, 13].map((k) => Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? k : 0)))
    const smIds = smKeys.map((k) => bytesToHex(sm.publicKey(k)).slice(2))
    const hash = hexToBytes(blockHash, 'hash')
    const entry = (i: number, key = smKeys[i]!) => ({
      index: `0x${i.toString(16)}`,
      signature: bytesToHex(sm.sign(hash, key)),
    })
    const checks = verifyBlockSignatures(
      { hash: blockHash, sealerList: smIds, signatureList: [entry(0), entry(1), entry(2, smKeys[0])] },
      'sm',
    )
    expect(checks.map((c) => c.status)).toEqual(['valid', 'valid', 'invalid'])
    expect(checks[2]!.reason).toBe('the public key in the signature is not this sealer')
    // A forged r‖s with the right public key appended.
    const forged = hexToBytes(entry(1).signature, 'sig')
    forged[5] = forged[5]! ^ 0xff
    const bad = verifyBlockSignatures(
      {
        hash: blockHash,
        sealerList: smIds,
        signatureList: [{ index: '0x1', signature: bytesToHex(forged) }],
      },
      'sm',
    )
    expect(bad[0]!.status).toBe('invalid')
    expect(() => verifyBlockSignatures({ hash: '0x12', sealerList: nodeIds }, 'ecdsa')).toThrow(
      'block.hash: expected 32 bytes, got 1 bytes',
    )
  })

  it(`checks at most ${BLOCK_SIGNATURES_MAX} entries`, () => {
    const one = sign(0)
    const list = Array.from({ length: BLOCK_SIGNATURES_MAX + 10 }, () => one)
    expect(
      verifyBlockSignatures({ hash: blockHash, sealerList: nodeIds, signatureList: list }, 'ecdsa'),
    ).toHaveLength(BLOCK_SIGNATURES_MAX)
  })
})

const tokenAbi = parseAbi([
  'function transfer(address to, uint256 amount) returns (bool)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
])
const alice = '0x00000000000000000000000000000000000a11ce'
const bob = '0x0000000000000000000000000000000000000b0b'

describe('ABI decoding', () => {
  it('decodes a call input and an event log', () => {
    const input = encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [bob, 1234n] })
    expect(decodeInput(tokenAbi, input)).toEqual({
      name: 'transfer',
      args: [
        { name: 'to', type: 'address', value: '0x0000000000000000000000000000000000000B0b' },
        { name: 'amount', type: 'uint256', value: '1234' },
      ],
    })
    const topics = encodeEventTopics({ abi: tokenAbi, eventName: 'Transfer', args: { from: alice, to: bob } })
    const data = encodeAbiParameters([{ type: 'uint256' }], [99n])
    const decoded = decodeLog(tokenAbi, { address: alice, topics: topics as string[], data })
    expect(decoded?.name).toBe('Transfer')
    expect(decoded?.args.map((a) => a.value)).toEqual([
      '0x00000000000000000000000000000000000A11cE',
      '0x0000000000000000000000000000000000000B0b',
      '99',
    ])
  })

  it('gives undefined for data the ABI does not describe', () => {
    expect(decodeInput(tokenAbi, '0xdeadbeef')).toBeUndefined()
    expect(decodeInput(tokenAbi, '0x')).toBeUndefined()
    expect(
      decodeLog(tokenAbi, { address: alice, topics: [`0x${'11'.repeat(32)}`], data: '0x' }),
    ).toBeUndefined()
  })

  it('parses ABI JSON (plain or an artifact) and labels bad input', () => {
    expect(parseAbiJson(JSON.stringify(tokenAbi))).toHaveLength(2)
    expect(parseAbiJson(JSON.stringify({ contractName: 'T', abi: tokenAbi }))).toHaveLength(2)
    expect(() => parseAbiJson('{oops')).toThrow('abi: not JSON')
    expect(() => parseAbiJson('{"x":1}')).toThrow('abi: expected a JSON array of ABI fragments')
    expect(() => parseAbiJson('[{"name":"f"}]')).toThrow('abi[0]: expected a fragment object with a "type"')
    expect(() => parseAbiJson(' '.repeat(ABI_JSON_BYTES_MAX + 1))).toThrow(
      `at most ${ABI_JSON_BYTES_MAX} bytes`,
    )
  })

  it(`remembers at most ${ABI_BOOK_MAX} ABIs, forgetting the oldest`, () => {
    const book = createAbiBook()
    for (let i = 0; i <= ABI_BOOK_MAX; i++) {
      book.set({ address: `0x${i.toString(16).padStart(40, '0')}`, source: 'upload', abi: tokenAbi })
    }
    expect(book.entries()).toHaveLength(ABI_BOOK_MAX)
    expect(book.get(`0x${'0'.repeat(40)}`)).toBeUndefined()
    expect(book.get(`0x${ABI_BOOK_MAX.toString(16).padStart(40, '0').toUpperCase()}`)?.source).toBe('upload')
    expect(() => book.set({ address: '0x12', source: 'upload', abi: tokenAbi })).toThrow(
      'address: expected a 20-byte 0x address',
    )
    // Saved entries round-trip; corrupted ones are dropped.
    const again = createAbiBook([...book.entries().slice(0, 2), { address: 'bad', source: 'x', abi: [] }])
    expect(again.entries()).toHaveLength(2)
  })

  it('builds a book entry from a CNS row', () => {
    const entry = cnsAbiEntry({
      name: 'Token',
      version: '1.0',
      address: alice.slice(2),
      abi: JSON.stringify(tokenAbi),
    })
    expect(entry.address).toBe(alice)
    expect(entry.source).toBe('cns:Token@1.0')
  })
})

describe('classifySearch', () => {
  it('tells block numbers, hashes and addresses apart', () => {
    expect(classifySearch(' 42 ')).toEqual({ kind: 'block', number: 42 })
    expect(classifySearch('0x1f')).toEqual({ kind: 'block', number: 31 })
    expect(classifySearch(`0x${'AB'.repeat(32)}`)).toEqual({ kind: 'hash', hash: `0x${'ab'.repeat(32)}` })
    expect(classifySearch('cd'.repeat(32))).toEqual({ kind: 'hash', hash: `0x${'cd'.repeat(32)}` })
    expect(classifySearch(alice)).toEqual({ kind: 'address', address: alice })
  })

  it('explains what is wrong with anything else', () => {
    expect(classifySearch('')).toMatchObject({ kind: 'invalid' })
    expect(classifySearch('hello')).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('expected a block number'),
    })
    expect(classifySearch(`0x${'a'.repeat(62)}`)).toEqual({
      kind: 'invalid',
      reason: 'expected a 32-byte hash or a 20-byte address, got 31 bytes',
    })
    expect(classifySearch('1'.repeat(SEARCH_TEXT_MAX + 1))).toMatchObject({ kind: 'invalid' })
  })
})

describe('createTpsSeries', () => {
  it('computes transactions per second between samples', () => {
    const s = createTpsSeries()
    s.push({ at: 1000, txSum: 0, height: 1 })
    s.push({ at: 2000, txSum: 50, height: 2 })
    s.push({ at: 2000, txSum: 60, height: 3 }) // not newer: ignored
    s.push({ at: 4000, txSum: 150, height: 4 })
    expect(s.data()).toEqual([
      [2, 4],
      [50, 50],
      [2, 4],
    ])
    expect(s.average()).toBe(50)
  })

  it('keeps at most `max` points', () => {
    const s = createTpsSeries(5)
    for (let i = 0; i < 20; i++) s.push({ at: i * 1000, txSum: i * 10, height: i })
    const [t, tps] = s.data()
    expect(t).toHaveLength(5)
    expect(t[0]).toBe(15)
    expect(tps.every((x) => x === 10)).toBe(true)
  })
})

describe('parseLivePush', () => {
  it('reads status and error pushes', () => {
    const status = {
      type: 'status',
      at: 5,
      peers: 3,
      groups: [{ groupId: 1, height: 9, pendingTxs: 0, view: null, txSum: 4 }],
    }
    expect(parseLivePush(JSON.stringify(status))).toEqual(status)
    expect(parseLivePush('{"type":"error","at":1,"message":"down"}')).toEqual({
      type: 'error',
      at: 1,
      message: 'down',
    })
  })

  it('labels malformed pushes', () => {
    expect(() => parseLivePush('nope')).toThrow('push: expected JSON')
    expect(() => parseLivePush('{"type":"status","at":1,"peers":0,"groups":[{"groupId":1}]}')).toThrow(
      'push.groups[0].height: expected a number',
    )
    expect(() => parseLivePush('{"type":"other","at":1}')).toThrow('push.type')
    expect(() => parseLivePush(' '.repeat(LIVE_PUSH_BYTES_MAX + 1))).toThrow(
      `at most ${LIVE_PUSH_BYTES_MAX} bytes`,
    )
  })
})

describe('sm3 and sm2Verify', () => {
  it('match the GB/T 32905-2016 example and @consortia/crypto', () => {
    // GB/T 32905-2016 Appendix A, example 1: SM3("abc").
    expect(bytesToHex(sm3(new TextEncoder().encode('abc')))).toBe(
      '0x66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    )
    // Appendix A, example 2: SM3("abcd" × 16), a two-block message.
    expect(bytesToHex(sm3(new TextEncoder().encode('abcd'.repeat(16))))).toBe(
      '0xdebe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    )
    for (const len of [0, 55, 56, 63, 64, 65, 200]) {
      const data = Uint8Array.from({ length: len }, (_, i) => (i * 7 + len) & 0xff)
      expect(bytesToHex(sm3(data))).toBe(bytesToHex(cryptoSm3(data)))
    }
    const sm = createCryptoSuite('sm')
    const key = Uint8Array.from({ length: 32 }, (_, i) => i + 5)
    const msg = sm3(new TextEncoder().encode('block'))
    const sig = sm.sign(msg, key)
    expect(sm2Verify(msg, sig.subarray(0, 64), sm.publicKey(key))).toBe(true)
    expect(sm2Verify(sm3(msg), sig.subarray(0, 64), sm.publicKey(key))).toBe(false)
    expect(sm2Verify(msg, new Uint8Array(64), sm.publicKey(key))).toBe(false)
    expect(() => sm2Verify(msg, sig, sm.publicKey(key))).toThrow(
      'signature: expected r‖s of 64 bytes, got 128 bytes',
    )
    expect(() => sm3(new Uint8Array(SM3_INPUT_BYTES_MAX + 1))).toThrow(`at most ${SM3_INPUT_BYTES_MAX} bytes`)
  })
})

describe('hex helpers', () => {
  it('convert and label', () => {
    expect(bytesToHex(hexToBytes('0x00ff10', 'x'))).toBe('0x00ff10')
    expect(() => hexToBytes('0xabc', 'x')).toThrow('x: expected an even-length hex string')
    expect(quantityToNumber('0x1a', 'n')).toBe(26)
    expect(() => quantityToNumber('zz', 'n')).toThrow('n: expected a non-negative quantity')
    expect(shortHex(`0x${'a'.repeat(64)}`)).toBe(`0x${'a'.repeat(8)}…${'a'.repeat(8)}`)
  })
})

describe('createExplorerRpc', () => {
  it('reports a server that does not answer as unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer()
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const rpc = createExplorerRpc({ url: `http://127.0.0.1:${port}/rpc`, timeoutMs: 2000 })
    const err = await rpc.call('getBlockNumber', [1]).catch((e: unknown) => e)
    expect(isExplorerAppError(err, 'EXPLORER_UNREACHABLE')).toBe(true)
  })

  it(`refuses batches over ${RPC_BATCH_MAX} calls before sending`, async () => {
    const rpc = createExplorerRpc({ url: 'http://127.0.0.1:1/rpc' })
    const calls = Array.from({ length: RPC_BATCH_MAX + 1 }, () => ({ method: 'getBlockNumber', params: [1] }))
    await expect(rpc.batch(calls)).rejects.toThrow(
      `batch: expected at most ${RPC_BATCH_MAX} calls, got ${RPC_BATCH_MAX + 1}`,
    )
  })
})
