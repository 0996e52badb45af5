import { decodeFunctionResult, encodeFunctionData, type Hex, parseAbi } from 'viem'
import { type AbiEntry, parseAbiJson } from './abi.js'
import { explorerAppError, invalidInput } from './errors.js'
import type { ExplorerRpc } from './rpc.js'

/** FISCO 2.x precompiled contract addresses the explorer reads. */
export const PRECOMPILED = {
  cns: '0x0000000000000000000000000000000000001004',
  contractLifeCycle: '0x0000000000000000000000000000000000001007',
  chainGovernance: '0x0000000000000000000000000000000000001008',
} as const

/** `from` of the explorer's read-only calls. */
export const CALL_FROM = '0x0000000000000000000000000000000000000000'
/** Most committee members whose open votes one governance read asks for. */
export const GOVERNANCE_MEMBERS_MAX = 64

/** The system config keys FISCO 2.x defines (`getSystemConfigByKey`). */
export const SYSTEM_CONFIG_KEYS = [
  'tx_count_limit',
  'tx_gas_limit',
  'rpbft_epoch_sealer_num',
  'rpbft_epoch_block_num',
  'consensus_timeout',
] as const

const governanceAbi = parseAbi([
  'function listCommitteeMembers() view returns (string)',
  'function listOperators() view returns (string)',
  'function queryThreshold() view returns (int256)',
  'function queryVotesOfThreshold() view returns (string)',
  'function queryVotesOfMember(address member) view returns (string)',
  'function queryCommitteeMemberWeight(address member) view returns (bool, int256)',
  'function getAccountStatus(address account) view returns (string)',
])
const cnsAbi = parseAbi(['function selectByName(string name) view returns (string)'])
const lifecycleAbi = parseAbi(['function getStatus(address addr) view returns (int256, string)'])

interface CallResult {
  readonly output: string
  readonly status: string
}

const callRequest = (groupId: number, to: string, data: Hex) => ({
  method: 'call',
  params: [groupId, { from: CALL_FROM, to, data }],
})

function outputOf(method: string, value: unknown): Hex {
  if (value instanceof Error) throw value
  const r = value as CallResult
  if (Number(r.status) !== 0) {
    throw explorerAppError(
      { code: 'EXPLORER_RPC', method, rpcCode: Number(r.status), reason: `call status ${r.status}` },
      `${method}: call status ${r.status}`,
    )
  }
  return r.output as Hex
}

const parseJsonList = (text: string): Record<string, string>[] => {
  const v = JSON.parse(text) as unknown
  return Array.isArray(v) ? (v as Record<string, string>[]) : []
}

/** A committee member or operator with the block from which it counts. */
export interface GovernanceAccount {
  readonly address: string
  readonly enableNum: string
  /** Vote weight (committee members only). */
  readonly weight?: string
  /** Open votes on this member (raw FISCO JSON), or null. */
  readonly votes?: string | null
}

/** What the governance page shows (ChainGovernancePrecompiled, 0x1008). */
export interface GovernanceView {
  readonly committee: GovernanceAccount[]
  readonly operators: GovernanceAccount[]
  /** Threshold a vote must pass (FISCO: percent of the committee weight). */
  readonly threshold: string
  /** Open threshold votes (raw FISCO JSON), or null. */
  readonly thresholdVotes: string | null
}

