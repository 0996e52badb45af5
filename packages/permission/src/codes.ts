import { TxStatus } from '@consortia/interface'

/**
 * Return codes of the permission precompiles (FISCO BCOS 2.x libprecompiled/Common.h
 * `PrecompiledError` and libstorage/Common.h; reference: FISCO-BCOS-DOC 2.x api.md
 * "预编译错误码"). Write methods return the number of affected rows (≥ 0) or one of these.
 *
 * Codes marked "Consortia" do not exist in FISCO 2.x: they report refusals FISCO does not
 * make (the last committee member, a full ACL) or makes by throwing (a weight ≤ 0).
 */
export const PermissionCode = {
  Success: 0,
  /** The account may not write the table (FISCO `CODE_NO_AUTHORIZED`). */
  PermissionDenied: -50000,
  /** An address argument does not parse (FISCO `CODE_ADDRESS_INVALID`). */
  AddressInvalid: -50102,
  // PermissionPrecompiled (-510xx)
  TableAndAddressExist: -51000,
  TableAndAddressNotExist: -51001,
  TableNameOverflow: -51002,
  ContractNotExist: -51003,
  /** `_sys_table_access_` (the committee) is managed by ChainGovernance only. */
  CommitteePermission: -51004,
  /** Consortia: the table's ACL holds `aclEntriesMax` addresses already. */
  AclEntriesLimitReached: -51005,
  // ContractLifeCycle (-519xx)
  ContractFrozen: -51900,
  ContractAvailable: -51901,
  ContractRepeatAuthorization: -51902,
  InvalidContractAddress: -51903,
  TableNotExist: -51904,
  NoAuthorized: -51905,
  NonExistAuthorization: -51906,
  RevokeLastAuthorization: -51907,
  /** Consortia: the contract has `contractManagersMax` managers already. */
  ManagersLimitReached: -51908,
  // ChainGovernance (-520xx)
  CommitteeMemberExist: -52000,
  CommitteeMemberNotExist: -52001,
  InvalidRequestPermissionDenied: -52002,
  InvalidThreshold: -52003,
  OperatorCannotBeCommitteeMember: -52004,
  CommitteeMemberCannotBeOperator: -52005,
  OperatorExist: -52006,
  OperatorNotExist: -52007,
  AccountNotExist: -52008,
  InvalidAccountAddress: -52009,
  AccountAlreadyAvailable: -52010,
  AccountFrozen: -52011,
  CurrentValueIsExpectedValue: -52012,
  /** Consortia: revoking this member would leave the chain without a committee. */
  LastCommitteeMember: -52013,
  /** Consortia: a committee weight must be a positive integer (FISCO ≥ 2.7 throws instead). */
  InvalidWeight: -52014,
} as const

/** One of the codes in `PermissionCode`. */
export type PermissionCodeValue = (typeof PermissionCode)[keyof typeof PermissionCode]

/**
 * Receipt statuses this package asks the executor to put on a refused transaction
 * (FISCO 2.x `TransactionException`, reference/fisco-2x.md §1.2).
 */
export const PermissionStatus = {
  /** A deploy transaction whose sender may not deploy. */
  NoDeployPermission: TxStatus.NoDeployPermission,
  /** A table write, storage write or nested CREATE refused by an ACL. */
  PermissionDenied: TxStatus.PermissionDenied,
  /** A call into a frozen contract. */
  ContractFrozen: TxStatus.ContractFrozen,
  /** A transaction from a frozen account. */
  AccountFrozen: TxStatus.AccountFrozen,
} as const

/** `getStatus` texts of ContractLifeCyclePrecompiled (FISCO ContractLifeCyclePrecompiled.h `CONTRACT_STATUS_DESC`). */
export const ContractStatusText = {
  available: 'The contract is available.',
  frozen: 'The contract has been frozen. You can invoke this contract after unfreezing it.',
  nonexistent: 'The address is nonexistent.',
  notContract: 'This is not a contract address.',
} as const

/** `getAccountStatus` texts of ChainGovernancePrecompiled (FISCO ChainGovernancePrecompiled.cpp `ACCOUNT_STATUS_DESC`). */
export const AccountStatusText = {
  available: 'The account is available.',
  frozen: 'The account has been frozen. You can use this account after unfreezing it.',
  nonexistent: 'The address is nonexistent.',
  notAccount: 'This is not a account address.',
} as const
