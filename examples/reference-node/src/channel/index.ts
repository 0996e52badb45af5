/**
 * The FISCO BCOS 2.x channel protocol (TLS 1.2, secp256k1, 42-byte frames): the frame codec,
 * event-log filters and the server.
 *
 * @example
 * ```ts
 * import { startChannelServer } from './channel/index.js'
 *
 * const channel = await startChannelServer({ host: '0.0.0.0', port: 20200, node, tls: { certPem, keyPem, caPem } })
 * ```
 */
export * from './event-filter.js'
export * from './frame.js'
export * from './server.js'
