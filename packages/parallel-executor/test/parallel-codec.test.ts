import type { Receipt, SignedTransaction } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeResults,
  encodeResults,
  ItemNames,
  packTransactions,
  RESULT_ITEM_NAMES_MAX,
  TransactionReader,
} from '../src/parallel/codec.js'
import type { TaskResult } from '../src/parallel/protocol.js'

const bytes = (...values: number[]) => Uint8Array.from(values)

function signed(over: Partial<SignedTransaction['tx']> = {}, sender = bytes(...Array(20).fill(7))) {
  const tx = {
    format: 'rc2' as const,
    nonce: 5n,
    gasPrice: 0n,
    gas: 30_000_000n,
    blockLimit: 900n,
    to: bytes(...Array(20).fill(0x50)),
    value: 0n,
    data: bytes(1, 2, 3, 0, 255),
    chainId: 1n,
    groupId: 1n,
    extraData: new Uint8Array(0),
    signature: { kind: 'ecdsa' as const, v: 28, r: (1n << 255n) + 12345n, s: 99n },
    ...over,
  }
  return { tx, raw: bytes(0xf8, 1, 2), hash: bytes(...Array(32).fill(0xab)), sender } as SignedTransaction
}

describe('parallel codec: transactions packed once per block', () => {
  it('reads back every field of rc1/rc2 transactions, ECDSA and SM2, calls and creations', () => {
    const txs: SignedTransaction[] = [
      signed(),
      signed({ to: null, format: 'rc1', chainId: 0n, groupId: 0n }),
      signed({
        signature: { kind: 'sm2', publicKey: bytes(...Array(64).fill(3)), r: 1n, s: (1n << 256n) - 1n },
        nonce: (1n << 200n) + 1n,
        value: 1n << 64n,
        extraData: bytes(9, 9),
      }),
    ]
    const reader = new TransactionReader(packTransactions(txs))
    expect(reader.length).toBe(3)
    for (let i = 0; i < txs.length; i++) expect(reader.get(i)).toEqual(txs[i])
    // Copies own their buffers: a worker may keep or change them freely.
    const a = reader.get(0)
    expect(a.tx.data.byteLength).toBe(a.tx.data.buffer.byteLength)
    expect(() => reader.get(3)).toThrow(/expected a transaction index below 3, got 3/)
  })

  it('carries transactions with other fields (Ethereum envelopes) whole', () => {
    const eth = {
      ...signed(),
      tx: { ...signed().tx, format: 'eth', eth: { type: 2 } },
    } as unknown as SignedTransaction
    const tagged = { ...signed(), extra: 'kept' } as unknown as SignedTransaction
    const packed = packTransactions([signed(), eth, tagged])
    expect(packed.extras.map(([i]) => i)).toEqual([1, 2])
    const reader = new TransactionReader(packed)
    expect(reader.get(1)).toBe(eth)
    expect(reader.get(2)).toBe(tagged)
    expect(reader.get(0)).toEqual(signed())
  })

  it('round-trips random transactions (seeded)', () => {
    const big = fc.bigInt({ min: 0n, max: (1n << 300n) - 1n })
    const arb = fc.record({
      nonce: big,
      gasPrice: big,
      blockLimit: fc.bigInt({ min: 0n, max: 1n << 63n }),
      data: fc.uint8Array({ maxLength: 300 }),
      to: fc.option(fc.uint8Array({ minLength: 20, maxLength: 20 }), { nil: null }),
      r: big,
      s: big,
    })
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 8 }), (items) => {
        const txs = items.map((x) =>
          signed({
            nonce: x.nonce,
            gasPrice: x.gasPrice,
            blockLimit: x.blockLimit,
            data: x.data,
            to: x.to,
            signature: { kind: 'ecdsa', v: 27, r: x.r, s: x.s },
          }),
        )
        const reader = new TransactionReader(packTransactions(txs))
        for (let i = 0; i < txs.length; i++) expect(reader.get(i)).toEqual(txs[i])
      }),
      { seed: 27_000, numRuns: 100 },
    )
  })
})

