import type { Logger } from '@consortia/interface'
import type { AccountTables } from './accounts.js'
import type { AclStore } from './acl.js'
import type { PermissionMode } from './caller.js'
import type { Store } from './store.js'

/** What the parts of one block's `Permission` share. */
export interface PermissionScope {
  readonly store: Store
  readonly acl: AclStore
  readonly accounts: AccountTables
  readonly blockNumber: number
  readonly mode: PermissionMode
  readonly voteValidBlocks: number
  readonly contractManagersMax: number
  readonly log: Logger
}

/** JSON as FISCO's precompiles return it (jsoncpp `FastWriter`: compact, one trailing newline). */
export function fiscoJson(value: unknown): string {
  return `${JSON.stringify(value)}\n`
}
