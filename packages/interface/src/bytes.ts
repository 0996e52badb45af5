/** Raw bytes. Every binary value in the public API is a Uint8Array. */
export type Bytes = Uint8Array

/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`

/** A 20-byte account or contract address. */
export type Address = Uint8Array

/** A 32-byte hash (Keccak-256 on standard chains, SM3 on guomi chains). */
export type Hash32 = Uint8Array

/** A node ID: the 64-byte uncompressed public key X‖Y of the node's key, without the 0x04 prefix. */
export type NodeId = Uint8Array

/** A group ID, 1..32767 as in FISCO BCOS 2.x. */
export type GroupId = number

/** The largest group ID FISCO BCOS 2.x accepts (libethcore/Protocol.h `maxGroupID`). */
export const GROUP_ID_MAX = 32767

/** A block height. Heights fit safely in a JS number (2^53). */
export type BlockNumber = number
