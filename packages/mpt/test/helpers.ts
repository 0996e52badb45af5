import type { Bytes } from '@consortia/interface'
import { hexToBytesChecked } from '../src/bytes.js'
import type { MPTState } from '../src/mpt-state.js'
import type { VectorAccount } from './fixtures/state-roots.js'

/** A 20-byte address with `n` in its last bytes. */
export function addressOf(n: number): Bytes {
  const a = new Uint8Array(20)
  a[0] = 0xaa
  new DataView(a.buffer).setUint32(16, n)
  return a
}

/** A 32-byte slot with `n` in its last bytes. */
export function slotOf(n: number): Bytes {
  const s = new Uint8Array(32)
  new DataView(s.buffer).setUint32(28, n)
  return s
}

/** Minimal big-endian bytes of `n` (empty for 0). */
export function wordOf(n: number | bigint): Bytes {
  const v = BigInt(n)
  if (v === 0n) return new Uint8Array()
  let hex = v.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  return hexToBytesChecked(hex, 'value')
}

/** Left-pads a hex quantity to `length` bytes. */
export function padHex(hex: string, length: number): Bytes {
  const raw = hex.slice(2).replace(/^0+/, '')
  return hexToBytesChecked(raw.padStart(length * 2, '0'), 'vector')
}

/** Loads one account of an ethereum/tests vector into `state`. */
export async function loadVectorAccount(
  state: MPTState,
  address: string,
  account: VectorAccount,
): Promise<void> {
  const addr = hexToBytesChecked(address, 'address')
  await state.putAccount(addr, {
    nonce: BigInt(account.nonce),
    balance: BigInt(account.balance),
    codeHash: state.emptyCodeHash,
  })
  const code = hexToBytesChecked(account.code, 'code')
  if (code.length > 0) await state.putCode(addr, code)
  for (const [slot, value] of Object.entries(account.storage)) {
    await state.putStorage(addr, padHex(slot, 32), wordOf(BigInt(value)))
  }
}
