import type { LogContext, Logger } from '@consortia/interface'
import {
  type CertBundle,
  type CertCurve,
  createAgency,
  createCA,
  createNodeCert,
  createP2PNode,
  type NodeCertBundle,
  type P2PEvent,
  type P2PNode,
  type P2PNodeInit,
} from '../src/index.js'

/** A chain CA with one agency. */
export interface TestChain {
  readonly ca: CertBundle
  readonly agency: CertBundle
  node(name: string, extra?: Partial<Parameters<typeof createNodeCert>[1]>): NodeCertBundle
}

export function makeChain(curve: CertCurve = 'secp256k1', name = 'chain'): TestChain {
  const ca = createCA({ subject: { commonName: name, organization: 'consortia-test' }, curve })
  const agency = createAgency(ca, { subject: { commonName: `${name}-agency` } })
  return {
    ca,
    agency,
    node: (cn, extra = {}) => createNodeCert(agency, { subject: { commonName: cn }, ...extra }),
  }
}

/** TLS fields of a node's init. */
export function tlsOf(
  chain: TestChain,
  cert: NodeCertBundle,
): Pick<P2PNodeInit, 'certPem' | 'keyPem' | 'caPem'> {
  return { certPem: cert.chainPem, keyPem: cert.keyPem, caPem: chain.ca.certPem }
}

/** Fast reconnects for tests. */
export const FAST: Partial<P2PNodeInit> = {
  reconnectDelayMsMin: 50,
  reconnectDelayMsMax: 200,
  handshakeTimeoutMs: 3000,
}

/** A logger that keeps every line, to check that refusals are logged with their reason. */
export function memoryLogger(
  lines: { level: string; message: string; context: LogContext }[] = [],
  bindings: LogContext = {},
): Logger & { lines: typeof lines } {
  const at =
    (level: string) =>
    (message: string, context: LogContext = {}) => {
      lines.push({ level, message, context: { ...bindings, ...context } })
    }
  return {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(lines, { ...bindings, ...more }),
  }
}

/** Record a node's events. */
export function recordEvents(node: P2PNode): P2PEvent[] {
  const events: P2PEvent[] = []
  node.onEvent((e) => events.push(e))
  return events
}

/** Poll until `predicate` holds, failing with `label` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, label: string, timeoutMs = 8000): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${label}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export async function startNode(init: P2PNodeInit, logger?: Logger): Promise<P2PNode> {
  return createP2PNode({ ...FAST, ...init }, logger === undefined ? {} : { logger })
}

export function hex(id: Uint8Array): string {
  return Buffer.from(id).toString('hex')
}
