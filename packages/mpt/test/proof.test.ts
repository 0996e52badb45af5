import { isChainError } from '@consortia/interface'
import { createMemoryKvStore } from '@consortia/testkit'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { bytesToHex0x, hexToBytesChecked } from '../src/bytes.js'
import { createMPTState } from '../src/mpt-state.js'
import { PROOF_SLOTS_MAX, type StateProof, verifyProof } from '../src/proof.js'
import { STATE_ROOT_VECTORS } from './fixtures/state-roots.js'
import { addressOf, loadVectorAccount, padHex, slotOf, wordOf } from './helpers.js'

const invalid = (e: unknown) => isChainError(e, 'MPT_INVALID_PROOF')

async function populated(hash?: (b: Uint8Array) => Uint8Array) {
  const state = await createMPTState({ store: createMemoryKvStore(), ...(hash ? { hash } : {}) })
  for (let a = 0; a < 30; a++) {
    await state.putAccount(addressOf(a), {
      nonce: BigInt(a),
      balance: BigInt(a * 1000),
      codeHash: state.emptyCodeHash,
    })
    for (let s = 0; s < 20; s++) await state.putStorage(addressOf(a), slotOf(s), wordOf(a * 100 + s + 1))
  }
  await state.putCode(addressOf(3), Uint8Array.of(0x60, 0x00))
  return state
}

