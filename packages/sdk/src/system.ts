import type { Hex } from '@consortia/interface'
import { type Abi, parseAbi } from 'viem'
import type { Client, SendOptions } from './client.js'
import { invalidInput, sdkError } from './errors.js'
import { toAddress } from './hex.js'
import type { TransactionReceipt } from './receipt.js'

/** Addresses of the FISCO 2.x system precompiles (fisco-2x.md §3.1). */
export const PrecompiledAddress = {
  systemConfig: '0x0000000000000000000000000000000000001000',
  tableFactory: '0x0000000000000000000000000000000000001001',
  crud: '0x0000000000000000000000000000000000001002',
  consensus: '0x0000000000000000000000000000000000001003',
  cns: '0x0000000000000000000000000000000000001004',
  permission: '0x0000000000000000000000000000000000001005',
  chainGovernance: '0x0000000000000000000000000000000000001008',
  kvTableFactory: '0x0000000000000000000000000000000000001010',
} as const

/** Solidity interfaces of the precompiles the helpers call (fisco-2x.md §3.2). */
export const precompiledAbis = {
  systemConfig: parseAbi(['function setValueByKey(string key, string value) returns (int256)']),
  tableFactory: parseAbi([
    'function createTable(string tableName, string key, string valueFields) returns (int256)',
  ]),
  kvTableFactory: parseAbi([
    'function createTable(string tableName, string key, string valueFields) returns (int256)',
  ]),
  crud: parseAbi([
    'function insert(string tableName, string key, string entry, string optional) returns (int256)',
    'function update(string tableName, string key, string entry, string condition, string optional) returns (int256)',
    'function remove(string tableName, string key, string condition, string optional) returns (int256)',
    'function select(string tableName, string key, string condition, string optional) view returns (string)',
    'function desc(string tableName) view returns (string, string)',
  ]),
  consensus: parseAbi([
    'function addSealer(string nodeID) returns (int256)',
    'function addObserver(string nodeID) returns (int256)',
    'function remove(string nodeID) returns (int256)',
  ]),
  cns: parseAbi([
    'function insert(string name, string version, string addr, string abi) returns (uint256)',
    'function selectByName(string name) view returns (string)',
    'function selectByNameAndVersion(string name, string version) view returns (string)',
    'function getContractAddress(string name, string version) view returns (address)',
  ]),
  permission: parseAbi([
    'function insert(string tableName, string addr) returns (int256)',
    'function remove(string tableName, string addr) returns (int256)',
    'function queryByName(string tableName) view returns (string)',
    'function grantWrite(address contractAddr, address user) returns (int256)',
    'function revokeWrite(address contractAddr, address user) returns (int256)',
    'function queryPermission(address contractAddr) view returns (string)',
  ]),
  chainGovernance: parseAbi([
    'function grantCommitteeMember(address user) returns (int256)',
    'function revokeCommitteeMember(address user) returns (int256)',
    'function listCommitteeMembers() view returns (string)',
    'function grantOperator(address user) returns (int256)',
    'function revokeOperator(address user) returns (int256)',
    'function listOperators() view returns (string)',
    'function freezeAccount(address account) returns (int256)',
    'function unfreezeAccount(address account) returns (int256)',
    'function getAccountStatus(address account) view returns (string)',
  ]),
} as const

/**
 * System tables that the table-based permission model guards (fisco-2x.md §5.1), by the name of
 * the FISCO console command family (`grantDeployAndCreateManager` → `_sys_tables_`).
 */
export const PermissionTable = {
  permissionManager: '_sys_table_access_',
  deployAndCreateManager: '_sys_tables_',
  nodeManager: '_sys_consensus_',
  cnsManager: '_sys_cns_',
  sysConfigManager: '_sys_config_',
} as const

/** A permission kind: one of `PermissionTable`'s keys, or `{ userTable }` for `u_<name>`. */
export type PermissionTarget = keyof typeof PermissionTable | { readonly userTable: string }

