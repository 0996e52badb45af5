import type { StorageDriver } from '@consortia/amdb'
import { SYSTEM_TABLES, SysTable } from '@consortia/amdb'
import type { BlockNumber, NodeId } from '@consortia/interface'
import { CONSENSUS_ROW_KEY, sortNodeIds } from '../ledger/block-store.js'

/** The members of a group at one height: who takes part in consensus and who only follows. */
export interface GroupMembers {
  /** Sealers (vote and propose), in FISCO order (ascending node ID). */
  readonly sealers: readonly NodeId[]
  /** Observers (sync and execute blocks, never vote), ascending node ID. */
  readonly observers: readonly NodeId[]
}

/** Role of a node in one group. A free node is connected to the network but holds no group data. */
export type NodeRole = 'sealer' | 'observer' | 'free'

const NODE_ID_HEX = /^[0-9a-f]{128}$/

/**
 * Sealers and observers in force at `height` from the committed `_sys_consensus_` rows
 * (`enable_num` ≤ height): a change made by ConsensusPrecompiled in block h applies from h + 1.
 * Rows with a malformed node ID are skipped.
 */
export async function readGroupMembers(driver: StorageDriver, height: BlockNumber): Promise<GroupMembers> {
  const rows = await driver.selectRows(SYSTEM_TABLES.get(SysTable.consensus)!, CONSENSUS_ROW_KEY)
  const sealers: NodeId[] = []
  const observers: NodeId[] = []
  for (const row of rows) {
    const id = row.fields['node_id'] ?? ''
    if (!(Number(row.fields['enable_num']) <= height) || !NODE_ID_HEX.test(id)) continue
    const bytes = Uint8Array.from(Buffer.from(id, 'hex'))
    if (row.fields['type'] === 'sealer') sealers.push(bytes)
    else if (row.fields['type'] === 'observer') observers.push(bytes)
  }
  return { sealers: sortNodeIds(sealers), observers: sortNodeIds(observers) }
}

/** The role of `nodeId` among `members`. */
export function roleOf(members: GroupMembers, nodeId: NodeId): NodeRole {
  const same = (a: NodeId) => Buffer.from(a).equals(Buffer.from(nodeId))
  if (members.sealers.some(same)) return 'sealer'
  if (members.observers.some(same)) return 'observer'
  return 'free'
}

/**
 * The members in force at head + 1, re-read from `_sys_consensus_` whenever the head moved
 * (call `refresh()` on every tick or commit; it reads at most once at a time).
 */
export interface MembersView {
  readonly current: GroupMembers
  isMember(nodeIdHex: string): boolean
  isSealer(nodeIdHex: string): boolean
  refresh(): void
  /** Resolves when no read is running. */
  idle(): Promise<void>
}

/** Builds a `MembersView` over a group's storage driver and its head. */
export async function createMembersView(
  driver: StorageDriver,
  head: () => BlockNumber,
  onError: (err: unknown) => void,
): Promise<MembersView> {
  const hexOf = (id: NodeId) => Buffer.from(id).toString('hex')
  let current = await readGroupMembers(driver, head() + 1)
  let height = head()
  let members = new Set([...current.sealers, ...current.observers].map(hexOf))
  let sealers = new Set(current.sealers.map(hexOf))
  let reading: Promise<void> | undefined
  return {
    get current() {
      return current
    },
    isMember: (hex) => members.has(hex),
    isSealer: (hex) => sealers.has(hex),
    refresh() {
      const at = head()
      if (reading !== undefined || at === height) return
      reading = readGroupMembers(driver, at + 1)
        .then((m) => {
          current = m
          height = at
          members = new Set([...m.sealers, ...m.observers].map(hexOf))
          sealers = new Set(m.sealers.map(hexOf))
        })
        .catch(onError)
        .finally(() => {
          reading = undefined
        })
    },
    async idle() {
      while (reading !== undefined) await reading
    },
  }
}
