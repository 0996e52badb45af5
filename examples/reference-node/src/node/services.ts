import type { Logger } from '@consortia/interface'
import { startChannelServer } from '../channel/server.js'
import type { NodeConfig } from '../config/schema.js'
import type { NodeBackend } from '../rpc/backend.js'
import { startRpcServer } from '../rpc/http-server.js'

/** The client-facing servers of a node. */
export interface NodeServices {
  readonly ports: { rpc: number; channel?: number }
  /** Stops accepting and closes open connections, channel first. */
  close(): Promise<void>
}

/**
 * Starts the FISCO JSON-RPC server (`config.rpc`) and the channel server over TLS
 * (`config.channel`, skipped when its port is 0), both over the node backend.
 */
export async function startServices(init: {
  readonly config: NodeConfig
  readonly node: NodeBackend
  readonly tls: { caPem: string; certPem: string; keyPem: string }
  readonly logger: Logger
}): Promise<NodeServices> {
  const { config, node } = init
  const rpc = await startRpcServer({
    host: config.rpc.listenIp,
    port: config.rpc.port,
    node,
    logger: init.logger.child({ component: 'rpc' }),
  })
  let channel: Awaited<ReturnType<typeof startChannelServer>> | undefined
  try {
    if (config.channel.port !== 0) {
      channel = await startChannelServer({
        host: config.channel.listenIp,
        port: config.channel.port,
        tls: init.tls,
        node,
        logger: init.logger.child({ component: 'channel' }),
      })
    }
  } catch (err) {
    await rpc.close()
    throw err
  }
  return {
    ports: { rpc: rpc.port, ...(channel === undefined ? {} : { channel: channel.port }) },
    async close() {
      await channel?.close()
      await rpc.close()
    },
  }
}
