/**
 * Consensus message codecs, JSON-hex (`encodeConsensusJSON`) against binary
 * (`encodeConsensusBinary`), interleaved in one process: CPU µs per encode and per decode of a
 * PBFT prepare carrying a block of N raw transactions, and the bytes on the wire.
 *
 *   node --conditions=source --import tsx bench/codec-bench.ts [txs=250] [txBytes=300] [rounds=200]
 */
import { randomBytes } from 'node:crypto'
import {
  decodeConsensusJSON,
  decodeConsensusMessage,
  encodeConsensusBinary,
  encodeConsensusJSON,
} from '../src/index.js'

const txs = Number(process.argv[2] ?? 250)
const txBytes = Number(process.argv[3] ?? 300)
const rounds = Number(process.argv[4] ?? 200)

const message = {
  type: 'prepare',
  height: 1234,
  view: 7,
  block: {
    number: 1234,
    hash: randomBytes(32),
    parentHash: randomBytes(32),
    txCount: txs,
    payload: {
      header: randomBytes(700),
      transactions: Array.from({ length: txs }, () => Uint8Array.from(randomBytes(txBytes))),
    },
  },
  justification: undefined,
}

const cpuUs = (fn: () => void): number => {
  const start = process.cpuUsage()
  fn()
  const d = process.cpuUsage(start)
  return d.user + d.system
}

const codecs = {
  json: { encode: encodeConsensusJSON, decode: (b: Uint8Array) => decodeConsensusJSON(b) },
  binary: { encode: encodeConsensusBinary, decode: (b: Uint8Array) => decodeConsensusMessage(b) },
}
const totals = { json: { enc: 0, dec: 0, bytes: 0 }, binary: { enc: 0, dec: 0, bytes: 0 } }
for (let r = 0; r < rounds + 10; r++) {
  for (const name of ['json', 'binary'] as const) {
    const c = codecs[name]
    let bytes: Uint8Array = new Uint8Array()
    const enc = cpuUs(() => {
      bytes = c.encode(message)
    })
    const dec = cpuUs(() => {
      c.decode(bytes)
    })
    if (r < 10) continue // warm-up
    totals[name].enc += enc
    totals[name].dec += dec
    totals[name].bytes = bytes.length
  }
}
console.log(`prepare with ${txs} transactions of ${txBytes} bytes, ${rounds} rounds each, interleaved`)
console.log('codec   | bytes   | encode µs CPU | decode µs CPU | per tx (enc+dec) µs')
for (const name of ['json', 'binary'] as const) {
  const t = totals[name]
  const enc = t.enc / rounds
  const dec = t.dec / rounds
  console.log(
    `${name.padEnd(7)} | ${String(t.bytes).padStart(7)} | ${enc.toFixed(0).padStart(13)} | ${dec.toFixed(0).padStart(13)} | ${((enc + dec) / txs).toFixed(2)}`,
  )
}
const j = totals.json
const b = totals.binary
console.log(
  `binary/json: bytes ${(b.bytes / j.bytes).toFixed(2)}, encode ${(b.enc / j.enc).toFixed(2)}, decode ${(b.dec / j.dec).toFixed(2)}`,
)