/** A CRUD condition: per field one comparison, plus an optional limit (FISCO CRUDPrecompiled JSON). */
export interface TableCondition {
  readonly [field: string]:
    | { eq?: string; ne?: string; gt?: string; ge?: string; lt?: string; le?: string }
    | undefined
}

/** CNS record. */
export interface CNSRecord {
  readonly name: string
  readonly version: string
  readonly address: Hex
  readonly abi: string
}

/** The system configuration keys FISCO 2.x lets `setSystemConfigByKey` change (fisco-2x.md §6). */
export const systemConfigKeys = [
  'tx_count_limit',
  'tx_gas_limit',
  'rpbft_epoch_sealer_num',
  'rpbft_epoch_block_num',
  'consensus_timeout',
  'enable_charge_mgr',
] as const

/** Result of a precompiled write: the receipt and the code it returned (rows affected, ≥ 0). */
export interface PrecompiledResult {
  readonly receipt: TransactionReceipt
  readonly code: number
}

/** Chain administration through the system precompiles: nodes, config, permissions, CNS, tables. */
export interface SystemHelpers {
  addSealer(nodeId: string, options?: SendOptions): Promise<PrecompiledResult>
  addObserver(nodeId: string, options?: SendOptions): Promise<PrecompiledResult>
  removeNode(nodeId: string, options?: SendOptions): Promise<PrecompiledResult>
  setSystemConfigByKey(
    key: string,
    value: string | number | bigint,
    options?: SendOptions,
  ): Promise<PrecompiledResult>
  getSystemConfigByKey(key: string): Promise<string>
  grantPermission(
    target: PermissionTarget,
    address: string,
    options?: SendOptions,
  ): Promise<PrecompiledResult>
  revokePermission(
    target: PermissionTarget,
    address: string,
    options?: SendOptions,
  ): Promise<PrecompiledResult>
  listPermission(target: PermissionTarget): Promise<{ address: Hex; enableNum: string }[]>
  grantContractWrite(contract: string, user: string, options?: SendOptions): Promise<PrecompiledResult>
  revokeContractWrite(contract: string, user: string, options?: SendOptions): Promise<PrecompiledResult>
  listContractWrite(contract: string): Promise<{ address: Hex; enableNum: string }[]>
  grantCommitteeMember(address: string, options?: SendOptions): Promise<PrecompiledResult>
  revokeCommitteeMember(address: string, options?: SendOptions): Promise<PrecompiledResult>
  listCommitteeMembers(): Promise<unknown[]>
  grantOperator(address: string, options?: SendOptions): Promise<PrecompiledResult>
  revokeOperator(address: string, options?: SendOptions): Promise<PrecompiledResult>
  listOperators(): Promise<unknown[]>
  freezeAccount(address: string, options?: SendOptions): Promise<PrecompiledResult>
  unfreezeAccount(address: string, options?: SendOptions): Promise<PrecompiledResult>
  registerCNS(
    name: string,
    version: string,
    address: string,
    abi: string,
    options?: SendOptions,
  ): Promise<PrecompiledResult>
  selectCNS(name: string, version?: string): Promise<CNSRecord[]>
  getCNSAddress(name: string, version: string): Promise<Hex>
  createTable(
    name: string,
    keyField: string,
    valueFields: readonly string[],
    options?: SendOptions,
  ): Promise<PrecompiledResult>
  createKVTable(
    name: string,
    keyField: string,
    valueFields: readonly string[],
    options?: SendOptions,
  ): Promise<PrecompiledResult>
  descTable(name: string): Promise<{ keyField: string; valueFields: string[] }>
  insert(
    table: string,
    key: string,
    entry: Readonly<Record<string, string>>,
    options?: SendOptions,
  ): Promise<PrecompiledResult>
  update(
    table: string,
    key: string,
    entry: Readonly<Record<string, string>>,
    condition?: TableCondition,
    options?: SendOptions & { limit?: [number, number] },
  ): Promise<PrecompiledResult>
  remove(
    table: string,
    key: string,
    condition?: TableCondition,
    options?: SendOptions & { limit?: [number, number] },
  ): Promise<PrecompiledResult>
  select(
    table: string,
    key: string,
    condition?: TableCondition,
    options?: { limit?: [number, number] },
  ): Promise<Record<string, string>[]>
  /** KV set: updates the row of `key`, or inserts it when there is none (two transactions at most). */
  kvSet(
    table: string,
    key: string,
    entry: Readonly<Record<string, string>>,
    options?: SendOptions,
  ): Promise<PrecompiledResult>
  /** KV get: the row of `key`, or `undefined`. */
  kvGet(table: string, key: string): Promise<Record<string, string> | undefined>
}