/** Reads the committee, its weights and open votes, the operators and the threshold of a group. */
export async function readGovernance(rpc: ExplorerRpc, groupId: number): Promise<GovernanceView> {
  const gov = PRECOMPILED.chainGovernance
  const enc = (functionName: string, args: readonly unknown[] = []) =>
    encodeFunctionData({ abi: governanceAbi, functionName, args } as Parameters<typeof encodeFunctionData>[0])
  const dec = <T>(functionName: string, data: Hex) =>
    decodeFunctionResult({ abi: governanceAbi, functionName, data } as Parameters<
      typeof decodeFunctionResult
    >[0]) as T
  const [members, operators, threshold, thresholdVotes] = await rpc.batch([
    callRequest(groupId, gov, enc('listCommitteeMembers')),
    callRequest(groupId, gov, enc('listOperators')),
    callRequest(groupId, gov, enc('queryThreshold')),
    callRequest(groupId, gov, enc('queryVotesOfThreshold')),
  ])
  const committeeRows = parseJsonList(
    dec<string>('listCommitteeMembers', outputOf('listCommitteeMembers', members)),
  )
  const operatorRows = parseJsonList(dec<string>('listOperators', outputOf('listOperators', operators)))
  const shown = committeeRows.slice(0, GOVERNANCE_MEMBERS_MAX)
  const perMember = await rpc.batch(
    shown.flatMap((m) => [
      callRequest(groupId, gov, enc('queryCommitteeMemberWeight', [m['address']])),
      callRequest(groupId, gov, enc('queryVotesOfMember', [m['address']])),
    ]),
  )
  const votesText = (raw: string) => (raw.trim() === 'null' ? null : raw.trim())
  return {
    committee: shown.map((m, i) => {
      const [, weight] = dec<readonly [boolean, bigint]>(
        'queryCommitteeMemberWeight',
        outputOf('queryCommitteeMemberWeight', perMember[2 * i]),
      )
      return {
        address: m['address'] ?? '',
        enableNum: m['enable_num'] ?? '',
        weight: weight.toString(),
        votes: votesText(
          dec<string>('queryVotesOfMember', outputOf('queryVotesOfMember', perMember[2 * i + 1])),
        ),
      }
    }),
    operators: operatorRows.map((o) => ({ address: o['address'] ?? '', enableNum: o['enable_num'] ?? '' })),
    threshold: dec<bigint>('queryThreshold', outputOf('queryThreshold', threshold)).toString(),
    thresholdVotes: votesText(
      dec<string>('queryVotesOfThreshold', outputOf('queryVotesOfThreshold', thresholdVotes)),
    ),
  }
}

/** A CNS entry (`selectByName`). */
export interface CnsEntry {
  readonly name: string
  readonly version: string
  readonly address: string
  readonly abi: string
}

/** Looks a contract name up in CNS (0x1004). */
export async function lookupCns(rpc: ExplorerRpc, groupId: number, name: string): Promise<CnsEntry[]> {
  if (name.length === 0 || name.length > 128)
    throw invalidInput('name', 'a CNS name of 1..128 characters', name)
  const data = encodeFunctionData({ abi: cnsAbi, functionName: 'selectByName', args: [name] })
  const [answer] = await rpc.batch([callRequest(groupId, PRECOMPILED.cns, data)])
  const text = decodeFunctionResult({
    abi: cnsAbi,
    functionName: 'selectByName',
    data: outputOf('selectByName', answer),
  })
  return parseJsonList(text).map((e) => ({
    name: e['name'] ?? name,
    version: e['version'] ?? '',
    address: e['address'] ?? '',
    abi: e['abi'] ?? '',
  }))
}

/** The ABI book entry of a CNS entry (its ABI parsed). */
export function cnsAbiEntry(entry: CnsEntry): AbiEntry {
  const address = entry.address.startsWith('0x') ? entry.address : `0x${entry.address}`
  return { address, source: `cns:${entry.name}@${entry.version}`, abi: parseAbiJson(entry.abi) }
}

/** What the account page shows besides the code. */
export interface AccountStatus {
  /** ChainGovernance `getAccountStatus` text (e.g. "The account is available"). */
  readonly account: string
  /** ContractLifeCycle `getStatus` text for contracts, '' for plain accounts. */
  readonly contract: string
}

/** Reads an address's account status (0x1008) and contract status (0x1007). */
export async function readAccountStatus(
  rpc: ExplorerRpc,
  groupId: number,
  address: string,
): Promise<AccountStatus> {
  const [account, contract] = await rpc.batch([
    callRequest(
      groupId,
      PRECOMPILED.chainGovernance,
      encodeFunctionData({ abi: governanceAbi, functionName: 'getAccountStatus', args: [address as Hex] }),
    ),
    callRequest(
      groupId,
      PRECOMPILED.contractLifeCycle,
      encodeFunctionData({ abi: lifecycleAbi, functionName: 'getStatus', args: [address as Hex] }),
    ),
  ])
  const text = (f: () => string) => {
    try {
      return f()
    } catch (err) {
      return `(${(err as Error).message})`
    }
  }
  return {
    account: text(() =>
      decodeFunctionResult({
        abi: governanceAbi,
        functionName: 'getAccountStatus',
        data: outputOf('getAccountStatus', account),
      }),
    ),
    contract: text(() => {
      const [, message] = decodeFunctionResult({
        abi: lifecycleAbi,
        functionName: 'getStatus',
        data: outputOf('getStatus', contract),
      })
      return message
    }),
  }
}