describe('parallel codec: result batches in one transferable buffer', () => {
  it('round-trips receipts, read and write sets, session reads, state and table operations', () => {
    const receipt: Receipt = {
      stateRoot: new Uint8Array(32),
      gasUsed: 21_512n,
      contractAddress: new Uint8Array(20),
      logsBloom: Uint8Array.from({ length: 256 }, (_, i) => (i % 17 === 0 ? 1 : 0)),
      status: 0,
      output: bytes(0, 0, 1),
      remainGas: 299_978_488n,
      logs: [{ address: bytes(...Array(20).fill(1)), topics: [bytes(...Array(32).fill(2))], data: bytes(5) }],
    }
    const results: TaskResult[] = [
      {
        index: 7,
        receipt,
        reads: ['r:u_dag_transfer\u0000alice', '[{"user_name":"alice","user_balance":"10"}]', 'a:00', null],
        writes: ['r:u_dag_transfer\u0000alice', '[{"user_name":"alice","user_balance":"9"}]'],
        session: ['r:_sys_config_\u0000tx_gas_limit', '[]'],
        stateOps: [
          ['checkpoint'],
          ['put-account', bytes(1, 2), { nonce: 1n, balance: 0n, codeHash: bytes(...Array(32).fill(4)) }],
          ['put-storage', bytes(1, 2), bytes(3), bytes(0, 9)],
          ['revert'],
          ['commit'],
        ],
        tableOps: [
          ['create', { name: 'u_t', keyField: 'k', valueFields: ['v'] }],
          ['insert', 'u_t', 'a', { v: '1' }, 1],
          ['update', 'u_t', 'a', { v: '2' }, undefined, 1],
          [
            'update',
            'u_t',
            'a',
            { v: '3' },
            { clauses: [{ field: 'v', op: 'EQ', value: '2' }], limit: 1 },
            1,
          ],
          ['remove', 'u_t', 'a', undefined, 1],
        ],
      },
      { index: 8, unsafe: 'putCode' },
      {
        index: 9,
        receipt: {
          ...receipt,
          contractAddress: bytes(...Array(20).fill(9)),
          stateRoot: bytes(...Array(32).fill(1)),
          logs: [],
          logsBloom: new Uint8Array(256),
        },
        reads: [],
        writes: [],
      },
    ]
    const encoded = encodeResults(results)
    expect(encoded.byteLength).toBe(encoded.buffer.byteLength)
    const back = decodeResults(encoded)
    const defined = (r: TaskResult) =>
      JSON.parse(
        JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v)),
      )
    expect(back.map(defined)).toEqual(results.map(defined))
    expect(back[0]?.receipt?.logsBloom).toEqual(receipt.logsBloom)
    expect(back[2]?.receipt?.contractAddress).toEqual(bytes(...Array(20).fill(9)))
    expect(back[1]?.receipt).toBeUndefined()
  })

  it('carries long, non-ASCII and null values, big gas figures and log topics exactly', () => {
    // Code values are thousands of hex characters; table names and keys may be any Unicode.
    const code = 'ab'.repeat(6000)
    const unicode = 'r:u_表\u0000ключ-é'
    const long = `${'x'.repeat(200)}é${'y'.repeat(50)}`
    const receipt: Receipt = {
      stateRoot: bytes(...Array(32).fill(3)),
      gasUsed: (1n << 70n) + 5n,
      contractAddress: new Uint8Array(20),
      logsBloom: new Uint8Array(256),
      status: 0x1a,
      output: new Uint8Array(0),
      remainGas: undefined,
      logs: [
        { address: bytes(...Array(20).fill(1)), topics: [], data: new Uint8Array(0) },
        {
          address: bytes(...Array(20).fill(2)),
          topics: [bytes(...Array(32).fill(3)), bytes(...Array(32).fill(4))],
          data: bytes(...Array(300).fill(5)),
        },
      ],
    }
    const results: TaskResult[] = [
      {
        index: 0,
        receipt,
        reads: ['c:aa', code, unicode, long, 'a:bb', null, '', ''],
        writes: [unicode, '[{"k":"ключ","v":"é"}]'],
        stateOps: [['put-account', bytes(1), { nonce: 0n, balance: (1n << 200n) + 1n, codeHash: bytes(9) }]],
      },
      { index: 70_000, unsafe: 'transient object é' },
    ]
    const back = decodeResults(encodeResults(results))
    expect(back[0]?.reads).toEqual(results[0]?.reads)
    expect(back[0]?.writes).toEqual(results[0]?.writes)
    expect(back[0]?.receipt?.gasUsed).toBe((1n << 70n) + 5n)
    expect(back[0]?.receipt?.remainGas).toBeUndefined()
    expect(back[0]?.receipt?.status).toBe(0x1a)
    expect(back[0]?.receipt?.logs).toEqual(receipt.logs)
    expect(back[0]?.receipt?.stateRoot).toEqual(receipt.stateRoot)
    expect(back[0]?.stateOps).toEqual(results[0]?.stateOps)
    expect(back[1]).toEqual({ index: 70_000, unsafe: 'transient object é' })
    // A batch's buffer is its own (transferred), though the worker reuses its writer.
    const first = encodeResults([{ index: 1, reads: ['a:01', 'x'] }])
    encodeResults([{ index: 2, reads: ['a:02', 'y'] }])
    expect(decodeResults(first)[0]?.reads).toEqual(['a:01', 'x'])
  })

  it('rejects negative bigints, truncated batches and trailing bytes', () => {
    const good = encodeResults([{ index: 3, reads: ['a:01', 'value'], writes: [] }])
    expect(() => decodeResults(good.slice(0, good.length - 2))).toThrow(/truncated/)
    expect(() => decodeResults(Uint8Array.from([...good, 0]))).toThrow(/trailing bytes/)
    const negative: TaskResult = {
      index: 4,
      stateOps: [['put-account', bytes(1), { nonce: -1n, balance: 0n, codeHash: bytes(9) }]],
    }
    expect(() => encodeResults([negative])).toThrow('expected a non-negative nonce, got -1')
  })

  it('carries read versions in place of values, and only in read sets', () => {
    const code = 'ab'.repeat(6000)
    const reads = ['c:aa', 7, 'a:bb', null, 's:aa:1', 2 ** 40 + 3, 'r:t\u0000k', '[]', 'a:cc', 0]
    const result: TaskResult = { index: 9, reads, writes: ['s:aa:1', '05'] }
    const encoded = encodeResults([result])
    expect(decodeResults(encoded)).toEqual([
      {
        index: 9,
        reads,
        writes: ['s:aa:1', '05'],
        unsafe: undefined,
        receipt: undefined,
        session: undefined,
        stateOps: undefined,
        tableOps: undefined,
      },
    ])
    // A version is a few bytes where the value was thousands of characters.
    const byValue = encodeResults([{ index: 9, reads: ['c:aa', code] }])
    expect(encodeResults([{ index: 9, reads: ['c:aa', 7] }]).length).toBeLessThan(byValue.length / 100)
    expect(() => encodeResults([{ index: 1, reads: ['a:01', -1] }])).toThrow(
      "expected a read's version as a safe integer, got -1",
    )
    expect(() => encodeResults([{ index: 1, reads: ['a:01', 1.5] }])).toThrow(/safe integer, got 1.5/)
    // The same bytes read as a write set (flags byte after the count and the index): refused.
    const misplaced = encodeResults([{ index: 1, reads: ['a:01', 5] }])
    misplaced[8] = 8
    expect(() => decodeResults(misplaced)).toThrow('worker result batch has a version outside a read set')
  })
})

