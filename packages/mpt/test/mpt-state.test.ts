import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Bytes, isChainError } from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { createMemoryKvStore, createSeededRandom, stateViewComplianceSuite } from '@consortia/testkit'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToHex0x, bytesToHexRaw } from '../src/bytes.js'
import { createMPTState, MPT_KEY_PREFIX_DEFAULT, type MPTState } from '../src/mpt-state.js'
import { STATE_ROOT_VECTORS } from './fixtures/state-roots.js'
import { addressOf, loadVectorAccount, slotOf, wordOf } from './helpers.js'

const levelRoot = mkdtempSync(join(tmpdir(), 'consortia-mpt-state-'))
let levelN = 0
const levelPath = () => join(levelRoot, `s${levelN++}`)
afterAll(() => rmSync(levelRoot, { recursive: true, force: true }))

stateViewComplianceSuite('MPTState on memory KvStore', () => createMPTState({ store: createMemoryKvStore() }))
stateViewComplianceSuite('MPTState on LevelDB', async () =>
  createMPTState({ store: await createLevelKvStore({ location: levelPath() }) }),
)

const code = (e: unknown) => (isChainError(e) ? e.code : String(e))
const acct = (state: MPTState, nonce: bigint) => ({ nonce, balance: 0n, codeHash: state.emptyCodeHash })

describe('MPTState state roots (ethereum/tests vectors)', () => {
  it.each(STATE_ROOT_VECTORS.map((v) => [v.source, v] as const))('%s', async (_source, vector) => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    for (const [address, account] of Object.entries(vector.accounts))
      await loadVectorAccount(state, address, account)
    expect(bytesToHex0x(await state.stateRoot())).toBe(vector.stateRoot)
  })

  it('gives the same root when accounts load in reverse order inside reverted and committed checkpoints', async () => {
    const vector = STATE_ROOT_VECTORS[1]!
    const state = await createMPTState({ store: createMemoryKvStore() })
    for (const [address, account] of Object.entries(vector.accounts).reverse()) {
      await state.checkpoint()
      await state.putStorage(addressOf(99), slotOf(1), wordOf(1))
      await state.revert()
      await state.checkpoint()
      await loadVectorAccount(state, address, account)
      await state.commit()
    }
    expect(bytesToHex0x(await state.stateRoot())).toBe(vector.stateRoot)
  })

  it('commits a vector to LevelDB and reopens it at the head root', async () => {
    const vector = STATE_ROOT_VECTORS[0]!
    const location = levelPath()
    const store = await createLevelKvStore({ location })
    const state = await createMPTState({ store })
    for (const [address, account] of Object.entries(vector.accounts))
      await loadVectorAccount(state, address, account)
    const { stateRoot } = await state.commitBlock()
    expect(bytesToHex0x(stateRoot)).toBe(vector.stateRoot)
    await store.close()

    const store2 = await createLevelKvStore({ location })
    const reopened = await createMPTState({ store: store2 })
    expect(bytesToHex0x(await reopened.stateRoot())).toBe(vector.stateRoot)
    for (const [address, account] of Object.entries(vector.accounts)) {
      const addr = Uint8Array.from(Buffer.from(address.slice(2), 'hex'))
      expect((await reopened.getAccount(addr))?.nonce).toBe(BigInt(account.nonce))
      expect(bytesToHex0x(await reopened.getCode(addr))).toBe(account.code)
      for (const [slot, value] of Object.entries(account.storage)) {
        const got = await reopened.getStorage(
          addr,
          Uint8Array.from(Buffer.from(slot.slice(2).padStart(64, '0'), 'hex')),
        )
        expect(BigInt(bytesToHex0x(got) === '0x' ? 0 : bytesToHex0x(got))).toBe(BigInt(value))
      }
    }
    await store2.close()
  })
})