const NODE_ID_RE = /^(0x)?[0-9a-fA-F]{128}$/
const TABLE_NAME_RE = /^[A-Za-z0-9_$@]{1,48}$/

function checkNodeId(nodeId: string): string {
  if (typeof nodeId !== 'string' || !NODE_ID_RE.test(nodeId))
    throw invalidInput(
      'nodeId',
      '128 hex chars (64-byte node ID)',
      typeof nodeId === 'string' ? `${nodeId.length} chars` : typeof nodeId,
    )
  return nodeId.replace(/^0x/, '').toLowerCase()
}

function checkTable(name: string): string {
  if (typeof name !== 'string' || !TABLE_NAME_RE.test(name))
    throw invalidInput('table name', '1..48 chars of [A-Za-z0-9_$@]', JSON.stringify(name))
  return name
}

function targetTable(target: PermissionTarget): string {
  if (typeof target === 'object') return `u_${checkTable(target.userTable)}`
  const t = PermissionTable[target]
  if (t === undefined)
    throw invalidInput('permission target', Object.keys(PermissionTable).join(' | '), String(target))
  return t
}

function conditionJSON(condition: TableCondition | undefined, limit: [number, number] | undefined): string {
  const out: Record<string, unknown> = {}
  for (const [field, cmp] of Object.entries(condition ?? {})) if (cmp !== undefined) out[field] = cmp
  if (limit !== undefined) out.limit = { limit: `${limit[0]},${limit[1]}` }
  return JSON.stringify(out)
}

function parseJSONList(text: string, what: string): unknown[] {
  try {
    const v = JSON.parse(text === '' ? '[]' : text) as unknown
    return Array.isArray(v) ? v : []
  } catch {
    throw invalidInput(what, 'a JSON array', JSON.stringify(text.slice(0, 40)))
  }
}

/**
 * The system helpers of a client.
 *
 * @example
 * ```ts
 * const sys = createSystemHelpers(client)
 * await sys.setSystemConfigByKey('tx_count_limit', 2000)
 * await sys.createTable('t_user', 'name', ['age'])
 * await sys.insert('t_user', 'alice', { age: '30' })
 * await sys.select('t_user', 'alice') // [{ name: 'alice', age: '30' }]
 * ```
 */
