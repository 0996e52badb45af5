/**
 * The evidence-storage CLI: keys, deploy, fingerprint, sign, register, verify a file against
 * the chain, export a proof for offline checking (`src/verify-cli.ts` checks it).
 *
 *   node --conditions=source --import tsx src/cli.ts <command> [options]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { accountFromPEM, type Client, createAccount, createClient, createHttpTransport } from '@consortia/sdk'
import { invalidInput } from './errors.js'
import {
  deployEvidenceRegistry,
  exportEvidenceProof,
  openEvidenceRegistry,
  type Party,
  registerEvidence,
  signEvidence,
  verifyFile,
} from './evidence.js'
import { type FingerprintAlgorithmName, fingerprintOf } from './fingerprint.js'

/** Usage text of the CLI. */
export const USAGE = `usage: evidence <command> [options]

commands:
  new-key --out <file.pem>                  write a new ECDSA key (PKCS#8 PEM), print its address
  deploy --key <pem> --party <name=address> … --threshold <n>
                                            deploy a registry of parties; print its address
  fingerprint --file <evidence> [--algorithm keccak256|sm3]
  sign --key <party.pem> --registry <address> --file <evidence> [--algorithm …]
                                            print the party's signature (offline)
  register --key <pem> --registry <address> --file <evidence> --description <text>
           --signature <hex> … --out <registration.json> [--algorithm …]
  verify --registry <address> --file <evidence> [--algorithm …]
                                            is the file registered? exit 3 when not
  export-proof --registration <registration.json> --out <proof.json>
                                            Merkle proofs and the signed header, for verify-cli

options: --url <http://127.0.0.1:8545> --group <1> --chain-id <1>`

/** Where the CLI writes. */
export interface CliIO {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
}

const consoleIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v === '') throw invalidInput(`--${name}`, 'a value', 'nothing')
  return v
}

/** Runs one CLI command; resolves to the exit code (0 ok, 1 error, 3 file not registered). */
export async function runCli(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help') {
    io.out(USAGE)
    return command === undefined ? 1 : 0
  }
  let client: Client | undefined
  try {
    const { values } = parseArgs({
      args: [...rest],
      options: {
        url: { type: 'string', default: 'http://127.0.0.1:8545' },
        group: { type: 'string', default: '1' },
        'chain-id': { type: 'string', default: '1' },
        key: { type: 'string' },
        out: { type: 'string' },
        registry: { type: 'string' },
        file: { type: 'string' },
        algorithm: { type: 'string', default: 'keccak256' },
        party: { type: 'string', multiple: true },
        threshold: { type: 'string' },
        description: { type: 'string', default: '' },
        signature: { type: 'string', multiple: true },
        registration: { type: 'string' },
      },
    })
    const algorithm = values.algorithm as FingerprintAlgorithmName
    if (algorithm !== 'keccak256' && algorithm !== 'sm3')
      throw invalidInput('--algorithm', 'keccak256 or sm3', algorithm)
    const account =
      values.key === undefined ? undefined : accountFromPEM(readFileSync(values.key, 'utf8'), 'ecdsa')
    const needKey = () => {
      if (account === undefined) throw invalidInput('--key', 'a PEM key file', 'nothing')
      return account
    }
    const fileFingerprint = () =>
      fingerprintOf(new Uint8Array(readFileSync(required(values, 'file'))), algorithm)
    const connect = () => {
      client = createClient({
        transport: createHttpTransport({ url: values.url }),
        groupId: Number(values.group),
        chainId: BigInt(values['chain-id']),
        ...(account === undefined ? {} : { account }),
      })
      return client
    }
    switch (command) {
      case 'new-key': {
        const a = createAccount('ecdsa')
        writeFileSync(required(values, 'out'), a.toPEM(), { mode: 0o600 })
        io.out(a.address)
        return 0
      }
      case 'deploy': {
        needKey()
        const parties: Party[] = (values.party ?? []).map((p) => {
          const m = /^([^=]+)=(0x[0-9a-fA-F]{40})$/.exec(p)
          if (m === null) throw invalidInput('--party', 'name=0xaddress', JSON.stringify(p))
          return { name: m[1]!, address: m[2]! }
        })
        const contract = await deployEvidenceRegistry(connect(), {
          parties,
          threshold: Number(required(values, 'threshold')),
        })
        io.out(contract.address)
        return 0
      }
      case 'fingerprint': {
        const fp = fileFingerprint()
        io.out(`${fp.algorithm} ${fp.digest}`)
        return 0
      }
      case 'sign': {
        io.out(signEvidence(needKey(), required(values, 'registry'), fileFingerprint()))
        return 0
      }
      case 'register': {
        needKey()
        const registration = await registerEvidence(
          connect(),
          required(values, 'registry'),
          fileFingerprint(),
          values.description,
          values.signature ?? [],
        )
        const { receipt: _r, ...kept } = registration
        writeFileSync(required(values, 'out'), `${JSON.stringify(kept, null, 2)}\n`)
        io.out(`registered ${registration.fingerprint.digest} in block ${registration.blockNumber}`)
        return 0
      }
      case 'verify': {
        const r = await verifyFile(
          openEvidenceRegistry(connect(), required(values, 'registry')),
          new Uint8Array(readFileSync(required(values, 'file'))),
          algorithm,
        )
        if (!r.registered) {
          io.out(`NOT REGISTERED: ${r.fingerprint.algorithm} ${r.fingerprint.digest}`)
          return 3
        }
        io.out(
          `REGISTERED: ${r.fingerprint.algorithm} ${r.fingerprint.digest} in block ${r.record.blockNumber}, signed by ${r.record.signers.map((s) => s.name).join(', ')}`,
        )
        return 0
      }
      case 'export-proof': {
        const registration = JSON.parse(readFileSync(required(values, 'registration'), 'utf8'))
        const proof = await exportEvidenceProof(connect(), registration)
        writeFileSync(required(values, 'out'), `${JSON.stringify(proof, null, 2)}\n`)
        io.out(`proof of block ${Number(proof.block['number'])} written`)
        return 0
      }
      default:
        io.err(`unknown command ${JSON.stringify(command)}\n${USAGE}`)
        return 1
    }
  } catch (err) {
    io.err(err instanceof Error ? err.message : String(err))
    return 1
  } finally {
    await (client as Client | undefined)?.close()
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2))
}