describe('MPTState block commit', () => {
  it('keeps writes out of the store until commitBlock, then writes them in one batch', async () => {
    const store = createMemoryKvStore()
    const state = await createMPTState({ store })
    for (let i = 0; i < 50; i++) await state.putStorage(addressOf(1), slotOf(i), wordOf(i + 1))
    await state.putCode(addressOf(1), Uint8Array.of(0x60, 0x01))
    expect(store.size).toBe(0)
    expect(store.writeCount).toBe(0)
    const commit = await state.commitBlock()
    expect(store.writeCount).toBe(1)
    expect(commit.batchOps).toBe(commit.nodeWrites + 1)
    expect(store.size).toBe(commit.nodeWrites + 1)
    expect(state.pendingWrites).toBe(0)
    expect(state.committedStateRoot).toEqual(commit.stateRoot)
    const head = await store.get(
      new Uint8Array([...MPT_KEY_PREFIX_DEFAULT, ...new TextEncoder().encode('head')]),
    )
    expect(head).toEqual(commit.stateRoot)
  })

  it('writes extraOps in the same batch', async () => {
    const store = createMemoryKvStore()
    const state = await createMPTState({ store })
    await state.putAccount(addressOf(1), acct(state, 1n))
    const key = new TextEncoder().encode('block:1')
    await state.commitBlock({ extraOps: [{ type: 'put', key, value: Uint8Array.of(1) }], sync: false })
    expect(store.writeCount).toBe(1)
    expect(await store.get(key)).toEqual(Uint8Array.of(1))
  })

  it('hands out the write set for the host to store, then forgets it on markBlockWritten', async () => {
    const store = createMemoryKvStore()
    const state = await createMPTState({ store })
    await state.putStorage(addressOf(1), slotOf(1), wordOf(7))
    const set = await state.blockWriteSet()
    expect(store.size).toBe(0)
    await store.batch(set.ops)
    await state.markBlockWritten()
    expect(state.pendingWrites).toBe(0)
    const reopened = await createMPTState({ store })
    expect(await reopened.stateRoot()).toEqual(set.stateRoot)
    expect(await reopened.getStorage(addressOf(1), slotOf(1))).toEqual(wordOf(7))
    await expect(state.markBlockWritten()).rejects.toSatisfy((e) => code(e) === 'MPT_WRITE_SET_STALE')
  })

  it('refuses markBlockWritten when the state changed after blockWriteSet', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    await state.putStorage(addressOf(1), slotOf(1), wordOf(7))
    await state.blockWriteSet()
    await state.clearStorage(addressOf(1))
    await expect(state.markBlockWritten()).rejects.toSatisfy((e) => code(e) === 'MPT_WRITE_SET_STALE')
    // Nothing was dropped: the change made after the write set is still there.
    expect((await state.getStorage(addressOf(1), slotOf(1))).length).toBe(0)
    const again = await state.blockWriteSet()
    await state.markBlockWritten()
    expect(state.committedStateRoot).toEqual(again.stateRoot)
  })

  it('leaves no nodes of reverted writes in the block', async () => {
    const plain = await createMPTState({ store: createMemoryKvStore() })
    const withRevert = await createMPTState({ store: createMemoryKvStore() })
    for (const s of [plain, withRevert]) await s.putStorage(addressOf(1), slotOf(1), wordOf(1))
    await withRevert.checkpoint()
    for (let i = 0; i < 20; i++) await withRevert.putStorage(addressOf(2), slotOf(i), wordOf(i + 1))
    await withRevert.putCode(addressOf(2), Uint8Array.of(1, 2, 3))
    await withRevert.revert()
    const a = await plain.commitBlock()
    const b = await withRevert.commitBlock()
    expect(b.stateRoot).toEqual(a.stateRoot)
    expect(b.nodeWrites).toBe(a.nodeWrites)
  })

  it('refuses commitBlock and discardBlock while a checkpoint is open', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    await state.checkpoint()
    await expect(state.commitBlock()).rejects.toSatisfy((e) => code(e) === 'MPT_CHECKPOINT_OPEN')
    await expect(state.discardBlock()).rejects.toSatisfy((e) => code(e) === 'MPT_CHECKPOINT_OPEN')
    await state.commit()
    await state.commitBlock()
  })

  it('discardBlock returns to the committed root', async () => {
    const store = createMemoryKvStore()
    const state = await createMPTState({ store })
    await state.putStorage(addressOf(1), slotOf(1), wordOf(1))
    const { stateRoot } = await state.commitBlock()
    await state.putStorage(addressOf(1), slotOf(1), wordOf(2))
    await state.putAccount(addressOf(2), acct(state, 3n))
    await state.discardBlock()
    expect(await state.stateRoot()).toEqual(stateRoot)
    expect(await state.getStorage(addressOf(1), slotOf(1))).toEqual(wordOf(1))
    expect(await state.getAccount(addressOf(2))).toBeUndefined()
    expect(state.pendingWrites).toBe(0)
  })

  it('reopens any committed root, and refuses a root whose nodes are absent', async () => {
    const store = createMemoryKvStore()
    const state = await createMPTState({ store })
    await state.putStorage(addressOf(1), slotOf(1), wordOf(1))
    const first = await state.commitBlock()
    await state.putStorage(addressOf(1), slotOf(1), wordOf(2))
    await state.commitBlock()
    const old = await createMPTState({ store, root: first.stateRoot })
    expect(await old.getStorage(addressOf(1), slotOf(1))).toEqual(wordOf(1))
    const head = await createMPTState({ store })
    expect(await head.getStorage(addressOf(1), slotOf(1))).toEqual(wordOf(2))
    await expect(createMPTState({ store, root: new Uint8Array(32).fill(9) })).rejects.toSatisfy(
      (e) => code(e) === 'MPT_MISSING_NODE',
    )
  })

  it('keeps the writes buffered when the store fails, so commitBlock can be retried', async () => {
    const inner = createMemoryKvStore()
    let fail = true
    const store = {
      ...inner,
      get: inner.get,
      async batch(...args: Parameters<typeof inner.batch>) {
        if (fail) throw new Error('disk full')
        return inner.batch(...args)
      },
    }
    const state = await createMPTState({ store })
    await state.putStorage(addressOf(1), slotOf(1), wordOf(5))
    await expect(state.commitBlock()).rejects.toThrow('disk full')
    fail = false
    const { stateRoot } = await state.commitBlock()
    const reopened = await createMPTState({ store: inner })
    expect(await reopened.stateRoot()).toEqual(stateRoot)
    expect(await reopened.getStorage(addressOf(1), slotOf(1))).toEqual(wordOf(5))
  })
})