export function createSystemHelpers(client: Client): SystemHelpers {
  async function write(
    contract: keyof typeof precompiledAbis,
    functionName: string,
    args: readonly unknown[],
    options?: SendOptions,
  ): Promise<PrecompiledResult> {
    const abi = precompiledAbis[contract] as Abi
    const data = client.abi.encodeFunctionData(abi, functionName, args)
    const receipt = await client.transact({ to: PrecompiledAddress[contract], data, ...options })
    const value =
      receipt.output === '0x'
        ? 0n
        : (client.abi.decodeFunctionResult(abi, functionName, receipt.output, args) as bigint)
    const code = Number(BigInt.asIntN(256, value))
    if (code < 0) {
      throw sdkError(
        { code: 'SDK_PRECOMPILED_ERROR', precompiledCode: code, contract, method: functionName },
        `${contract}.${functionName} returned ${code}${precompiledMessages[code] !== undefined ? ` (${precompiledMessages[code]})` : ''}`,
      )
    }
    return { receipt, code }
  }
  async function read(
    contract: keyof typeof precompiledAbis,
    functionName: string,
    args: readonly unknown[],
  ): Promise<unknown> {
    const abi = precompiledAbis[contract] as Abi
    const r = await client.call({
      to: PrecompiledAddress[contract],
      data: client.abi.encodeFunctionData(abi, functionName, args),
    })
    if (r.status !== 0) {
      const revert = client.decodeRevert(r.output)
      throw sdkError(
        {
          code: 'SDK_CALL_FAILED',
          status: r.status,
          statusName: String(r.status),
          ...(revert !== undefined ? { revertReason: revert.reason } : {}),
        },
        `${contract}.${functionName} call failed with status ${r.status}`,
      )
    }
    return client.abi.decodeFunctionResult(abi, functionName, r.output, args)
  }
  const parseAccess = (text: unknown) =>
    parseJSONList(String(text), 'permission list').map((x) => {
      const row = x as Record<string, unknown>
      return { address: toAddress(String(row.address)), enableNum: String(row.enable_num ?? '') }
    })
  const rows = (text: unknown) => parseJSONList(String(text), 'select result') as Record<string, string>[]

  const helpers: SystemHelpers = {
    addSealer: (nodeId, o) => write('consensus', 'addSealer', [checkNodeId(nodeId)], o),
    addObserver: (nodeId, o) => write('consensus', 'addObserver', [checkNodeId(nodeId)], o),
    removeNode: (nodeId, o) => write('consensus', 'remove', [checkNodeId(nodeId)], o),
    setSystemConfigByKey(key, value, o) {
      if (!(systemConfigKeys as readonly string[]).includes(key))
        throw invalidInput('key', systemConfigKeys.join(' | '), JSON.stringify(key))
      return write('systemConfig', 'setValueByKey', [key, String(value)], o)
    },
    getSystemConfigByKey: (key) => client.getSystemConfigByKey(key),
    grantPermission: (target, address, o) =>
      write('permission', 'insert', [targetTable(target), toAddress(address)], o),
    revokePermission: (target, address, o) =>
      write('permission', 'remove', [targetTable(target), toAddress(address)], o),
    listPermission: async (target) =>
      parseAccess(await read('permission', 'queryByName', [targetTable(target)])),
    grantContractWrite: (contract, user, o) =>
      write('permission', 'grantWrite', [toAddress(contract), toAddress(user)], o),
    revokeContractWrite: (contract, user, o) =>
      write('permission', 'revokeWrite', [toAddress(contract), toAddress(user)], o),
    listContractWrite: async (contract) =>
      parseAccess(await read('permission', 'queryPermission', [toAddress(contract)])),
    grantCommitteeMember: (a, o) => write('chainGovernance', 'grantCommitteeMember', [toAddress(a)], o),
    revokeCommitteeMember: (a, o) => write('chainGovernance', 'revokeCommitteeMember', [toAddress(a)], o),
    listCommitteeMembers: async () =>
      parseJSONList(String(await read('chainGovernance', 'listCommitteeMembers', [])), 'committee'),
    grantOperator: (a, o) => write('chainGovernance', 'grantOperator', [toAddress(a)], o),
    revokeOperator: (a, o) => write('chainGovernance', 'revokeOperator', [toAddress(a)], o),
    listOperators: async () =>
      parseJSONList(String(await read('chainGovernance', 'listOperators', [])), 'operators'),
    freezeAccount: (a, o) => write('chainGovernance', 'freezeAccount', [toAddress(a)], o),
    unfreezeAccount: (a, o) => write('chainGovernance', 'unfreezeAccount', [toAddress(a)], o),
    registerCNS(name, version, address, abi, o) {
      if (name.length === 0) throw invalidInput('name', 'a non-empty CNS name', '""')
      if (version.length === 0 || version.length > 128)
        throw invalidInput('version', '1..128 chars', `${version.length} chars`)
      return write('cns', 'insert', [name, version, toAddress(address), abi], o)
    },
    async selectCNS(name, version) {
      const text =
        version === undefined
          ? await read('cns', 'selectByName', [name])
          : await read('cns', 'selectByNameAndVersion', [name, version])
      return parseJSONList(String(text), 'CNS records').map((x) => {
        const r = x as Record<string, unknown>
        return {
          name: String(r.name),
          version: String(r.version),
          address: toAddress(String(r.address)),
          abi: String(r.abi ?? ''),
        }
      })
    },
    getCNSAddress: async (name, version) =>
      toAddress(String(await read('cns', 'getContractAddress', [name, version]))),
    createTable: (name, keyField, valueFields, o) =>
      write('tableFactory', 'createTable', [checkTable(name), keyField, valueFields.join(',')], o),
    createKVTable: (name, keyField, valueFields, o) =>
      write('kvTableFactory', 'createTable', [checkTable(name), keyField, valueFields.join(',')], o),
    async descTable(name) {
      const [keyField, valueFields] = (await read('crud', 'desc', [checkTable(name)])) as [string, string]
      return { keyField, valueFields: valueFields === '' ? [] : valueFields.split(',') }
    },
    insert: (table, key, entry, o) =>
      write('crud', 'insert', [checkTable(table), key, JSON.stringify(entry), ''], o),
    update: (table, key, entry, condition, o) =>
      write(
        'crud',
        'update',
        [checkTable(table), key, JSON.stringify(entry), conditionJSON(condition, o?.limit), ''],
        o,
      ),
    remove: (table, key, condition, o) =>
      write('crud', 'remove', [checkTable(table), key, conditionJSON(condition, o?.limit), ''], o),
    select: async (table, key, condition, o) =>
      rows(await read('crud', 'select', [checkTable(table), key, conditionJSON(condition, o?.limit), ''])),
    async kvSet(table, key, entry, o) {
      const updated = await helpers.update(table, key, entry, undefined, o)
      if (updated.code > 0) return updated
      return helpers.insert(table, key, entry, o)
    },
    async kvGet(table, key) {
      return (await helpers.select(table, key))[0]
    },
  }
  return helpers
}

