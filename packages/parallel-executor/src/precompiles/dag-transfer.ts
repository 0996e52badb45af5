import type { Entry } from '@consortia/interface'
import { PrecompiledCode, USER_TABLE_PREFIX } from '../codes.js'
import { type PrecompiledCallContext, type PrecompiledContract, PrecompiledGas } from '../precompiled.js'

/** The DagTransfer table (`u_dag_transfer`, FISCO ≥ 2.2): key `user_name`, field `user_balance`. */
export const DAG_TRANSFER_TABLE = `${USER_TABLE_PREFIX}dag_transfer`
const U256_MAX = (1n << 256n) - 1n

async function openDagTable(ctx: PrecompiledCallContext): Promise<string> {
  ctx.gas.charge(PrecompiledGas.openTable)
  if ((await ctx.tables.tableInfo(DAG_TRANSFER_TABLE)) === undefined) {
    await ctx.tables.createTable({
      name: DAG_TRANSFER_TABLE,
      keyField: 'user_name',
      valueFields: ['user_balance'],
    })
    ctx.gas.charge(PrecompiledGas.createTable)
  }
  return DAG_TRANSFER_TABLE
}

async function balanceOf(
  ctx: PrecompiledCallContext,
  table: string,
  user: string,
): Promise<bigint | undefined> {
  const rows = await ctx.tables.select(table, user)
  ctx.gas.charge(PrecompiledGas.select, rows.length)
  return balanceIn(rows)
}

async function writeBalance(
  ctx: PrecompiledCallContext,
  table: string,
  user: string,
  balance: bigint,
  exists: boolean,
) {
  const entry = { user_name: user, user_balance: balance.toString() }
  if (exists) {
    await ctx.tables.update(table, user, entry)
    ctx.gas.charge(PrecompiledGas.update)
  } else {
    await ctx.tables.insert(table, user, entry)
    ctx.gas.charge(PrecompiledGas.insert)
  }
}

/**
 * The balance in a user's rows (undefined: no row); a value that is not a decimal number
 * reads as 0, as FISCO's `lexical_cast` fallback does.
 */
function balanceIn(rows: readonly Entry[]): bigint | undefined {
  const row: Entry | undefined = rows[0]
  if (row === undefined) return undefined
  const raw = row.user_balance ?? '0'
  return /^\d+$/.test(raw) ? BigInt(raw) : 0n
}

/**
 * `writeBalance` without waiting when the tables can take the write synchronously (rows in
 * memory, write permission cached): returns undefined when done, else the promise of the
 * same write done asynchronously (nothing was written synchronously then).
 */
function writeBalanceFirst(
  ctx: PrecompiledCallContext,
  table: string,
  user: string,
  balance: bigint,
  exists: boolean,
): Promise<void> | undefined {
  const t = ctx.tables
  const entry = { user_name: user, user_balance: balance.toString() }
  const rc = exists ? t.updateCached?.(table, user, entry) : t.insertCached?.(table, user, entry)
  if (rc === undefined) return writeBalance(ctx, table, user, balance, exists)
  ctx.gas.charge(exists ? PrecompiledGas.update : PrecompiledGas.insert)
  return undefined
}

/**
 * `userTransfer` from rows in memory: the same checks, gas and writes in the same order as the
 * asynchronous method. Returns undefined, having charged and written nothing, when the table or
 * a user's rows are not in memory (the caller then runs the asynchronous method); once the
 * reads are done, a write that cannot be made synchronously continues asynchronously.
 */
function transferFirst(
  ctx: PrecompiledCallContext,
  from: string,
  to: string,
  amount: bigint,
): readonly unknown[] | Promise<readonly unknown[]> | undefined {
  const t = ctx.tables
  const table = DAG_TRANSFER_TABLE
  if (t.cachedInfo?.(table) == null) return undefined
  const fromRows = t.selectCached?.(table, from)
  if (fromRows === undefined) return undefined
  const fromBalance = balanceIn(fromRows)
  if (fromBalance === undefined || fromBalance < amount) {
    ctx.gas.charge(PrecompiledGas.openTable)
    ctx.gas.charge(PrecompiledGas.select, fromRows.length)
    return fromBalance === undefined ? CODE_USER_NOT_EXIST : CODE_INSUFFICIENT_BALANCE
  }
  const toRows = t.selectCached?.(table, to)
  if (toRows === undefined) return undefined
  ctx.gas.charge(PrecompiledGas.openTable)
  ctx.gas.charge(PrecompiledGas.select, fromRows.length)
  ctx.gas.charge(PrecompiledGas.select, toRows.length)
  const toBalance = balanceIn(toRows)
  if ((toBalance ?? 0n) + amount > U256_MAX) return CODE_BALANCE_OVERFLOW
  const toExists = toBalance !== undefined
  const toNext = (toBalance ?? 0n) + amount
  const first = writeBalanceFirst(ctx, table, from, fromBalance - amount, true)
  if (first !== undefined)
    return first.then(() => writeBalance(ctx, table, to, toNext, toExists)).then(() => CODE_OK)
  const second = writeBalanceFirst(ctx, table, to, toNext, toExists)
  return second === undefined ? CODE_OK : second.then(() => CODE_OK)
}

