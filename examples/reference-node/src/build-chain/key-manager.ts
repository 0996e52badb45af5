import { randomBytes } from 'node:crypto'
import { invalidArgument } from '../errors.js'
import { type KeyManagerCallOptions, requestCipherDataKey } from '../key-manager/client.js'
import { type BuiltChain, buildChain } from './generate.js'
import type { BuildChainOptions } from './options.js'

/** Random bytes of each node's data key (written as 64 hex characters, the string the key manager seals). */
export const BUILD_DATA_KEY_BYTES = 32

/** The `storageSecurity` section build-chain writes into one node's config. */
export interface NodeStorageSecurity {
  /** The key manager the node asks at start (`decDataKey`). */
  readonly keyManagerUrl: string
  /** The node's data key sealed by the key manager (FISCO `cipher_data_key`). */
  readonly cipherDataKey: string
}

/** Checks `--key-manager` / `-k`: an `http(s)://host:port` URL. */
export function parseKeyManagerUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalidArgument('-k', 'the key manager URL, e.g. http://127.0.0.1:8150', JSON.stringify(text))
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
    throw invalidArgument('-k', 'an http:// or https:// URL of the key manager', JSON.stringify(text))
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw invalidArgument('-k', 'a URL without path, query or credentials', JSON.stringify(text))
  }
  return `${url.protocol}//${url.host}`
}

/**
 * FISCO's disk-encryption setup for `build-chain -k <url>` (the `gen_data_secure_key.sh` step, one
 * per node): draws a fresh random data key for each of `nodeCount` nodes, has the key manager at
 * `keyManagerUrl` seal it (`encDataKey`), and returns only the sealed forms. The plaintext data
 * keys live in this function's memory and are never written or returned; each node fetches its
 * key back from the key manager at start (`decDataKey`). Any key manager failure throws
 * (`KM_UNREACHABLE`, `KM_REFUSED`, `KM_BAD_RESPONSE`) before build-chain writes anything.
 */
export async function requestNodeStorageSecurity(
  keyManagerUrl: string,
  nodeCount: number,
  options: KeyManagerCallOptions = {},
): Promise<NodeStorageSecurity[]> {
  const url = parseKeyManagerUrl(keyManagerUrl)
  if (!Number.isInteger(nodeCount) || nodeCount < 1) {
    throw invalidArgument('nodeCount', 'a positive integer', String(nodeCount))
  }
  const out: NodeStorageSecurity[] = []
  for (let i = 0; i < nodeCount; i++) {
    const dataKey = randomBytes(BUILD_DATA_KEY_BYTES).toString('hex')
    out.push({ keyManagerUrl: url, cipherDataKey: await requestCipherDataKey(url, dataKey, options) })
  }
  return out
}

/**
 * `consortia build-chain`: {@link buildChain}, and with `-k` ({@link BuildChainOptions.keyManagerUrl})
 * first {@link requestNodeStorageSecurity} for every node, so each `config.json` carries
 * `storageSecurity: { keyManagerUrl, cipherDataKey }` and nothing is written when the key
 * manager cannot be reached.
 */
export async function buildSecureChain(
  options: BuildChainOptions,
  callOptions: KeyManagerCallOptions = {},
): Promise<BuiltChain> {
  if (options.keyManagerUrl === undefined) return buildChain(options)
  const nodeCount = options.hosts.reduce((n, h) => n + h.count, 0)
  return buildChain(options, await requestNodeStorageSecurity(options.keyManagerUrl, nodeCount, callOptions))
}