/** Messages of the precompiled return codes (fisco-2x.md §3.3). */
export const precompiledMessages: Readonly<Record<number, string>> = {
  [-50000]: 'permission denied',
  [-50001]: 'table name already exists',
  [-50002]: 'table name length overflow',
  [-50003]: 'field length overflow',
  [-50004]: 'fields total length overflow',
  [-50005]: 'key value length overflow',
  [-50006]: 'field value length overflow',
  [-50007]: 'duplicate field',
  [-50008]: 'invalid field',
  [-50100]: 'table does not exist',
  [-50101]: 'unknown function call',
  [-50102]: 'address invalid',
  [-51000]: 'table name and address already exist',
  [-51001]: 'table name and address do not exist',
  [-51002]: 'table name overflow',
  [-51003]: 'contract does not exist',
  [-51004]: 'committee member permission managed by ChainGovernance',
  [-51100]: 'invalid node ID',
  [-51101]: 'the last sealer cannot be removed',
  [-51200]: 'CNS name and version already exist',
  [-51201]: 'CNS version length overflow',
  [-51300]: 'invalid configuration entry',
  [-51500]: 'entry parse error',
  [-51501]: 'condition parse error',
  [-51502]: 'condition operation undefined',
  [-51503]: 'invalid update of the table key',
  [-52000]: 'committee member already exists',
  [-52001]: 'committee member does not exist',
  [-52002]: 'invalid request: permission denied',
  [-52004]: 'an operator cannot be a committee member',
  [-52005]: 'a committee member cannot be an operator',
  [-52006]: 'operator already exists',
  [-52007]: 'operator does not exist',
  [-52008]: 'account does not exist',
  [-52009]: 'invalid account address',
  [-52010]: 'account already available',
  [-52011]: 'account frozen',
}
