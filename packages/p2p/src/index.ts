/**
 * @consortia/p2p — node-to-node transport for Consortia, modelled on FISCO BCOS 2.x.
 *
 * WebSocket (`ws`) over mutually authenticated TLS: certificates chain to the chain CA
 * (CA → agency → node) and a peer's node ID is the 64-byte public key of its node
 * certificate. Frames carry a group ID and module ID (FISCO's P2PMessage header) under a
 * hard size limit; per-peer send queues are bounded; configured peers are redialed with
 * backoff; the certificate black- and whitelist reload at run time. On top, `createAMOP`
 * gives clients of a node topic messaging across the network, private topics included.
 * `certs` generates the CA, agency and node certificates (secp256k1 or P-256) in pure
 * TypeScript.
 *
 * @example
 * ```ts
 * import { createCA, createAgency, createNodeCert, createP2PNode } from '@consortia/p2p'
 *
 * const ca = createCA({ subject: { commonName: 'chain' } })
 * const agency = createAgency(ca, { subject: { commonName: 'agency' } })
 * const [a, b] = ['node0', 'node1'].map((cn) => createNodeCert(agency, { subject: { commonName: cn } }))
 * const tls = (n: typeof a) => ({ certPem: n.chainPem, keyPem: n.keyPem, caPem: ca.certPem })
 * const nodeA = await createP2PNode(tls(a))
 * const nodeB = await createP2PNode({ ...tls(b), peers: [nodeA.address] })
 * nodeA.subscribe(1, 8, (from, msg) => console.log('PBFT packet', msg.packetType, 'from', from))
 * nodeB.send(nodeA.localId, { groupId: 1, moduleId: 8, packetType: 0, payload: new Uint8Array([1]) })
 * ```
 */
export * from './amop.js'
export * from './certs.js'
export * from './errors.js'
export * from './frame.js'
export * from './hex.js'
export * from './node.js'
export * from './peer-check.js'
export * from './send-queue.js'