describe('MPTState limits', () => {
  it('refuses checkpoints past checkpointDepthMax', async () => {
    const state = await createMPTState({ store: createMemoryKvStore(), checkpointDepthMax: 3 })
    for (let i = 0; i < 3; i++) await state.checkpoint()
    await expect(state.checkpoint()).rejects.toSatisfy((e) => code(e) === 'MPT_CHECKPOINT_DEPTH')
    expect(state.checkpointDepth).toBe(3)
    for (let i = 0; i < 3; i++) await state.revert()
    await expect(state.revert()).rejects.toSatisfy((e) => code(e) === 'MPT_NO_CHECKPOINT')
    await expect(state.commit()).rejects.toSatisfy((e) => code(e) === 'MPT_NO_CHECKPOINT')
  })

  it('refuses writes past blockWritesMax until the block is committed', async () => {
    const state = await createMPTState({ store: createMemoryKvStore(), blockWritesMax: 40 })
    let written = 0
    let error: unknown
    try {
      for (; written < 100; written++) await state.putStorage(addressOf(1), slotOf(written), wordOf(1))
    } catch (e) {
      error = e
    }
    expect(code(error)).toBe('MPT_BLOCK_TOO_LARGE')
    expect(written).toBeGreaterThan(3)
    // Reads still work and the block commits everything written before the refusal.
    expect(await state.getStorage(addressOf(1), slotOf(written - 1))).toEqual(wordOf(1))
    await state.commitBlock()
    await state.putStorage(addressOf(1), slotOf(written), wordOf(1))
    expect(await state.getStorage(addressOf(1), slotOf(0))).toEqual(wordOf(1))
  })

  it('bounds the read cache by readCacheMax', async () => {
    const store = createMemoryKvStore()
    const writer = await createMPTState({ store })
    for (let i = 0; i < 200; i++) await writer.putStorage(addressOf(i % 7), slotOf(i), wordOf(i + 1))
    await writer.commitBlock()
    const reader = await createMPTState({ store, readCacheMax: 16 })
    for (let i = 0; i < 200; i++)
      expect(await reader.getStorage(addressOf(i % 7), slotOf(i))).toEqual(wordOf(i + 1))
    expect(reader.readCacheEntries).toBe(16)
    const readsBefore = reader.storeReads
    await reader.getStorage(addressOf(199 % 7), slotOf(199))
    // The most recent path is cached: reading it again costs no store read.
    expect(reader.storeReads).toBe(readsBefore)
  })

  it('bounds cached account leaves by accountCacheMax and stays correct after eviction', async () => {
    const state = await createMPTState({ store: createMemoryKvStore(), accountCacheMax: 4 })
    for (let a = 0; a < 10; a++) await state.putAccount(addressOf(a), acct(state, BigInt(a + 1)))
    for (let a = 0; a < 10; a++) await state.putStorage(addressOf(a), slotOf(1), wordOf(a + 1))
    expect(state.cachedAccounts).toBe(4)
    for (let a = 0; a < 10; a++) {
      expect((await state.getAccount(addressOf(a)))?.nonce).toBe(BigInt(a + 1))
      expect(await state.getStorage(addressOf(a), slotOf(1))).toEqual(wordOf(a + 1))
    }
    const uncached = await createMPTState({ store: createMemoryKvStore(), accountCacheMax: 0 })
    for (let a = 0; a < 10; a++) await uncached.putAccount(addressOf(a), acct(uncached, BigInt(a + 1)))
    for (let a = 0; a < 10; a++) await uncached.putStorage(addressOf(a), slotOf(1), wordOf(a + 1))
    expect(uncached.cachedAccounts).toBe(0)
    expect(await uncached.stateRoot()).toEqual(await state.stateRoot())
  })

  it('hands out copies: mutating a returned codeHash does not change the state', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    await state.putCode(addressOf(1), Uint8Array.of(1))
    const got = (await state.getAccount(addressOf(1)))!
    const hash = got.codeHash.slice()
    got.codeHash.fill(0)
    expect((await state.getAccount(addressOf(1)))?.codeHash).toEqual(hash)
    expect(await state.getCode(addressOf(1))).toEqual(Uint8Array.of(1))
  })

  it('bounds open storage tries by storageTrieCacheMax and stays correct after eviction', async () => {
    const state = await createMPTState({ store: createMemoryKvStore(), storageTrieCacheMax: 4 })
    for (let round = 0; round < 3; round++) {
      for (let a = 0; a < 10; a++)
        await state.putStorage(addressOf(a), slotOf(round), wordOf(a * 10 + round + 1))
    }
    expect(state.openStorageTries).toBe(4)
    for (let a = 0; a < 10; a++) {
      for (let round = 0; round < 3; round++) {
        expect(await state.getStorage(addressOf(a), slotOf(round))).toEqual(wordOf(a * 10 + round + 1))
      }
    }
  })
})

