import type { Address, Entry } from '@consortia/interface'
import { type AddressHex, addressToHex, parseAddress } from './address.js'
import { actorOf, type CallerContext } from './caller.js'
import { AccountStatusText, PermissionCode } from './codes.js'
import { permissionError } from './errors.js'
import { COMMITTEE_VOTES_INFO, PermissionTable, VoteField, VoteKey, VoteValue } from './schema.js'
import { fiscoJson, type PermissionScope } from './scope.js'

/** FISCO `c_voteValidLimit`: a vote counts for this many blocks after it is cast (10 × the 1000-block limit). */
export const VOTE_VALID_BLOCKS = 10_000
/** The threshold when none was ever set (FISCO writes 0.5 when it creates `_sys_committee_votes_`). */
export const THRESHOLD_DEFAULT_PERCENT = 50n
/** The highest threshold `updateThreshold` accepts: a unanimous vote always passes. */
export const THRESHOLD_MAX_PERCENT = 99n

const INTEGER = /^-?\d{1,78}$/
const FRACTION = /^\d+(\.\d+)?$/

/** A committee member and its vote weight. */
export interface CommitteeMember {
  readonly address: AddressHex
  readonly weight: bigint
}

/** One open vote. */
export interface Vote {
  readonly voter: AddressHex
  readonly value: string
  /** Last block in which the vote still counts is `blockLimit - 1`. */
  readonly blockLimit: number
}

/** `threshold` percent as FISCO stores it: a fraction with six decimals (`to_string(double)`). */
export function formatThreshold(percent: bigint): string {
  return (Number(percent) / 100).toFixed(6)
}

/** Parses a stored threshold back to a whole percent. */
export function parseThreshold(value: string): bigint {
  if (!FRACTION.test(value)) {
    throw permissionError(
      { code: 'CORRUPT_TABLE', table: PermissionTable.committeeVotes },
      `expected a threshold like 0.500000, got ${JSON.stringify(value.slice(0, 40))}`,
    )
  }
  return BigInt(Math.round(Number(value) * 100))
}

/**
 * Chain governance, as FISCO 2.x ChainGovernancePrecompiled (0x1008): a committee with
 * weighted votes, operators, account freezing.
 *
 * Voted operations (grant/revoke member, weight, threshold) pass when the weight of the
 * members voting for the same value exceeds `threshold`% of the total weight of the members
 * in force; each vote lasts `voteValidBlocks` blocks; a member re-voting replaces its vote.
 * Committee and operator roles are exclusive. Membership changes take effect in the next
 * block; weights and the threshold at once (as in FISCO).
 *
 * Beyond FISCO: the last committee member cannot be revoked (-52013), a frozen account
 * cannot join the committee (-52011), and weights must be positive (-52014).
 */
export class ChainGovernance {
  constructor(private readonly s: PermissionScope) {}

  /** Members in force in this block, with their weights, in address order. */
  async committee(): Promise<CommitteeMember[]> {
    const out: CommitteeMember[] = []
    const members = [...(await this.s.acl.effective(PermissionTable.tableAccess))].sort()
    for (const address of members) out.push({ address, weight: await this.weightOf(address) })
    return out
  }

  /** Whether `address` is a committee member in this block (`now`) or from the next one (`next`). */
  isMember(address: Address | string, when: 'now' | 'next'): Promise<boolean> {
    return this.s.acl.has(PermissionTable.tableAccess, addressToHex(address), when)
  }

  /** Whether `address` holds both operator rights (deploy/create table and CNS) from the next block. */
  async isOperator(address: Address | string, when: 'now' | 'next' = 'next'): Promise<boolean> {
    const a = addressToHex(address)
    return (
      (await this.s.acl.has(PermissionTable.tables, a, when)) &&
      (await this.s.acl.has(PermissionTable.cns, a, when))
    )
  }