describe('createProof / verifyProof', () => {
  it('proves an account and set and unset slots, before and after commitBlock', async () => {
    const state = await populated()
    for (const phase of ['pending', 'committed']) {
      if (phase === 'committed') await state.commitBlock()
      const root = await state.stateRoot()
      const proof = await state.createProof(addressOf(3), [slotOf(4), slotOf(999)])
      expect(proof.nonce).toBe('0x3')
      expect(proof.balance).toBe('0xbb8')
      expect(proof.storageProof[0]!.value).toBe(`0x${(3 * 100 + 4 + 1).toString(16)}`)
      expect(proof.storageProof[1]!.value).toBe('0x0')
      const verified = await verifyProof(root, proof)
      expect(verified.account?.nonce).toBe(3n)
      expect(verified.account?.codeHash).toEqual((await state.getAccount(addressOf(3)))?.codeHash)
      expect(verified.storage[0]!.value).toEqual(wordOf(305))
      expect(verified.storage[1]!.value.length).toBe(0)
    }
  })

  it('proves that an account does not exist', async () => {
    const state = await populated()
    const proof = await state.createProof(addressOf(777), [slotOf(1)])
    expect(proof.storageHash).toBe(bytesToHex0x(state.emptyTrieRoot))
    expect(proof.codeHash).toBe(bytesToHex0x(state.emptyCodeHash))
    expect(proof.accountProof.length).toBeGreaterThan(0)
    const verified = await verifyProof(await state.stateRoot(), proof)
    expect(verified.account).toBeUndefined()
    expect(verified.storage[0]!.value.length).toBe(0)
  })

  it('proves against the empty state with empty paths', async () => {
    const state = await createMPTState({ store: createMemoryKvStore() })
    const proof = await state.createProof(addressOf(1), [slotOf(1)])
    expect(proof.accountProof).toEqual([])
    expect((await verifyProof(await state.stateRoot(), proof)).account).toBeUndefined()
    await expect(verifyProof(new Uint8Array(32).fill(1), proof)).rejects.toSatisfy(invalid)
  })

  it('rejects every tampered field', async () => {
    const state = await populated()
    const root = await state.stateRoot()
    const proof = await state.createProof(addressOf(7), [slotOf(2)])
    const tamper: [string, StateProof][] = [
      ['nonce', { ...proof, nonce: '0x8' }],
      ['balance', { ...proof, balance: '0x1' }],
      ['codeHash', { ...proof, codeHash: bytesToHex0x(new Uint8Array(32)) }],
      ['storageHash', { ...proof, storageHash: bytesToHex0x(state.emptyTrieRoot) }],
      ['address', { ...proof, address: bytesToHex0x(addressOf(8)) }],
      ['accountProof node dropped', { ...proof, accountProof: proof.accountProof.slice(1) }],
      ['accountProof truncated', { ...proof, accountProof: proof.accountProof.slice(0, -1) }],
      ['storage value', { ...proof, storageProof: [{ ...proof.storageProof[0]!, value: '0x1' }] }],
      [
        'storage key',
        { ...proof, storageProof: [{ ...proof.storageProof[0]!, key: bytesToHex0x(slotOf(3)) }] },
      ],
      ['storage path emptied', { ...proof, storageProof: [{ ...proof.storageProof[0]!, proof: [] }] }],
      ['non-quantity nonce', { ...proof, nonce: '0x07' }],
    ]
    await verifyProof(root, proof)
    for (const [label, bad] of tamper) {
      await expect(verifyProof(root, bad), label).rejects.toSatisfy(invalid)
    }
    const flipped = hexToBytesChecked(proof.accountProof[1]!, 'node')
    flipped[flipped.length - 1]! ^= 1
    await expect(
      verifyProof(root, {
        ...proof,
        accountProof: [proof.accountProof[0]!, bytesToHex0x(flipped), ...proof.accountProof.slice(2)],
      }),
    ).rejects.toSatisfy(invalid)
    await expect(verifyProof(await (await populated()).stateRoot(), proof)).resolves.toBeDefined()
    const other = await createMPTState({ store: createMemoryKvStore() })
    await other.putAccount(addressOf(1), { nonce: 1n, balance: 0n, codeHash: other.emptyCodeHash })
    await expect(verifyProof(await other.stateRoot(), proof)).rejects.toSatisfy(invalid)
  })

  it('verifies with the hash the state uses', async () => {
    const state = await populated(sha256)
    const proof = await state.createProof(addressOf(2), [slotOf(0)])
    const verified = await verifyProof(await state.stateRoot(), proof, { hash: sha256 })
    expect(verified.storage[0]!.value).toEqual(wordOf(201))
    await expect(verifyProof(await state.stateRoot(), proof)).rejects.toSatisfy(invalid)
  })

  it('proves against an Ethereum state root (ethereum/tests post state)', async () => {
    const vector = STATE_ROOT_VECTORS.find(
      (v) => v.source.includes('medDemand') && v.source.endsWith('postState'),
    )!
    const state = await createMPTState({ store: createMemoryKvStore() })
    for (const [address, account] of Object.entries(vector.accounts))
      await loadVectorAccount(state, address, account)
    const official = hexToBytesChecked(vector.stateRoot, 'root')
    for (const [address, account] of Object.entries(vector.accounts)) {
      const slots = Object.keys(account.storage).map((s) => padHex(s, 32))
      const proof = await state.createProof(hexToBytesChecked(address, 'address'), slots)
      const verified = await verifyProof(official, proof)
      expect(verified.account?.balance).toBe(BigInt(account.balance))
      Object.values(account.storage).forEach((value, i) => {
        expect(BigInt(proof.storageProof[i]!.value)).toBe(BigInt(value))
      })
    }
  })

  it('limits a proof to PROOF_SLOTS_MAX slots', async () => {
    const state = await populated()
    const slots = Array.from({ length: PROOF_SLOTS_MAX + 1 }, (_, i) => slotOf(i))
    await expect(state.createProof(addressOf(1), slots)).rejects.toSatisfy((e) =>
      isChainError(e, 'MPT_INVALID_INPUT'),
    )
    const ok = await state.createProof(addressOf(1), slots.slice(0, PROOF_SLOTS_MAX))
    const over = { ...ok, storageProof: [...ok.storageProof, ok.storageProof[0]!] }
    await expect(verifyProof(await state.stateRoot(), over)).rejects.toSatisfy(invalid)
  })
})