describe('MPTState semantics', () => {
  it('has the Ethereum empty roots under Keccak-256', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    expect(bytesToHex0x(await state.stateRoot())).toBe(
      '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
    )
    expect(bytesToHex0x(state.emptyCodeHash)).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
  })

  it('uses the injected hash for nodes, keys and code', async () => {
    const state = await createMPTState({ store: createMemoryKvStore(), hash: sha256 })
    expect(state.emptyTrieRoot).toEqual(sha256(Uint8Array.of(0x80)))
    expect(state.emptyCodeHash).toEqual(sha256(new Uint8Array()))
    await state.putCode(addressOf(1), Uint8Array.of(1, 2))
    expect((await state.getAccount(addressOf(1)))?.codeHash).toEqual(sha256(Uint8Array.of(1, 2)))
    const keccakState = await createMPTState({ store: createMemoryKvStore() })
    await keccakState.putCode(addressOf(1), Uint8Array.of(1, 2))
    expect(await state.stateRoot()).not.toEqual(await keccakState.stateRoot())
  })

  it('creates an empty account for storage written to an absent address; clearing absent storage is a no-op', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    await state.clearStorage(addressOf(5))
    expect(await state.getAccount(addressOf(5))).toBeUndefined()
    expect(await state.stateRoot()).toEqual(state.emptyTrieRoot)
    await state.putStorage(addressOf(5), slotOf(1), wordOf(1))
    const emptyAccount = { nonce: 0n, balance: 0n, codeHash: state.emptyCodeHash }
    expect(await state.getAccount(addressOf(5))).toEqual(emptyAccount)
    await state.putStorage(addressOf(5), slotOf(1), wordOf(0))
    // The account stays, with an empty storage root: the same state as putAccount of an empty account.
    const other = await createMPTState({ store: createMemoryKvStore() })
    await other.putAccount(addressOf(5), emptyAccount)
    expect(await state.stateRoot()).toEqual(await other.stateRoot())
  })

  it('keeps storage when putAccount rewrites nonce and balance', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    await state.putAccount(addressOf(1), acct(state, 1n))
    await state.putStorage(addressOf(1), slotOf(1), wordOf(9))
    await state.putAccount(addressOf(1), { ...acct(state, 2n), balance: 5n })
    expect(await state.getStorage(addressOf(1), slotOf(1))).toEqual(wordOf(9))
    const record = await state.getAccountWithStorageRoot(addressOf(1))
    expect(record?.storageRoot).not.toEqual(state.emptyTrieRoot)
    expect(record?.balance).toBe(5n)
  })

  it('reports a trie node missing from the store as MPT_MISSING_NODE, not as empty', async () => {
    const store = createMemoryKvStore()
    const state = await createMPTState({ store })
    for (let i = 0; i < 40; i++) await state.putStorage(addressOf(1), slotOf(i), wordOf(i + 1))
    await state.commitBlock()
    // Delete one storage-trie node (a 36-byte key: prefix + hash) that is not the head or the account leaf path.
    const reopened = await createMPTState({ store, readCacheMax: 0 })
    const before = reopened.storeReads
    await reopened.getStorage(addressOf(1), slotOf(7))
    expect(reopened.storeReads).toBeGreaterThan(before)
    const nodeKeys: Uint8Array[] = []
    for await (const [key] of store.iterate())
      if (key.length === MPT_KEY_PREFIX_DEFAULT.length + 32) nodeKeys.push(key)
    let detected = 0
    for (const key of nodeKeys) {
      const value = (await store.get(key))!
      await store.del(key)
      const probe = await createMPTState({ store, readCacheMax: 0 }).catch((e) => e)
      if (isChainError(probe, 'MPT_MISSING_NODE'))
        detected++ // the root node itself
      else {
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) => (probe as MPTState).getStorage(addressOf(1), slotOf(i))),
        )
        const failed = results.filter((r) => r.status === 'rejected')
        expect(failed.length).toBeGreaterThan(0)
        for (const r of failed) expect(code((r as PromiseRejectedResult).reason)).toBe('MPT_MISSING_NODE')
        detected++
      }
      await store.put(key, value)
    }
    expect(detected).toBe(nodeKeys.length)
  })

  it('reports code missing from the store as MPT_MISSING_NODE', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    await state.putAccount(addressOf(1), { nonce: 0n, balance: 0n, codeHash: new Uint8Array(32).fill(7) })
    await expect(state.getCode(addressOf(1))).rejects.toSatisfy((e) => code(e) === 'MPT_MISSING_NODE')
  })

  it('checks inputs at the boundary with labelled errors', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    await expect(state.getAccount(new Uint8Array(19))).rejects.toThrow(
      'address: expected 20-byte address, got 19',
    )
    await expect(state.getStorage(addressOf(1), new Uint8Array(31))).rejects.toThrow(
      'slot: expected 32-byte slot, got 31',
    )
    await expect(state.putStorage(addressOf(1), slotOf(1), new Uint8Array(33))).rejects.toThrow(
      'value: expected at most 32 bytes, got 33',
    )
    await expect(
      state.putAccount(addressOf(1), { nonce: -1n, balance: 0n, codeHash: new Uint8Array(32) }),
    ).rejects.toSatisfy((e) => code(e) === 'MPT_INVALID_INPUT')
    await expect(
      state.putAccount(addressOf(1), { nonce: 0n, balance: 0n, codeHash: new Uint8Array(31) }),
    ).rejects.toThrow('account.codeHash: expected 32-byte account.codeHash, got 31')
    await expect(createMPTState({ store: createMemoryKvStore(), root: new Uint8Array(31) })).rejects.toThrow(
      'root: expected 32-byte root, got 31',
    )
  })

  it.each([1186, 7, 424242])(
    'matches a model under a seeded random workload with nested checkpoints (seed %i)',
    async (seed) => {
      const rnd = createSeededRandom(seed)
      const store = createMemoryKvStore()
      const state = await createMPTState({
        store,
        storageTrieCacheMax: 3,
        readCacheMax: 64,
        accountCacheMax: 2,
      })
      type Model = Map<string, Map<string, string>>
      let model: Model = new Map()
      const stack: Model[] = []
      const clone = (m: Model): Model => new Map([...m].map(([k, v]) => [k, new Map(v)]))
      const keyOf = (b: Bytes) => bytesToHexRaw(b)
      for (let step = 0; step < 1500; step++) {
        const op = rnd.nextInt(100)
        const a = addressOf(rnd.nextInt(6))
        const s = slotOf(rnd.nextInt(12))
        // The model: a key per existing account, mapping slots to values.
        if (op < 55) {
          const v = rnd.nextInt(4) === 0 ? 0 : 1 + rnd.nextInt(1000)
          await state.putStorage(a, s, wordOf(v))
          const slots = model.get(keyOf(a)) ?? new Map()
          if (v === 0) slots.delete(keyOf(s))
          else slots.set(keyOf(s), bytesToHexRaw(wordOf(v)))
          model.set(keyOf(a), slots)
        } else if (op < 68) {
          const got = bytesToHexRaw(await state.getStorage(a, s))
          expect(got).toBe(model.get(keyOf(a))?.get(keyOf(s)) ?? '')
          expect((await state.getAccount(a)) !== undefined).toBe(model.has(keyOf(a)))
        } else if (op < 72) {
          await state.clearStorage(a)
          if (model.has(keyOf(a))) model.set(keyOf(a), new Map())
        } else if (op < 75) {
          await state.deleteAccount(a)
          model.delete(keyOf(a))
        } else if (op < 83 && stack.length < 6) {
          await state.checkpoint()
          stack.push(clone(model))
        } else if (op < 90 && stack.length > 0) {
          await state.commit()
          stack.pop()
        } else if (op < 96 && stack.length > 0) {
          await state.revert()
          model = stack.pop()!
        } else if (stack.length === 0) {
          await state.commitBlock({ sync: false })
        }
      }
      while (stack.length > 0) {
        await state.commit()
        stack.pop()
      }
      // The root depends only on content: a fresh state with the model's content has the same root.
      const fresh = await createMPTState({ store: createMemoryKvStore() })
      for (const [a, slots] of model) {
        await fresh.putAccount(Buffer.from(a, 'hex'), acct(fresh, 0n))
        for (const [s, v] of slots) {
          await fresh.putStorage(Buffer.from(a, 'hex'), Buffer.from(s, 'hex'), Buffer.from(v, 'hex'))
        }
      }
      expect(await state.stateRoot()).toEqual(await fresh.stateRoot())
      const { stateRoot } = await state.commitBlock()
      // Every node under the committed root reached the store: read the whole model back with no cache.
      const reopened = await createMPTState({ store, readCacheMax: 0 })
      expect(await reopened.stateRoot()).toEqual(stateRoot)
      for (let a = 0; a < 6; a++) {
        for (let s = 0; s < 12; s++) {
          const got = bytesToHexRaw(await reopened.getStorage(addressOf(a), slotOf(s)))
          expect(got).toBe(model.get(keyOf(addressOf(a)))?.get(keyOf(slotOf(s))) ?? '')
        }
      }
    },
  )
})
