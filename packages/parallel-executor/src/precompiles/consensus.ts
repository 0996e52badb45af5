import type { BlockNumber, Entry, NodeId, TableStore } from '@consortia/interface'
import { bytesToHex, hexToBytes } from '../bytes.js'
import { PrecompiledCode, SystemTable } from '../codes.js'
import { type PrecompiledCallContext, type PrecompiledContract, PrecompiledGas } from '../precompiled.js'
import { enableNumOf, openSystemTable } from './system-tables.js'

/** The single key of `_sys_consensus_` rows (FISCO `PRI_KEY`). */
export const CONSENSUS_KEY = 'node'
/** Node types stored in `_sys_consensus_.type`. */
export const NodeType = { Sealer: 'sealer', Observer: 'observer' } as const

const NODE_ID_HEX = /^[0-9a-f]{128}$/

async function changeNode(
  ctx: PrecompiledCallContext,
  rawNodeId: unknown,
  type: 'sealer' | 'observer' | 'remove',
) {
  const nodeId = String(rawNodeId).toLowerCase()
  if (!NODE_ID_HEX.test(nodeId)) return [BigInt(PrecompiledCode.InvalidNodeId)]
  const table = await openSystemTable(ctx.tables, SystemTable.Consensus)
  ctx.gas.charge(PrecompiledGas.openTable)
  const all = await ctx.tables.select(table, CONSENSUS_KEY)
  ctx.gas.charge(PrecompiledGas.select, all.length)
  const byId = { clauses: [{ field: 'node_id', op: 'EQ' as const, value: nodeId }] }
  const existing = all.filter((r) => r.node_id === nodeId)
  const sealers = all.filter((r) => r.type === NodeType.Sealer)
  const isLastSealer = sealers.length === 1 && sealers[0]?.node_id === nodeId
  if (type === 'remove') {
    if (isLastSealer) return [BigInt(PrecompiledCode.LastSealer)]
    const count = await ctx.tables.remove(table, CONSENSUS_KEY, byId)
    ctx.gas.charge(PrecompiledGas.remove, count)
    return [BigInt(count)]
  }
  const entry: Entry = { type, enable_num: String(ctx.blockNumber + 1) }
  if (existing.length === 0) {
    const count = await ctx.tables.insert(table, CONSENSUS_KEY, { ...entry, node_id: nodeId })
    ctx.gas.charge(PrecompiledGas.insert, count)
    return [BigInt(count)]
  }
  if (type === NodeType.Observer && isLastSealer) return [BigInt(PrecompiledCode.LastSealer)]
  const count = await ctx.tables.update(table, CONSENSUS_KEY, entry, byId)
  ctx.gas.charge(PrecompiledGas.update, count)
  return [BigInt(count)]
}

/**
 * ConsensusPrecompiled (0x1003): `addSealer`, `addObserver`, `remove` on `_sys_consensus_`.
 * Node IDs are 128 hex characters; changes carry `enable_num = block + 1`; the last sealer
 * can be neither removed nor demoted (-51101).
 */
export const consensusPrecompiled: PrecompiledContract = {
  name: 'Consensus',
  methods: [
    {
      signature: 'addSealer(string)',
      returns: 'int256',
      writes: true,
      call: (a, ctx) => changeNode(ctx, a[0], 'sealer'),
    },
    {
      signature: 'addObserver(string)',
      returns: 'int256',
      writes: true,
      call: (a, ctx) => changeNode(ctx, a[0], 'observer'),
    },
    {
      signature: 'remove(string)',
      returns: 'int256',
      writes: true,
      call: (a, ctx) => changeNode(ctx, a[0], 'remove'),
    },
  ],
}

/** Sealers and observers in effect at `blockNumber`, in table order (FISCO `getNodeListByType`). */
export async function readConsensusNodes(
  tables: TableStore,
  blockNumber: BlockNumber,
): Promise<{ sealers: NodeId[]; observers: NodeId[] }> {
  const table = await tables.openTable(SystemTable.Consensus)
  const sealers: NodeId[] = []
  const observers: NodeId[] = []
  if (table === undefined) return { sealers, observers }
  for (const row of await table.select(CONSENSUS_KEY)) {
    if (enableNumOf(row) > blockNumber || !NODE_ID_HEX.test(row.node_id ?? '')) continue
    const id = hexToBytes(row.node_id as string, 'node ID')
    if (row.type === NodeType.Sealer) sealers.push(id)
    else if (row.type === NodeType.Observer) observers.push(id)
  }
  return { sealers, observers }
}

/** `node_id` as stored: 128 lower-case hex characters. */
export function nodeIdToHex(nodeId: NodeId): string {
  return bytesToHex(nodeId)
}
