import { randomBytes, randomInt } from 'node:crypto'
import type { Clock, NodeId, Random, Transport, TransportMessage } from '@consortia/interface'

/** Wall-clock time and `setTimeout` timers. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, delayMs)
    return () => clearTimeout(t)
  },
}

/** Randomness from the operating system (Raft election timeouts). */
export const systemRandom: Random = {
  nextU32: () => randomBytes(4).readUInt32BE(0),
  nextInt: (maxExclusive) => randomInt(maxExclusive),
  nextFloat: () => randomBytes(4).readUInt32BE(0) / 2 ** 32,
  bytes: (length) => new Uint8Array(randomBytes(length)),
}

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * A transport that speaks consensus node IDs over a transport keyed by TLS node IDs, for chains
 * whose consensus keys are not the TLS keys (SM chains: SM2 consensus keys, secp256k1 TLS
 * certificates). `identities` maps TLS ID hex → consensus ID hex; messages from peers not in
 * the map are dropped, sends to unknown IDs are ignored.
 */
export function createIdentityTransport(
  inner: Transport,
  localId: NodeId,
  identities: Readonly<Record<string, string>>,
): Transport {
  const toConsensus = new Map<string, NodeId>()
  const toTls = new Map<string, NodeId>()
  for (const [tls, consensus] of Object.entries(identities)) {
    toConsensus.set(tls, Uint8Array.from(Buffer.from(consensus, 'hex')))
    toTls.set(consensus, Uint8Array.from(Buffer.from(tls, 'hex')))
  }
  const tlsOf = (id: NodeId) => toTls.get(hexOf(id))
  return {
    localId,
    send(to: NodeId, message: TransportMessage) {
      const tls = tlsOf(to)
      if (tls !== undefined) inner.send(tls, message)
    },
    broadcast(message, to) {
      if (to === undefined) {
        inner.broadcast(message)
        return
      }
      const mapped: NodeId[] = []
      for (const id of to) {
        const tls = tlsOf(id)
        if (tls !== undefined) mapped.push(tls)
      }
      inner.broadcast(message, mapped)
    },
    subscribe(groupId, moduleId, handler) {
      return inner.subscribe(groupId, moduleId, (from, message) => {
        const id = toConsensus.get(hexOf(from))
        if (id !== undefined) handler(id, message)
      })
    },
    peers() {
      return inner.peers().flatMap((p) => {
        const id = toConsensus.get(hexOf(p.nodeId))
        return id === undefined ? [] : [{ nodeId: id, address: p.address }]
      })
    },
    close: () => inner.close(),
  }
}
