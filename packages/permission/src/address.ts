import type { Address } from '@consortia/interface'
import { permissionError } from './errors.js'

/** An address as this package stores it in `_sys_table_access_`: `0x` and 40 lower-case hex digits. */
export type AddressHex = `0x${string}`

const HEX40 = /^(0x|0X)?[0-9a-fA-F]{40}$/

// The last 20-byte address converted and its hex form: a block's checks convert the same
// sender again and again (a one-entry memo, compared by content, so it is never stale).
const lastBytes = new Uint8Array(20)
let lastHex: AddressHex | undefined

/**
 * Normalises an address given as 20 bytes or as a hex string (with or without `0x`, any case)
 * to `0x` + lower-case hex. Throws INVALID_ARGUMENT with a labelled message otherwise.
 */
export function addressToHex(address: Address | string, label = 'address'): AddressHex {
  if (address instanceof Uint8Array) {
    if (address.length !== 20) {
      throw permissionError(
        { code: 'INVALID_ARGUMENT', label },
        `expected 20-byte ${label}, got ${address.length}`,
      )
    }
    if (lastHex !== undefined && sameAddressBytes(address, lastBytes)) return lastHex
    const hex: AddressHex = `0x${Buffer.from(address.buffer, address.byteOffset, 20).toString('hex')}`
    lastBytes.set(address)
    lastHex = hex
    return hex
  }
  if (typeof address !== 'string' || !HEX40.test(address)) {
    throw permissionError(
      { code: 'INVALID_ARGUMENT', label },
      `expected ${label} as 20 bytes or 40 hex digits, got ${typeof address === 'string' ? JSON.stringify(address.slice(0, 50)) : typeof address}`,
    )
  }
  const digits = address.length === 42 ? address.slice(2) : address
  return `0x${digits.toLowerCase()}`
}

/** Like `addressToHex`, but returns undefined instead of throwing (for string arguments from the ABI). */
export function parseAddress(address: string): AddressHex | undefined {
  return typeof address === 'string' && HEX40.test(address) ? addressToHex(address) : undefined
}

/** The 20 bytes of a normalised address. */
export function hexToAddress(hex: AddressHex): Address {
  return new Uint8Array(Buffer.from(hex.slice(2), 'hex'))
}

/** The form FISCO stores in a contract's `authority` rows: lower-case hex without `0x`. */
export function authorityForm(hex: AddressHex): string {
  return hex.slice(2)
}

function sameAddressBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 20; i++) if (a[i] !== b[i]) return false
  return true
}
