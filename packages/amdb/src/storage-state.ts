import type { AccountState, Address, Bytes, Hash32, StateView } from '@consortia/interface'
import type { HashFn } from './db-hash.js'
import { amdbError, FiscoCode } from './errors.js'
import { contractTableName } from './schema.js'
import type { AMDBTable, TableFactory } from './table-factory.js'

/** Row keys of an account table `c_<address>` (FISCO libstoragestate/StorageState.h). */
export const AccountRow = {
  balance: 'balance',
  codeHash: 'codeHash',
  code: 'code',
  nonce: 'nonce',
  alive: 'alive',
  frozen: 'frozen',
} as const

/** Key field of account tables. */
export const STORAGE_KEY_FIELD = 'key'
/** The one value field of account tables. */
export const STORAGE_VALUE_FIELD = 'value'

const SLOT_KEY = /^[0-9a-f]{64}$/

/** Components of `createStorageState`. */
export interface StorageStateInit {
  /** The block's change set the state reads and writes. */
  readonly tables: TableFactory
  /** The chain's hash, for code hashes (and the empty code hash). */
  readonly hash: HashFn
  /**
   * Read each row before writing it to choose insert or update, as FISCO's StorageState does
   * (default false: write with `AMDBTable.set`, which leaves that choice to one batched read per
   * table at `stateRoot()` or commit). Both give the same dbHash and reads; true costs one driver
   * read per new slot (a round trip on MySQL) and is kept for comparison.
   */
  readonly readBeforeWrite?: boolean
}

/** StorageState: the EVM world state on AMDB tables, one table per account. */
export interface StorageState extends StateView {
  readonly tables: TableFactory
  /** Number of open checkpoints. */
  readonly depth: number
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))
const stripZeros = (b: Uint8Array) => {
  let i = 0
  while (i < b.length && b[i] === 0) i++
  return b.subarray(i)
}

function checkBytes(label: string, value: Uint8Array, length: number, exact = true): void {
  if (!(value instanceof Uint8Array) || (exact ? value.length !== length : value.length > length)) {
    throw amdbError(
      { code: 'INVALID_ARGUMENT', label },
      `expected ${exact ? '' : 'at most '}${length}-byte ${label}, got ${value instanceof Uint8Array ? value.length : typeof value}`,
    )
  }
}

/**
 * An EVM `StateView` on AMDB, as FISCO's StorageState: account `A` is the table `c_<hex A>`
 * with rows `nonce`, `balance`, `codeHash`, `code` (hex), `alive`, `frozen`, and one row per
 * storage slot (key: the 32-byte slot in hex, value: the word in hex without leading zeros).
 * Checkpoints are savepoints of the block's change set; `stateRoot()` is the block's dbHash.
 * Writes use `AMDBTable.set`: no read per written slot; `stateRoot()` settles them first.
 */
