import type { AccountState, Address, Bytes, StateView } from '@consortia/interface'
import { describe, expect, it } from 'vitest'

const addr = (n: number): Address => {
  const a = new Uint8Array(20)
  a[0] = 0xaa
  a[19] = n
  return a
}
const slot = (n: number): Bytes => {
  const s = new Uint8Array(32)
  s[31] = n
  return s
}
const word = (hex: string): Bytes => {
  const out = new Uint8Array(32)
  const raw = Buffer.from(hex.padStart(64, '0'), 'hex')
  out.set(raw)
  return out
}
const hex = (b: Bytes): string => Buffer.from(b).toString('hex')

const account = (nonce: bigint, codeHash: Bytes = new Uint8Array(32).fill(7)): AccountState => ({
  nonce,
  balance: 0n,
  codeHash,
})

/**
 * The compliance suite every `StateView` implementation must pass (AMDB StorageState and
 * MPT state). `open` must return a view over a new, empty state.
 */
export function stateViewComplianceSuite(name: string, open: () => Promise<StateView>): void {
  describe(`StateView compliance: ${name}`, () => {
    it('reads nothing from an empty state', async () => {
      const view = await open()
      expect(await view.getAccount(addr(1))).toBeUndefined()
      expect((await view.getCode(addr(1))).length).toBe(0)
      expect((await view.getStorage(addr(1), slot(1))).length).toBe(0)
    })

    it('round-trips accounts, code and storage', async () => {
      const view = await open()
      await view.putAccount(addr(1), account(5n))
      await view.putCode(addr(1), new Uint8Array([0x60, 0x00, 0x60, 0x00]))
      await view.putStorage(
        addr(1),
        slot(1),
        word('00000000000000000000000000000000000000000000000000000000000000ff'),
      )
      await view.putStorage(addr(1), slot(2), word('0102'))
      const got = await view.getAccount(addr(1))
      expect(got?.nonce).toBe(5n)
      expect(got?.balance).toBe(0n)
      expect(hex(await view.getCode(addr(1)))).toBe('60006000')
      // Values come back without leading zeros, as the EVM state interface expects.
      expect(hex(await view.getStorage(addr(1), slot(1)))).toBe('ff')
      expect(hex(await view.getStorage(addr(1), slot(2)))).toBe('0102')
      expect((await view.getStorage(addr(2), slot(1))).length).toBe(0)
    })

    it('treats a zero storage value as deletion', async () => {
      const view = await open()
      await view.putAccount(addr(1), account(1n))
      await view.putStorage(addr(1), slot(1), word('07'))
      await view.putStorage(addr(1), slot(1), new Uint8Array(32))
      expect((await view.getStorage(addr(1), slot(1))).length).toBe(0)
    })

    it('reverts to a checkpoint and keeps committed writes, nested', async () => {
      const view = await open()
      await view.putAccount(addr(1), account(1n))
      await view.putStorage(addr(1), slot(1), word('01'))
      await view.checkpoint()
      await view.putStorage(addr(1), slot(1), word('02'))
      await view.checkpoint()
      await view.putStorage(addr(1), slot(2), word('03'))
      await view.putAccount(addr(2), account(9n))
      await view.commit()
      expect(hex(await view.getStorage(addr(1), slot(2)))).toBe('03')
      await view.revert()
      expect(hex(await view.getStorage(addr(1), slot(1)))).toBe('01')
      expect((await view.getStorage(addr(1), slot(2))).length).toBe(0)
      expect(await view.getAccount(addr(2))).toBeUndefined()
      await view.checkpoint()
      await view.putStorage(addr(1), slot(3), word('04'))
      await view.commit()
      expect(hex(await view.getStorage(addr(1), slot(3)))).toBe('04')
    })

    it('deletes an account with its code and storage, and clears storage alone', async () => {
      const view = await open()
      await view.putAccount(addr(1), account(1n))
      await view.putCode(addr(1), new Uint8Array([1, 2, 3]))
      await view.putStorage(addr(1), slot(1), word('01'))
      await view.clearStorage(addr(1))
      expect((await view.getStorage(addr(1), slot(1))).length).toBe(0)
      expect(await view.getAccount(addr(1))).toBeDefined()
      await view.putStorage(addr(1), slot(2), word('02'))
      await view.deleteAccount(addr(1))
      expect(await view.getAccount(addr(1))).toBeUndefined()
      expect((await view.getCode(addr(1))).length).toBe(0)
      expect((await view.getStorage(addr(1), slot(2))).length).toBe(0)
    })

    it('gives a deterministic root that depends on content, not write order', async () => {
      const a = await open()
      const b = await open()
      const empty = hex(await a.stateRoot())
      expect(hex(await b.stateRoot())).toBe(empty)
      await a.putAccount(addr(1), account(1n))
      await a.putStorage(addr(1), slot(1), word('01'))
      await a.putAccount(addr(2), account(2n))
      await b.putAccount(addr(2), account(2n))
      await b.putAccount(addr(1), account(1n))
      await b.putStorage(addr(1), slot(1), word('01'))
      const rootA = hex(await a.stateRoot())
      expect(rootA).not.toBe(empty)
      expect(hex(await b.stateRoot())).toBe(rootA)
      await b.checkpoint()
      await b.putStorage(addr(1), slot(1), word('02'))
      expect(hex(await b.stateRoot())).not.toBe(rootA)
      await b.revert()
      expect(hex(await b.stateRoot())).toBe(rootA)
    })
  })
}
