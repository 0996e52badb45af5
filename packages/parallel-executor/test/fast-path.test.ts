import type { StateView } from '@consortia/interface'
import { Common, Mainnet } from '@ethereumjs/common'
import { Address as EthAddress } from '@ethereumjs/util'
import { encodeAbiParameters, encodeFunctionData, parseAbi } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes, numberToAddress } from '../src/bytes.js'
import {
  BLOOM_HASH_CACHE_MAX,
  createBloomHasher,
  createSerialExecutor,
  decodeValues,
  encodeValues,
  FiscoCommon,
  PrecompiledAddress,
  parseTypes,
  STATE_CACHE_ENTRIES_MAX,
  StateViewAdapter,
  TableOverlay,
} from '../src/index.js'
import { ALICE, blockContext, ecdsa, mptWorld, sm, storageWorld, transaction } from './helpers/chain.js'
import { runScenario, type ScenarioBlock, scenarioContracts } from './helpers/scenario.js'

// solc-js takes seconds, more on a loaded machine than the default 10 s hook timeout allows.
beforeAll(() => {
  scenarioContracts()
}, 120_000)

const SLOW = { precompiledFastPath: false, stateCacheEntriesMax: 0 } as const

describe('precompile fast path and state cache: same results as the plain EVM path', () => {
  // The scenario reaches every receipt kind: see test/helpers/scenario.ts.
  for (const kind of ['storage', 'mpt'] as const) {
    it(`gives identical receipts, gas, state roots and table hashes on ${kind} state`, async () => {
      const run = async (init: Parameters<typeof createSerialExecutor>[0]): Promise<ScenarioBlock[]> => {
        const world = kind === 'storage' ? await storageWorld() : await mptWorld()
        return runScenario(
          world,
          createSerialExecutor(init, { crypto: ecdsa, sm, tables: () => world.tables }),
        )
      }
      const slow = await run(SLOW)
      const fast = await run({})
      expect(fast).toEqual(slow)
      // A cache bound of 3 entries drops the cache over and over; results must not change.
      if (kind === 'storage') expect(await run({ stateCacheEntriesMax: 3 })).toEqual(slow)
      const statuses = new Set(slow.flatMap((b) => b.receipts.map((r) => r.status)))
      // ok, intrinsic gas, out of gas, blockLimit, precompile error, revert, no code
      for (const s of [0, 4, 12, 16, 21, 22, 26]) expect(statuses).toContain(s)
    })
  }

  it('runs a block of precompile transactions without entering the EVM (no state savepoints)', async () => {
    const DAG = parseAbi(['function userAdd(string, uint256) returns (int256)'])
    const dag = numberToAddress(PrecompiledAddress.DagTransfer)
    const count = async (init: Parameters<typeof createSerialExecutor>[0]) => {
      const world = await storageWorld()
      let checkpoints = 0
      const state = world.state
      const counting: StateView = Object.assign(Object.create(state) as StateView, {
        checkpoint: () => {
          checkpoints++
          return state.checkpoint()
        },
      })
      const executor = createSerialExecutor(init, { crypto: ecdsa, tables: () => world.tables })
      const txs = ['a', 'b', 'a'].map((u) =>
        transaction({
          from: ALICE,
          to: dag,
          data: encodeFunctionData({ abi: DAG, functionName: 'userAdd', args: [u, 1n] }),
        }),
      )
      const r = await executor.execute(blockContext(1), txs, counting)
      return {
        checkpoints,
        outputs: r.receipts.map((x) => bytesToHex(x.output)),
        root: bytesToHex(r.stateRoot),
      }
    }
    const fast = await count({})
    const slow = await count({ precompiledFastPath: false })
    expect(fast.checkpoints).toBe(0)
    expect(slow.checkpoints).toBe(3)
    expect(fast.outputs).toEqual(slow.outputs)
    expect(fast.root).toBe(slow.root)
  })
})

