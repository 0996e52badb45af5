// The README's example, run as a test so it cannot rot.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLevelKvStore } from '@consortia/kv-level'
import { expect, it } from 'vitest'
import { createMPTState, verifyProof } from '../src/index.js'

it('README example', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'consortia-mpt-readme-'))
  try {
    // --- README example start
    const store = await createLevelKvStore({ location: join(dir, 'state') })
    const state = await createMPTState({ store })

    const contract = new Uint8Array(20).fill(0xaa)
    const slot = new Uint8Array(32) // slot 0
    await state.putAccount(contract, { nonce: 1n, balance: 0n, codeHash: state.emptyCodeHash })
    await state.putCode(contract, Uint8Array.of(0x60, 0x00, 0x60, 0x00))

    await state.checkpoint() // a transaction
    await state.putStorage(contract, slot, Uint8Array.of(42))
    await state.commit()

    const { stateRoot } = await state.commitBlock() // one atomic LevelDB batch, fsynced

    const proof = await state.createProof(contract, [slot]) // eth_getProof shape
    const { account, storage } = await verifyProof(stateRoot, proof)
    // account.nonce === 1n, storage[0].value is Uint8Array [42]
    await store.close()
    // --- README example end
    expect(account?.nonce).toBe(1n)
    expect(storage[0]!.value).toEqual(Uint8Array.of(42))
    expect(proof.storageProof[0]!.value).toBe('0x2a')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