export function createStorageState(init: StorageStateInit): StorageState {
  const { tables, hash } = init
  const readBeforeWrite = init.readBeforeWrite ?? false
  const emptyCodeHash = hex(hash(new Uint8Array()))
  const marks: number[] = []

  const open = (address: Address): Promise<AMDBTable | undefined> => {
    checkBytes('address', address, 20)
    return tables.openTable(contractTableName(address))
  }
  const openOrCreate = async (address: Address): Promise<AMDBTable> => {
    const existing = await open(address)
    if (existing !== undefined) return existing
    const name = contractTableName(address)
    const code = await tables.createTable({
      name,
      keyField: STORAGE_KEY_FIELD,
      valueFields: [STORAGE_VALUE_FIELD],
    })
    if (code !== FiscoCode.success && code !== FiscoCode.tableNameAlreadyExist) {
      throw amdbError({ code: 'STATE_WRITE_REJECTED', fiscoCode: code, table: name }, `cannot create ${name}`)
    }
    return tables.openTableOrThrow(name)
  }
  const read = async (table: AMDBTable, key: string): Promise<string | undefined> =>
    (await table.select(key))[0]?.[STORAGE_VALUE_FIELD]
  const rejectIfNegative = (result: number, table: AMDBTable, key: string) => {
    if (result < 0) {
      throw amdbError(
        { code: 'STATE_WRITE_REJECTED', fiscoCode: result, table: table.info.name, key },
        `write of ${table.info.name}/${key} refused with FISCO code ${result}`,
      )
    }
  }
  const write = async (table: AMDBTable, key: string, value: string) => {
    if (!readBeforeWrite) {
      rejectIfNegative(await table.set(key, { [STORAGE_VALUE_FIELD]: value }), table, key)
      return
    }
    const current = await read(table, key)
    if (current === value) return
    const result =
      current === undefined
        ? await table.insert(key, { [STORAGE_VALUE_FIELD]: value })
        : await table.update(key, { [STORAGE_VALUE_FIELD]: value })
    rejectIfNegative(result, table, key)
  }
  const ensureAccount = async (table: AMDBTable, account: AccountState | undefined) => {
    const exists = (await read(table, AccountRow.nonce)) !== undefined
    if (account === undefined && exists) return
    await write(table, AccountRow.nonce, (account?.nonce ?? 0n).toString())
    await write(table, AccountRow.balance, (account?.balance ?? 0n).toString())
    if (account !== undefined) await write(table, AccountRow.codeHash, hex(account.codeHash))
    else if ((await read(table, AccountRow.codeHash)) === undefined)
      await write(table, AccountRow.codeHash, emptyCodeHash)
    if ((await read(table, AccountRow.code)) === undefined) await write(table, AccountRow.code, '')
    await write(table, AccountRow.alive, 'true')
    if ((await read(table, AccountRow.frozen)) === undefined) await write(table, AccountRow.frozen, 'false')
  }
  const removeKeys = async (table: AMDBTable, which: (key: string) => boolean) => {
    for (const key of await table.keys()) {
      if (which(key)) rejectIfNegative(await table.remove(key), table, key)
    }
  }

  return {
    tables,
    get depth() {
      return marks.length
    },
    async getAccount(address) {
      const table = await open(address)
      if (table === undefined) return undefined
      const nonce = await read(table, AccountRow.nonce)
      if (nonce === undefined) return undefined
      const balance = (await read(table, AccountRow.balance)) ?? '0'
      const codeHash = (await read(table, AccountRow.codeHash)) ?? emptyCodeHash
      return {
        nonce: BigInt(nonce),
        balance: BigInt(balance === '' ? '0' : balance),
        codeHash: fromHex(codeHash),
      }
    },
    async putAccount(address, account) {
      checkBytes('code hash', account.codeHash, 32)
      if (account.nonce < 0n || account.balance < 0n) {
        throw amdbError({ code: 'INVALID_ARGUMENT' }, 'expected non-negative nonce and balance')
      }
      await ensureAccount(await openOrCreate(address), account)
    },
    async deleteAccount(address) {
      const table = await open(address)
      if (table !== undefined) await removeKeys(table, () => true)
    },
    async getCode(address) {
      const table = await open(address)
      if (table === undefined) return new Uint8Array()
      return fromHex((await read(table, AccountRow.code)) ?? '')
    },
    async putCode(address, code: Bytes) {
      if (!(code instanceof Uint8Array)) throw amdbError({ code: 'INVALID_ARGUMENT' }, 'expected code bytes')
      const table = await openOrCreate(address)
      await ensureAccount(table, undefined)
      await write(table, AccountRow.code, hex(code))
      await write(table, AccountRow.codeHash, hex(hash(code)))
    },
    async getStorage(address, slot) {
      checkBytes('storage slot', slot, 32)
      const table = await open(address)
      if (table === undefined) return new Uint8Array()
      return fromHex((await read(table, hex(slot))) ?? '')
    },
    async putStorage(address, slot, value) {
      checkBytes('storage slot', slot, 32)
      checkBytes('storage value', value, 32, false)
      const word = stripZeros(value)
      if (word.length === 0) {
        const table = await open(address)
        if (table !== undefined) rejectIfNegative(await table.remove(hex(slot)), table, hex(slot))
        return
      }
      await write(await openOrCreate(address), hex(slot), hex(word))
    },
    async clearStorage(address) {
      const table = await open(address)
      if (table !== undefined) await removeKeys(table, (key) => SLOT_KEY.test(key))
    },
    async checkpoint() {
      marks.push(tables.savepoint())
    },
    async commit() {
      if (marks.pop() === undefined)
        throw amdbError({ code: 'INVALID_ARGUMENT' }, 'commit without a checkpoint')
    },
    async revert() {
      const mark = marks.pop()
      if (mark === undefined) throw amdbError({ code: 'INVALID_ARGUMENT' }, 'revert without a checkpoint')
      tables.rollback(mark)
    },
    async stateRoot(): Promise<Hash32> {
      await tables.settle()
      return tables.hash()
    },
  }
}
