import type { Bytes, GroupId, NodeId } from './bytes.js'

/** FISCO 2.x p2p module IDs (libethcore/Protocol.h). */
export const ModuleId = {
  AMOP: 1,
  Topic: 2,
  PBFT: 8,
  BlockSync: 9,
  TxPool: 10,
  Raft: 11,
} as const

/** A p2p message addressed to one group's module on a peer. */
export interface TransportMessage {
  readonly groupId: GroupId
  readonly moduleId: number
  readonly packetType: number
  readonly payload: Bytes
}

/** A connected peer. */
export interface PeerInfo {
  readonly nodeId: NodeId
  readonly address: string
}

/** Receives messages for one (group, module). */
export type MessageHandler = (from: NodeId, message: TransportMessage) => void

/**
 * Node-to-node messaging. Peers are known by node ID, authenticated by the transport
 * (mutual TLS in the node, a simulated network in tests). Sending is fire-and-forget:
 * consensus and sync tolerate loss.
 */
export interface Transport {
  readonly localId: NodeId
  send(to: NodeId, message: TransportMessage): void
  /** Send to every connected peer in `to` (or every peer when omitted). */
  broadcast(message: TransportMessage, to?: readonly NodeId[]): void
  /** Register the handler of one (group, module); returns a function that removes it. */
  subscribe(groupId: GroupId, moduleId: number, handler: MessageHandler): () => void
  peers(): readonly PeerInfo[]
  close(): Promise<void>
}