describe('StateViewAdapter cache', () => {
  const slot = (n: number) => {
    const s = new Uint8Array(32)
    s[31] = n
    return s
  }

  async function setup(cacheEntriesMax: number) {
    const world = await storageWorld()
    const state = world.state
    let reads = 0
    const counting: StateView = Object.assign(Object.create(state) as StateView, {
      getStorage: (a: Uint8Array, k: Uint8Array) => {
        reads++
        return state.getStorage(a, k)
      },
    })
    const adapter = new StateViewAdapter({
      state: counting,
      tables: new TableOverlay(world.tables),
      hash: ecdsa.hash,
      isPrecompiled: () => false,
      cacheEntriesMax,
    })
    return { adapter, reads: () => reads }
  }
  const who = new EthAddress(ALICE)

  it('serves repeated reads and written values from the cache, and drops it on revert', async () => {
    const { adapter, reads } = await setup(STATE_CACHE_ENTRIES_MAX)
    await adapter.checkpoint()
    await adapter.putStorage(who, slot(1), new Uint8Array([0, 0, 7]))
    expect(await adapter.getStorage(who, slot(1))).toEqual(new Uint8Array([7]))
    expect(await adapter.getStorage(who, slot(2))).toEqual(new Uint8Array(0))
    expect(await adapter.getStorage(who, slot(2))).toEqual(new Uint8Array(0))
    expect(reads()).toBe(1)
    await adapter.revert()
    expect(adapter.cachedEntries).toBe(0)
    // The write was rolled back beneath the cache: the next read goes to the state.
    expect(await adapter.getStorage(who, slot(1))).toEqual(new Uint8Array(0))
    expect(reads()).toBe(2)
  })

  it('never holds more than cacheEntriesMax values, and reads everything from the state at 0', async () => {
    const bounded = await setup(2)
    for (let i = 0; i < 5; i++) {
      await bounded.adapter.getStorage(who, slot(i))
      expect(bounded.adapter.cachedEntries).toBeLessThanOrEqual(2)
    }
    await bounded.adapter.getStorage(who, slot(4))
    expect(bounded.reads()).toBe(5)
    const off = await setup(0)
    await off.adapter.getStorage(who, slot(1))
    await off.adapter.getStorage(who, slot(1))
    expect(off.reads()).toBe(2)
    expect(off.adapter.cachedEntries).toBe(0)
    await expect(setup(-1)).rejects.toThrow('expected cacheEntriesMax ≥ 0, got -1')
  })
})

describe('bloom hash cache', () => {
  it('returns the chain hash, hashes each input once, and starts over at entriesMax', () => {
    let calls = 0
    const hash = (d: Uint8Array) => {
      calls++
      return ecdsa.hash(d)
    }
    const cached = createBloomHasher(hash, 2)
    const inputs = [numberToAddress(1), numberToAddress(2), numberToAddress(1), numberToAddress(3)]
    for (const x of inputs) expect(bytesToHex(cached(x))).toBe(bytesToHex(ecdsa.hash(x)))
    expect(calls).toBe(3)
    // The cache was full at the third distinct input and started over: 1 is hashed again.
    cached(numberToAddress(1))
    expect(calls).toBe(4)
    // Bytes that differ only above 0x7f must not share a key.
    const a = cached(new Uint8Array([0x80]))
    const b = cached(new Uint8Array([0x81]))
    expect(bytesToHex(a)).not.toBe(bytesToHex(b))
    expect(BLOOM_HASH_CACHE_MAX).toBeGreaterThan(2)
    expect(() => createBloomHasher(hash, 0)).toThrow('expected entriesMax ≥ 1, got 0')
  })
})

describe('FiscoCommon', () => {
  it('answers isActivatedEIP as Common does, for every hardfork the executor accepts', () => {
    for (const hardfork of ['istanbul', 'berlin', 'london', 'paris', 'shanghai', 'cancun', 'prague']) {
      const plain = new Common({ chain: Mainnet, hardfork })
      const fast = new FiscoCommon({ chain: Mainnet, hardfork })
      for (let eip = 0; eip <= 8100; eip++) {
        if (fast.isActivatedEIP(eip) !== plain.isActivatedEIP(eip))
          throw new Error(`EIP ${eip} on ${hardfork}: ${fast.isActivatedEIP(eip)}`)
      }
      plain.setHardfork('istanbul')
      fast.setHardfork('istanbul')
      expect(fast.isActivatedEIP(3855)).toBe(plain.isActivatedEIP(3855))
    }
  })
})

describe('ABI fast path', () => {
  it('encodes and decodes the precompiles’ basic types as viem does', () => {
    const cases: [string, unknown[]][] = [
      ['int256', [-51_004n]],
      ['int256,uint256', [0n, (1n << 256n) - 1n]],
      ['string,uint256,bool', ['héllo wörld, a string longer than thirty-two bytes', 4_294_967_296n, true]],
      ['bytes,address,bytes32', ['0x0102', `0x${'ab'.repeat(20)}`, `0x${'cd'.repeat(32)}`]],
      ['string,string', ['', 'x']],
    ]
    for (const [list, values] of cases) {
      const types = parseTypes(list)
      const viem = hexToBytes(encodeAbiParameters(types, values))
      expect(bytesToHex(encodeValues(types, values))).toBe(bytesToHex(viem))
      expect(decodeValues(types, viem)).toEqual(values)
    }
    const types = parseTypes('string')
    const huge = hexToBytes(`${'00'.repeat(25)}${'ff'.repeat(7)}`)
    expect(() => decodeValues(types, huge)).toThrow('past the end')
  })
})