describe('parallel codec: item names numbered per worker and block', () => {
  it('sends each item name once, then by number, across batches, and decodes them in order', () => {
    const names = new ItemNames()
    const list: string[] = []
    const first: TaskResult[] = [
      { index: 0, reads: ['i:u_t', 3, 'r:u_t\u0000a', 'x'], writes: ['r:u_t\u0000a', 'y'] },
      { index: 1, reads: ['i:u_t', 3, 'r:u_t\u0000b', null], session: ['i:_sys_config_', 'cfg'] },
    ]
    const second: TaskResult[] = [{ index: 2, reads: ['r:u_t\u0000b', 4, 'i:u_t', 3], writes: [] }]
    const a = encodeResults(first, names)
    expect(names.size).toBe(4)
    const b = encodeResults(second, names)
    expect(decodeResults(a, list)).toEqual(
      first.map((r) => ({
        ...r,
        unsafe: undefined,
        receipt: undefined,
        stateOps: undefined,
        tableOps: undefined,
      })),
    )
    expect(list).toEqual(['i:u_t', 'r:u_t\u0000a', 'r:u_t\u0000b', 'i:_sys_config_'])
    const back = decodeResults(b, list)
    expect(back[0]?.reads).toEqual(second[0]?.reads)
    // Numbered names are the very strings decoded the first time.
    expect(back[0]?.reads?.[2]).toBe(list[0])
    // The second batch is smaller: both of its names went by number.
    const plain = encodeResults(second)
    expect(b.length).toBeLessThan(plain.length)
    // Without the block's list (or with a list that lacks the number) it cannot be read.
    expect(() => decodeResults(b)).toThrow(/no name list given/)
    expect(() => decodeResults(b, [])).toThrow(/names item \d+, not sent before/)
  })

  it('numbers at most its bound of names; later new names travel as strings', () => {
    const names = new ItemNames(2)
    const list: string[] = []
    const results: TaskResult[] = [{ index: 0, reads: ['a:01', 1, 'a:02', 2, 'a:03', 3, 'a:01', 4] }]
    // `a:01` twice in one read set only to exercise a numbered name within the batch.
    const encoded = encodeResults(results, names)
    expect(names.size).toBe(2)
    expect(decodeResults(encoded, list)[0]?.reads).toEqual(results[0]?.reads)
    expect(list).toEqual(['a:01', 'a:02'])
    expect(new ItemNames().size).toBe(0)
    expect(RESULT_ITEM_NAMES_MAX).toBeGreaterThan(0)
    expect(() => new ItemNames(-1)).toThrow(/expected an item names bound as an integer ≥ 0, got -1/)
  })
})
