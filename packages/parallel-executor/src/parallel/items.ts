/**
 * The units of state the parallel executor tracks per transaction ("items") and their
 * canonical string values. Workers record the items a transaction read and wrote; the main
 * thread validates reads by comparing these strings with the committed values.
 */
import type { AccountState, Entry, TableInfo } from '@consortia/interface'
import { bytesToHex, hexToBytes } from '../bytes.js'
import { TRANSIENT_ADDRESS_START } from '../precompiled.js'

/** An item's canonical value; `null`: absent (no account, no table). */
export type ItemValue = string | null

/** Item of an account (`nonce,balance,codeHash`). */
export const accountItem = (addressHex: string): string => `a:${addressHex}`
/** Item of an account's code (hex). */
export const codeItem = (addressHex: string): string => `c:${addressHex}`
/** Item of one storage slot (hex word without leading zeros). */
export const storageItem = (addressHex: string, slotHex: string): string => `s:${addressHex}:${slotHex}`
/** Item of a table's schema (JSON `TableInfo`, or `null` when the table does not exist). */
export const tableInfoItem = (table: string): string => `i:${table}`
/** Item of the rows of one key (JSON array of entries). */
export const rowsItem = (table: string, key: string): string => `r:${table}\u0000${key}`
/** Item of an earlier block's hash (not validated: it never changes within a block). */
export const blockHashItem = (number: number): string => `h:${number}`

/** What an item refers to, parsed back from its key. */
export type ParsedItem =
  | { readonly kind: 'account' | 'code'; readonly address: string }
  | { readonly kind: 'storage'; readonly address: string; readonly slot: string }
  | { readonly kind: 'info'; readonly table: string }
  | { readonly kind: 'rows'; readonly table: string; readonly key: string }
  | { readonly kind: 'blockHash'; readonly number: number }

/** Parses an item key made by the functions above. */
export function parseItem(item: string): ParsedItem {
  const body = item.slice(2)
  switch (item[0]) {
    case 'a':
      return { kind: 'account', address: body }
    case 'c':
      return { kind: 'code', address: body }
    case 's':
      return { kind: 'storage', address: body.slice(0, 40), slot: body.slice(41) }
    case 'i':
      return { kind: 'info', table: body }
    case 'r': {
      const cut = body.indexOf('\u0000')
      return { kind: 'rows', table: body.slice(0, cut), key: body.slice(cut + 1) }
    }
    default:
      return { kind: 'blockHash', number: Number(body) }
  }
}

/** The address (hex) an item belongs to as world state or as its StorageState table `c_<address>`. */
export function itemAddress(item: string): string | undefined {
  const c = item[0]
  if (c === 'a' || c === 'c' || c === 's') return item.slice(2, 42)
  if ((c === 'i' || c === 'r') && item.startsWith('c_', 2) && item.length >= 44) {
    const hex = item.slice(4, 44)
    return /^[0-9a-f]{40}$/.test(hex) ? hex : undefined
  }
  return undefined
}

/** Encodes an account. */
export function encodeAccount(account: AccountState | undefined): ItemValue {
  if (account === undefined) return null
  return `${account.nonce.toString(16)},${account.balance.toString(16)},${bytesToHex(account.codeHash)}`
}

/** Decodes an account. */
export function decodeAccount(value: ItemValue): AccountState | undefined {
  if (value === null) return undefined
  const [nonce, balance, codeHash] = value.split(',') as [string, string, string]
  return { nonce: BigInt(`0x${nonce}`), balance: BigInt(`0x${balance}`), codeHash: hexToBytes(codeHash) }
}

/** Encodes bytes (code, storage words). */
export const encodeBytes = (bytes: Uint8Array): string => bytesToHex(bytes)
/** Decodes bytes. */
export const decodeBytes = (value: ItemValue): Uint8Array =>
  value === null ? new Uint8Array(0) : hexToBytes(value)

/** Encodes a schema. */
export const encodeInfo = (info: TableInfo | undefined): ItemValue =>
  info === undefined
    ? null
    : JSON.stringify({ name: info.name, keyField: info.keyField, valueFields: info.valueFields })

/** Decodes a schema. */
export const decodeInfo = (value: ItemValue): TableInfo | undefined =>
  value === null ? undefined : (JSON.parse(value) as TableInfo)

/** Encodes the rows of a key. */
export const encodeRows = (rows: readonly Entry[]): string => JSON.stringify(rows)
/** Decodes the rows of a key. */
export const decodeRows = (value: ItemValue): Entry[] =>
  value === null ? [] : (JSON.parse(value) as Entry[])

/**
 * Whether `addressHex` lies in the transient-object range `[0x10000, 0x10000 + objectsMax)`:
 * Table/Entry/Condition objects live in one block session, so a worker cannot reproduce them.
 */
export function isTransientAddress(addressHex: string, objectsMax: number): boolean {
  if (!addressHex.startsWith('0000000000000000000000000000')) return false
  const n = Number.parseInt(addressHex.slice(28), 16)
  return n >= TRANSIENT_ADDRESS_START && n < TRANSIENT_ADDRESS_START + objectsMax
}