  /** grantCommitteeMember(address): the first member is granted at once, later ones by vote. */
  async grantCommitteeMember(caller: CallerContext, member: Address | string): Promise<number> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    const m = addressToHex(member, 'member')
    if (actor === undefined) return PermissionCode.InvalidRequestPermissionDenied
    if (await this.hasOperatorRights(m)) return PermissionCode.OperatorCannotBeCommitteeMember
    if (await this.s.accounts.isFrozen(m)) return PermissionCode.AccountFrozen
    if (!(await this.s.acl.hasAnyRow(PermissionTable.tableAccess))) {
      // Bootstrap: no committee yet, so whoever asks first appoints it (FISCO behaviour;
      // a chain should seed its committee at genesis with `initGovernance`).
      this.s.log.info('committee bootstrapped', { member: m, by: actor })
      return this.applyGrant(m, actor)
    }
    if (await this.isMember(m, 'next')) return PermissionCode.CommitteeMemberExist
    if ((await this.s.acl.next(PermissionTable.tableAccess)).length >= this.s.acl.aclEntriesMax) {
      return PermissionCode.AclEntriesLimitReached
    }
    return this.vote(actor, m, VoteValue.grant, (by) => this.applyGrant(m, by))
  }

  /** revokeCommitteeMember(address), by vote; never the last member. */
  async revokeCommitteeMember(caller: CallerContext, member: Address | string): Promise<number> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    const m = addressToHex(member, 'member')
    if (!(await this.isMember(m, 'next'))) return PermissionCode.CommitteeMemberNotExist
    if (await this.wouldBeLast(m)) return PermissionCode.LastCommitteeMember
    return this.vote(actor, m, VoteValue.revoke, async () => {
      // Re-checked: another revocation may have passed since the vote opened.
      if (await this.wouldBeLast(m)) return PermissionCode.LastCommitteeMember
      const count = await this.s.acl.revoke(PermissionTable.tableAccess, m)
      await this.s.acl.revoke(PermissionTable.config, m)
      await this.s.acl.revoke(PermissionTable.consensus, m)
      return count
    })
  }

  /** updateCommitteeMemberWeight(address,int256), by vote. */
  async updateCommitteeMemberWeight(
    caller: CallerContext,
    member: Address | string,
    weight: bigint,
  ): Promise<number> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    const m = addressToHex(member, 'member')
    if (typeof weight !== 'bigint' || weight <= 0n) return PermissionCode.InvalidWeight
    if (!(await this.isMember(m, 'next'))) return PermissionCode.CommitteeMemberNotExist
    if ((await this.weightOf(m)) === weight) return PermissionCode.CurrentValueIsExpectedValue
    const value = weight.toString()
    return this.vote(actor, m + VoteKey.updateWeightSuffix, value, (by) =>
      this.writeSingle(m + VoteKey.weightSuffix, value, by),
    )
  }

  /** updateThreshold(int256) with a percentage 0..99, by vote. */
  async updateThreshold(caller: CallerContext, percent: bigint): Promise<number> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    if (typeof percent !== 'bigint' || percent < 0n || percent > THRESHOLD_MAX_PERCENT) {
      return PermissionCode.InvalidThreshold
    }
    if ((await this.queryThreshold()) === percent) return PermissionCode.CurrentValueIsExpectedValue
    const value = formatThreshold(percent)
    return this.vote(actor, VoteKey.updateThreshold, value, (by) =>
      this.writeSingle(VoteKey.threshold, value, by),
    )
  }

  /** queryThreshold(): the threshold in percent. */
  async queryThreshold(): Promise<bigint> {
    const row = (await this.s.store.rows(PermissionTable.committeeVotes, VoteKey.threshold))[0]
    const value = row?.[VoteField.value]
    return value === undefined ? THRESHOLD_DEFAULT_PERCENT : parseThreshold(value)
  }

  /** queryCommitteeMemberWeight(address): `[true, weight]`, or `[false, -52001]` for a non-member. */
  async queryCommitteeMemberWeight(member: Address | string): Promise<[boolean, bigint]> {
    const m = addressToHex(member, 'member')
    if (!(await this.isMember(m, 'next'))) return [false, BigInt(PermissionCode.CommitteeMemberNotExist)]
    return [true, await this.weightOf(m)]
  }

  /** listCommitteeMembers(): JSON `[{"address","enable_num"}]` of the committee from the next block. */
  async listCommitteeMembers(): Promise<string> {
    const list = await this.s.acl.next(PermissionTable.tableAccess)
    return fiscoJson(list.map((e) => ({ address: e.address, enable_num: String(e.enableNum) })))
  }

  /** The unexpired votes on `key`. */
  async votes(key: string): Promise<Vote[]> {
    const out: Vote[] = []
    for (const row of await this.s.store.rows(PermissionTable.committeeVotes, key)) {
      const vote = this.voteOf(row)
      if (vote !== undefined && vote.blockLimit > this.s.blockNumber) out.push(vote)
    }
    return out
  }

  /**
   * queryVotesOfMember(address): JSON of the open votes on a member, grouped by value
   * (`grant`, `revoke`) plus `update_weight` (with `target`); `null` when there are none.
   */
  async queryVotesOfMember(member: Address | string): Promise<string> {
    const m = addressToHex(member, 'member')
    const out: Record<string, unknown[]> = {}
    for (const v of await this.votes(m)) {
      const list = out[v.value] ?? []
      list.push({ block_limit: String(v.blockLimit), voter: v.voter })
      out[v.value] = list
    }
    for (const v of await this.votes(m + VoteKey.updateWeightSuffix)) {
      const list = out['update_weight'] ?? []
      list.push({ block_limit: String(v.blockLimit), target: v.value, voter: v.voter })
      out['update_weight'] = list
    }
    return fiscoJson(Object.keys(out).length === 0 ? null : sortKeys(out))
  }

  /** queryVotesOfThreshold(): JSON of the open threshold votes, grouped by proposed value; `null` when none. */
  async queryVotesOfThreshold(): Promise<string> {
    const out: Record<string, unknown[]> = {}
    for (const v of await this.votes(VoteKey.updateThreshold)) {
      const list = out[v.value] ?? []
      list.push({ block_limit: String(v.blockLimit), voter: v.voter })
      out[v.value] = list
    }
    return fiscoJson(Object.keys(out).length === 0 ? null : sortKeys(out))
  }

  /** grantOperator(address): by one committee member; gives deploy/create-table and CNS rights. */
  async grantOperator(caller: CallerContext, user: Address | string): Promise<number> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    const u = addressToHex(user, 'operator')
    if (actor === undefined || !(await this.isMember(actor, 'now'))) {
      return PermissionCode.InvalidRequestPermissionDenied
    }
    if (await this.isMember(u, 'next')) return PermissionCode.CommitteeMemberCannotBeOperator
    if (await this.isOperator(u)) return PermissionCode.OperatorExist
    const deploy = await this.s.acl.grant(PermissionTable.tables, u)
    if (deploy === PermissionCode.AclEntriesLimitReached) return deploy
    const cns = await this.s.acl.grant(PermissionTable.cns, u)
    if (cns === PermissionCode.AclEntriesLimitReached) {
      if (deploy === 1) await this.s.acl.revoke(PermissionTable.tables, u)
      return cns
    }
    return 1
  }

  /** revokeOperator(address): by one committee member. */
  async revokeOperator(caller: CallerContext, user: Address | string): Promise<number> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    const u = addressToHex(user, 'operator')
    if (actor === undefined || !(await this.isMember(actor, 'now'))) {
      return PermissionCode.InvalidRequestPermissionDenied
    }
    if (!(await this.s.acl.has(PermissionTable.tables, u, 'next'))) return PermissionCode.OperatorNotExist
    const count = await this.s.acl.revoke(PermissionTable.tables, u)
    await this.s.acl.revoke(PermissionTable.cns, u)
    return count
  }

  /** listOperators(): JSON `[{"address","enable_num"}]` of the operators from the next block. */
  async listOperators(): Promise<string> {
    const out: { address: string; enable_num: string }[] = []
    for (const e of await this.s.acl.next(PermissionTable.tables)) {
      if (await this.s.acl.has(PermissionTable.cns, e.address, 'next')) {
        out.push({ address: e.address, enable_num: String(e.enableNum) })
      }
    }
    return fiscoJson(out)
  }

  /**
   * freezeAccount(address): by one committee member, effective at once. A committee member
   * (now or from the next block) cannot be frozen (-50000). An address without an account
   * table gets one, so any address can be frozen before it acts (FISCO answers -52008).
   */
  async freezeAccount(caller: CallerContext, account: Address | string): Promise<number> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    const a = addressToHex(account, 'account')
    if ((await this.s.accounts.kindOf(a)) === 'contract') return PermissionCode.InvalidAccountAddress
    if (actor === undefined || !(await this.isMember(actor, 'now'))) return PermissionCode.PermissionDenied
    if ((await this.isMember(a, 'now')) || (await this.isMember(a, 'next'))) {
      return PermissionCode.PermissionDenied
    }
    if (await this.s.accounts.isFrozen(a)) return PermissionCode.AccountFrozen
    return this.s.accounts.setFrozen(a, true)
  }

  /** unfreezeAccount(address): by one committee member, effective at once. */
  async unfreezeAccount(caller: CallerContext, account: Address | string): Promise<number> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    const a = addressToHex(account, 'account')
    const kind = await this.s.accounts.kindOf(a)
    if (kind === 'nonexistent') return PermissionCode.AccountNotExist
    if (kind === 'contract') return PermissionCode.InvalidAccountAddress
    if (actor === undefined || !(await this.isMember(actor, 'now'))) return PermissionCode.PermissionDenied
    if (!(await this.s.accounts.isFrozen(a))) return PermissionCode.AccountAlreadyAvailable
    return this.s.accounts.setFrozen(a, false)
  }

  /** getAccountStatus(address): FISCO's status text. */
  async getAccountStatus(account: Address | string): Promise<string> {
    const a = addressToHex(account, 'account')
    const kind = await this.s.accounts.kindOf(a)
    if (kind === 'nonexistent') return AccountStatusText.nonexistent
    if (kind === 'contract') return AccountStatusText.notAccount
    return (await this.s.accounts.isFrozen(a)) ? AccountStatusText.frozen : AccountStatusText.available
  }

  /** The weight of a member (1 when no weight row was written). */
  async weightOf(member: AddressHex): Promise<bigint> {
    const row = (await this.s.store.rows(PermissionTable.committeeVotes, member + VoteKey.weightSuffix))[0]
    const value = row?.[VoteField.value]
    if (value === undefined) return 1n
    if (!INTEGER.test(value)) {
      throw permissionError(
        { code: 'CORRUPT_TABLE', table: PermissionTable.committeeVotes },
        `expected an integer weight for ${member}, got ${JSON.stringify(value.slice(0, 40))}`,
      )
    }
    return BigInt(value)
  }

  private async hasOperatorRights(a: AddressHex): Promise<boolean> {
    return (
      (await this.s.acl.has(PermissionTable.tables, a, 'next')) ||
      (await this.s.acl.has(PermissionTable.cns, a, 'next'))
    )
  }

  private async wouldBeLast(m: AddressHex): Promise<boolean> {
    const next = await this.s.acl.next(PermissionTable.tableAccess)
    return !next.some((e) => e.address !== m)
  }

  private async applyGrant(m: AddressHex, by: AddressHex): Promise<number> {
    const count = await this.s.acl.grant(PermissionTable.tableAccess, m)
    if (count < 0) return count
    // A member also administers system config and consensus (FISCO grants both with it).
    await this.s.acl.grant(PermissionTable.config, m)
    await this.s.acl.grant(PermissionTable.consensus, m)
    await this.writeSingle(m + VoteKey.weightSuffix, '1', by)
    return count
  }

  /**
   * Records `actor`'s vote for `value` on `key`, drops expired votes on `key`, and runs
   * `apply` (then deletes the votes it used) when the vote passes. Returns 0 while the vote
   * is open, else what `apply` returns.
   */
  private async vote(
    actor: AddressHex | undefined,
    key: string,
    value: string,
    apply: (actor: AddressHex) => Promise<number>,
  ): Promise<number> {
    if (actor === undefined || !(await this.isMember(actor, 'now'))) {
      return PermissionCode.InvalidRequestPermissionDenied
    }
    const n = this.s.blockNumber
    const table = await this.openVotes()
    const name = COMMITTEE_VOTES_INFO.name
    const entry = {
      [VoteField.value]: value,
      [VoteField.origin]: actor,
      [VoteField.blockLimit]: String(n + this.s.voteValidBlocks),
    }
    const rows = await table.select(key)
    const mine = eqField(VoteField.origin, actor)
    if (rows.some((r) => parseAddress(r[VoteField.origin] ?? '') === actor)) {
      this.s.store.checked(await table.update(key, entry, mine), name, 'update vote')
    } else {
      this.s.store.checked(await table.insert(key, entry), name, 'insert vote')
    }
    for (const row of rows) {
      const vote = this.voteOf(row)
      if (vote !== undefined && vote.blockLimit <= n && vote.voter !== actor) {
        this.s.store.checked(
          await table.remove(key, eqField(VoteField.origin, row[VoteField.origin] ?? '')),
          name,
          'remove expired vote',
        )
      }
    }
    if (!(await this.passes(key, value))) {
      this.s.log.debug('vote recorded', { key, value, voter: actor })
      return 0
    }
    const result = await apply(actor)
    if (result >= 0) {
      this.s.store.checked(
        await table.remove(key, eqField(VoteField.value, value)),
        name,
        'remove used votes',
      )
      this.s.log.info('vote passed', { key, value, voter: actor, block: n })
    }
    return result
  }

  /** Σ weight of members voting `value` on `key` > threshold% × Σ weight of all members (exact integers). */
  private async passes(key: string, value: string): Promise<boolean> {
    const members = await this.s.acl.effective(PermissionTable.tableAccess)
    if (members.size === 0) return true
    let total = 0n
    for (const m of members) total += await this.weightOf(m)
    let inFavour = 0n
    const counted = new Set<AddressHex>()
    for (const vote of await this.votes(key)) {
      if (vote.value !== value || !members.has(vote.voter) || counted.has(vote.voter)) continue
      counted.add(vote.voter)
      inFavour += await this.weightOf(vote.voter)
    }
    return inFavour * 100n > (await this.queryThreshold()) * total
  }

  private voteOf(row: Entry): Vote | undefined {
    const voter = parseAddress(row[VoteField.origin] ?? '')
    const limit = row[VoteField.blockLimit] ?? ''
    if (voter === undefined || !/^\d{1,16}$/.test(limit)) return undefined
    return { voter, value: row[VoteField.value] ?? '', blockLimit: Number(limit) }
  }

  private async openVotes() {
    const existing = await this.s.store.open(COMMITTEE_VOTES_INFO.name)
    if (existing !== undefined) return existing
    const table = await this.s.store.openOrCreate(COMMITTEE_VOTES_INFO)
    // FISCO writes the default threshold when it creates the table.
    const entry = { [VoteField.value]: formatThreshold(THRESHOLD_DEFAULT_PERCENT) }
    this.s.store.checked(await table.insert(VoteKey.threshold, entry), COMMITTEE_VOTES_INFO.name, 'insert')
    return table
  }

  private async writeSingle(key: string, value: string, by: AddressHex): Promise<number> {
    const table = await this.openVotes()
    const entry = { [VoteField.value]: value, [VoteField.origin]: by }
    const exists = (await table.select(key)).length > 0
    const rc = exists ? await table.update(key, entry) : await table.insert(key, entry)
    return this.s.store.checked(rc, COMMITTEE_VOTES_INFO.name, 'write')
  }
}

function eqField(field: string, value: string) {
  return { clauses: [{ field, op: 'EQ' as const, value }] }
}

function sortKeys(record: Record<string, unknown[]>): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const key of Object.keys(record).sort()) out[key] = record[key] as unknown[]
  return out
}