const code = (c: number) => [BigInt(c)]
const CODE_OK: readonly unknown[] = Object.freeze([0n])
const CODE_USER_NOT_EXIST: readonly unknown[] = Object.freeze([BigInt(PrecompiledCode.UserNotExist)])
const CODE_INSUFFICIENT_BALANCE: readonly unknown[] = Object.freeze([
  BigInt(PrecompiledCode.InsufficientBalance),
])
const CODE_BALANCE_OVERFLOW: readonly unknown[] = Object.freeze([BigInt(PrecompiledCode.BalanceOverflow)])
const tagOne = (args: readonly unknown[]) => (String(args[0]) === '' ? [] : [String(args[0])])

/**
 * DagTransferPrecompiled (0x5002), the parallel transfer benchmark contract: user balances
 * in `u_dag_transfer`; every method returns a FISCO code (0 or -514xx). Parallel tags are
 * the user names a call touches.
 */
export const dagTransferPrecompiled: PrecompiledContract = {
  name: 'DagTransfer',
  methods: [
    {
      signature: 'userAdd(string,uint256)',
      returns: 'int256',
      writes: true,
      parallelTag: tagOne,
      async call(args, ctx) {
        const user = String(args[0])
        if (user === '') return code(PrecompiledCode.InvalidUserName)
        const table = await openDagTable(ctx)
        if ((await balanceOf(ctx, table, user)) !== undefined) return code(PrecompiledCode.UserAlreadyExist)
        await writeBalance(ctx, table, user, args[1] as bigint, false)
        return code(0)
      },
    },
    {
      signature: 'userSave(string,uint256)',
      returns: 'int256',
      writes: true,
      parallelTag: tagOne,
      async call(args, ctx) {
        const user = String(args[0])
        const amount = args[1] as bigint
        if (user === '') return code(PrecompiledCode.InvalidUserName)
        if (amount === 0n) return code(PrecompiledCode.InvalidAmount)
        const table = await openDagTable(ctx)
        const balance = await balanceOf(ctx, table, user)
        if (balance === undefined) {
          await writeBalance(ctx, table, user, amount, false)
          return code(0)
        }
        if (balance + amount > U256_MAX) return code(PrecompiledCode.BalanceOverflow)
        await writeBalance(ctx, table, user, balance + amount, true)
        return code(0)
      },
    },
    {
      signature: 'userDraw(string,uint256)',
      returns: 'int256',
      writes: true,
      parallelTag: tagOne,
      async call(args, ctx) {
        const user = String(args[0])
        const amount = args[1] as bigint
        if (user === '') return code(PrecompiledCode.InvalidUserName)
        if (amount === 0n) return code(PrecompiledCode.InvalidAmount)
        const table = await openDagTable(ctx)
        const balance = await balanceOf(ctx, table, user)
        if (balance === undefined) return code(PrecompiledCode.UserNotExist)
        if (balance < amount) return code(PrecompiledCode.InsufficientBalance)
        await writeBalance(ctx, table, user, balance - amount, true)
        return code(0)
      },
    },
    {
      signature: 'userBalance(string)',
      returns: 'int256,uint256',
      async call(args, ctx) {
        const user = String(args[0])
        if (user === '') return [BigInt(PrecompiledCode.InvalidUserName), 0n]
        const table = await openDagTable(ctx)
        const balance = await balanceOf(ctx, table, user)
        if (balance === undefined) return [BigInt(PrecompiledCode.UserNotExist), 0n]
        return [0n, balance]
      },
    },
    {
      signature: 'userTransfer(string,string,uint256)',
      returns: 'int256',
      writes: true,
      parallelTag: (args) => {
        const from = String(args[0])
        const to = String(args[1])
        return from === '' || to === '' ? [] : [from, to]
      },
      call(args, ctx) {
        const from = String(args[0])
        const to = String(args[1])
        const amount = args[2] as bigint
        if (from === '' || to === '') return code(PrecompiledCode.InvalidUserName)
        if (amount === 0n) return code(PrecompiledCode.InvalidAmount)
        if (from === to) return code(0)
        return transferFirst(ctx, from, to, amount) ?? transfer(ctx, from, to, amount)
      },
    },
  ],
}

/** `userTransfer` after its argument checks, asynchronously (tables read or created as needed). */
async function transfer(
  ctx: PrecompiledCallContext,
  from: string,
  to: string,
  amount: bigint,
): Promise<readonly unknown[]> {
  const table = await openDagTable(ctx)
  const fromBalance = await balanceOf(ctx, table, from)
  if (fromBalance === undefined) return code(PrecompiledCode.UserNotExist)
  if (fromBalance < amount) return code(PrecompiledCode.InsufficientBalance)
  const toBalance = await balanceOf(ctx, table, to)
  if ((toBalance ?? 0n) + amount > U256_MAX) return code(PrecompiledCode.BalanceOverflow)
  await writeBalance(ctx, table, from, fromBalance - amount, true)
  await writeBalance(ctx, table, to, (toBalance ?? 0n) + amount, toBalance !== undefined)
  return code(0)
}
