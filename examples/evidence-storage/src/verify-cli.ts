/**
 * The standalone offline verifier: reads an exported proof (and optionally the evidence file
 * and the sealers' node IDs), needs no node and no network, prints every check and exits 0
 * when all pass, 1 otherwise.
 *
 *   node --conditions=source --import tsx src/verify-cli.ts <proof.json> [--file <evidence>] [--sealers <id,id,…>]
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parseEvidenceProof, verifyEvidenceProof } from './verifier.js'

/** Where the verifier writes. */
export interface VerifyCliIO {
  readonly out: (line: string) => void
}

/** Runs the offline verifier on `argv`; resolves to the exit code. */
export function runVerifyCli(
  argv: readonly string[],
  io: VerifyCliIO = { out: (l) => process.stdout.write(`${l}\n`) },
): number {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { file: { type: 'string' }, sealers: { type: 'string' } },
    })
    if (positionals.length !== 1) {
      io.out('usage: verify-cli <proof.json> [--file <evidence>] [--sealers <nodeId,nodeId,…>]')
      return 1
    }
    const proof = parseEvidenceProof(readFileSync(positionals[0]!, 'utf8'))
    const result = verifyEvidenceProof(proof, {
      ...(values.file === undefined ? {} : { file: new Uint8Array(readFileSync(values.file)) }),
      ...(values.sealers === undefined ? {} : { trustedSealers: values.sealers.split(',') }),
    })
    for (const c of result.checks) io.out(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`)
    if (result.evidence !== undefined) {
      const e = result.evidence
      io.out(
        `VALID: ${e.fingerprint.algorithm} ${e.fingerprint.digest} in block ${e.blockNumber} at ${new Date(e.timestamp).toISOString()}, signed by ${e.signers.join(', ')}`,
      )
    } else {
      io.out('INVALID')
    }
    return result.ok ? 0 : 1
  } catch (err) {
    io.out(`INVALID: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = runVerifyCli(process.argv.slice(2))
}
