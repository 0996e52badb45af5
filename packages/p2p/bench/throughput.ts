// Throughput between two P2P nodes over TLS on 127.0.0.1: messages per second and MB/s
// for 200-byte and 64-KB payloads, secp256k1 (TLS 1.2) and P-256 (TLS 1.3).
// Run: node --conditions=source --import tsx bench/throughput.ts [--quick] [--json]   (from packages/p2p)
// --quick sends a tenth of the messages; --json adds one last stdout line,
// {"bench":"p2p","rows":[...]}, for the repository's bench/run.ts.
import { ModuleId } from '@consortia/interface'
import { type CertCurve, createAgency, createCA, createNodeCert, createP2PNode } from '../src/index.js'

interface Row {
  curve: string
  tls: string
  payloadBytes: number
  messages: number
  seconds: number
  msgPerS: number
  mbPerS: number
}

async function measure(curve: CertCurve, payloadBytes: number, messages: number): Promise<Row> {
  const ca = createCA({ subject: { commonName: 'bench-chain' }, curve })
  const agency = createAgency(ca, { subject: { commonName: 'bench-agency' } })
  const [ca0, ca1] = [
    createNodeCert(agency, { subject: { commonName: 'a' } }),
    createNodeCert(agency, { subject: { commonName: 'b' } }),
  ]
  const a = await createP2PNode({ certPem: ca0.chainPem, keyPem: ca0.keyPem, caPem: ca.certPem })
  let tls = ''
  a.onEvent((e) => {
    if (e.type === 'connected') tls = e.tlsProtocol
  })
  const b = await createP2PNode({
    certPem: ca1.chainPem,
    keyPem: ca1.keyPem,
    caPem: ca.certPem,
    peers: [a.address],
  })
  while (a.peers().length === 0 || b.peers().length === 0) await new Promise((r) => setTimeout(r, 5))
  let received = 0
  let done: () => void = () => undefined
  const finished = new Promise<void>((r) => {
    done = r
  })
  a.subscribe(1, ModuleId.BlockSync, () => {
    if (++received === messages) done()
  })
  const payload = new Uint8Array(payloadBytes).fill(0x5a)
  const message = { groupId: 1, moduleId: ModuleId.BlockSync, packetType: 1, payload }
  const start = process.hrtime.bigint()
  for (let i = 0; i < messages; i++) await b.sendWhenReady(a.localId, message)
  await finished
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  await Promise.all([a.close(), b.close()])
  return {
    curve,
    tls,
    payloadBytes,
    messages,
    seconds,
    msgPerS: messages / seconds,
    mbPerS: (messages * payloadBytes) / seconds / 1e6,
  }
}

const quick = process.argv.includes('--quick')
const json = process.argv.includes('--json')
const rows: Row[] = []
for (const curve of ['secp256k1', 'P-256'] as const) {
  rows.push(await measure(curve, 200, quick ? 10_000 : 100_000))
  rows.push(await measure(curve, 64 * 1024, quick ? 400 : 4_000))
}
const pad = (s: string, n: number) => s.padStart(n)
console.log(`node ${process.version}, ${process.arch}`)
console.log(
  `${pad('curve', 10)} ${pad('tls', 8)} ${pad('payload B', 10)} ${pad('messages', 9)} ${pad('s', 7)} ${pad('msg/s', 10)} ${pad('MB/s', 8)}`,
)
for (const r of rows) {
  console.log(
    `${pad(r.curve, 10)} ${pad(r.tls, 8)} ${pad(String(r.payloadBytes), 10)} ${pad(String(r.messages), 9)} ${pad(r.seconds.toFixed(2), 7)} ${pad(Math.round(r.msgPerS).toString(), 10)} ${pad(r.mbPerS.toFixed(1), 8)}`,
  )
}
if (json) console.log(JSON.stringify({ bench: 'p2p', rows }))
