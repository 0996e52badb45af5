/**
 * End to end on a 4-node PBFT chain: the court, the arbitration body and the notary run
 * nodes 0–2 and are the registry's parties (node 3, a litigant's gateway, is turned into an
 * observer, so the three institutions are the sealers). Evidence is registered with party
 * signatures checked on chain, files are verified against the chain, proofs of inclusion are
 * exported over JSON-RPC and checked offline, and tampering with the proof or the file is
 * rejected. The CLI and the standalone verifier run the same flow.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestChain, type TestChain, waitInSync } from '@consortia/reference-node'
import {
  type Account,
  type Client,
  createAccount,
  createClient,
  createHttpTransport,
  createSystemHelpers,
  isSDKError,
} from '@consortia/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deployEvidenceRegistry,
  type EvidenceProof,
  type EvidenceRegistryContract,
  evidenceOf,
  evidenceSigningDigest,
  exportEvidenceProof,
  fingerprintOf,
  openEvidenceRegistry,
  parseEvidenceProof,
  type Registration,
  registerEvidence,
  runCli,
  runVerifyCli,
  signEvidence,
  verifyEvidenceProof,
  verifyFile,
} from '../src/index.js'

const text = (s: string) => new TextEncoder().encode(s)
const key = (n: number) => `0x${n.toString(16).padStart(64, '0')}`

describe('evidence storage on a 4-node chain', () => {
  let chain: TestChain
  let court: Account
  let arbitration: Account
  let notary: Account
  let litigant: Client
  let courtClient: Client
  let registry: EvidenceRegistryContract
  let sealers: string[]
  const exhibit = text('Exhibit 3, case 2026-17: scanned purchase contract, 4 pages\n')
  let registration: Registration

  beforeAll(async () => {
    chain = await startTestChain(['-l', '127.0.0.1:4', '--consensus-timeout-ms', '1000'], 4, 23_002)
    ;[court, arbitration, notary] = [0xc0, 0xa7, 0x40].map((n) => createAccount('ecdsa', key(n))) as [
      Account,
      Account,
      Account,
    ]
    const client = (node: number, account: Account) =>
      createClient({
        transport: createHttpTransport({ url: chain.nodes[node]!.rpc.url }),
        account,
        pollIntervalMs: 100,
      })
    courtClient = client(0, court)
    litigant = client(3, createAccount('ecdsa', key(0x11)))
    // Node 3 becomes an observer: the court, arbitration and notary nodes are the sealers.
    await createSystemHelpers(courtClient).addObserver(chain.chain.nodes[3]!.nodeId)
    sealers = chain.chain.nodes.slice(0, 3).map((n) => n.nodeId)
    registry = await deployEvidenceRegistry(courtClient, {
      parties: [
        { name: 'court', address: court.address },
        { name: 'arbitration', address: arbitration.address },
        { name: 'notary', address: notary.address },
      ],
      threshold: 2,
    })
  }, 240_000)
  afterAll(async () => {
    await chain?.close()
  })

  /** Reads on another node see earlier writes. */
  const synced = () => waitInSync(chain)

  it('registers a fingerprint with two party signatures checked on chain', async () => {
    expect(await courtClient.getSealerList()).toHaveLength(3)
    const fp = fingerprintOf(exhibit, 'keccak256')
    // Parties sign off chain what the contract recomputes.
    expect(await registry.read('digestOf', [fp.digest, 1])).toBe(
      `0x${Buffer.from(evidenceSigningDigest(registry.address, fp)).toString('hex')}`,
    )
    const signatures = [court, notary].map((p) => signEvidence(p, registry.address, fp))
    registration = await registerEvidence(
      litigant,
      registry.address,
      fp,
      'case 2026-17, exhibit 3',
      signatures,
    )
    const record = await evidenceOf(openEvidenceRegistry(courtClient, registry.address), fp.digest)
    expect(record).toMatchObject({
      exists: true,
      submitter: litigant.account!.address,
      blockNumber: registration.blockNumber,
      algorithm: 'keccak256',
      description: 'case 2026-17, exhibit 3',
      signers: [
        { name: 'court', address: court.address },
        { name: 'notary', address: notary.address },
      ],
    })
    // SM3 fingerprints too, with all three parties.
    const sm = fingerprintOf(text('arbitration award 88'), 'sm3')
    await registerEvidence(
      litigant,
      registry.address,
      sm,
      'award',
      [court, arbitration, notary].map((p) => signEvidence(p, registry.address, sm)),
    )
    await synced()
    expect((await evidenceOf(registry, sm.digest)).signers.map((s) => s.name)).toEqual([
      'court',
      'arbitration',
      'notary',
    ])
  })

  it('verifies files against the chain', async () => {
    await synced()
    const ok = await verifyFile(registry, exhibit)
    expect(ok.registered).toBe(true)
    const tampered = exhibit.slice()
    tampered[10] = tampered[10]! ^ 1
    expect((await verifyFile(registry, tampered)).registered).toBe(false)
    // Registered with Keccak-256, not with SM3.
    expect((await verifyFile(registry, exhibit, 'sm3')).registered).toBe(false)
  })

  it('refuses registrations without enough valid, distinct party signatures', async () => {
    const fp = fingerprintOf(text('another exhibit'))
    const stranger = createAccount('ecdsa', key(0x99))
    const reason = async (signatures: string[], target = fp) => {
      try {
        await registerEvidence(litigant, registry.address, target, '', signatures)
      } catch (err) {
        if (isSDKError(err, 'SDK_TX_FAILED')) return err.type.revertReason
        throw err
      }
      return 'registered'
    }
    const sign = (p: Account, target = fp) => signEvidence(p, registry.address, target)
    expect(await reason([sign(court)])).toBe('not enough party signatures')
    expect(await reason([sign(court), sign(stranger)])).toBe('signature of a non-party')
    expect(await reason([sign(court), sign(court)])).toBe('party signed twice')
    // Signatures over another fingerprint recover other addresses.
    const other = fingerprintOf(text('something else'))
    expect(await reason([sign(court, other), sign(notary, other)])).toBe('signature of a non-party')
    expect(
      await reason(
        [sign(court, registration.fingerprint), sign(notary, registration.fingerprint)],
        registration.fingerprint,
      ),
    ).toBe('evidence already registered')
    await synced()
    expect((await evidenceOf(registry, fp.digest)).exists).toBe(false)
  })

  it('exports a proof a third party checks offline, and rejects tampering', async () => {
    const proof = parseEvidenceProof(JSON.stringify(await exportEvidenceProof(litigant, registration)))
    const good = verifyEvidenceProof(proof, { file: exhibit, trustedSealers: sealers })
    expect(good.checks.filter((c) => !c.ok)).toEqual([])
    expect(good.ok).toBe(true)
    expect(good.evidence).toMatchObject({
      blockNumber: registration.blockNumber,
      signers: [court.address, notary.address],
      description: 'case 2026-17, exhibit 3',
    })
    const failed = (
      p: EvidenceProof,
      options: Parameters<typeof verifyEvidenceProof>[1] = { file: exhibit },
    ) =>
      verifyEvidenceProof(p, options)
        .checks.filter((c) => !c.ok)
        .map((c) => c.name)
    const copy = (): EvidenceProof => JSON.parse(JSON.stringify(proof))
    // The file.
    const tampered = exhibit.slice()
    tampered[0] = tampered[0]! ^ 0x20
    expect(failed(proof, { file: tampered })).toEqual(['file'])
    // The transaction's bytes (a byte of the description).
    let p = copy()
    const raw = p.transaction.raw
    ;(p.transaction as { raw: string }).raw =
      `${raw.slice(0, -140)}${raw.slice(-140, -139) === '0' ? '1' : '0'}${raw.slice(-139)}`
    expect(failed(p)).not.toEqual([])
    // The Merkle proof: the position of the leaf, a hash in the path.
    p = copy()
    ;(p.transaction as { index: number }).index += 1
    expect(failed(p)).toContain('transaction proof')
    p = copy()
    ;(p.receipt.proof as { left: string[]; right: string[] }[]).splice(0, 0, {
      left: [],
      right: ['00'.repeat(32)],
    })
    expect(failed(p)).toContain('receipt proof')
    // The receipt's content.
    p = copy()
    p.receipt.json['gasUsed'] = `0x${(BigInt(String(p.receipt.json['gasUsed'])) + 1n).toString(16)}`
    expect(failed(p)).toEqual(['receipt proof'])
    // The header: a root, then the signatures, then the trust anchor.
    p = copy()
    p.block['transactionsRoot'] = `0x${'11'.repeat(32)}`
    expect(failed(p)).toEqual(['transaction proof', 'block hash', 'sealer signatures'])
    p = copy()
    p.block['signatureList'] = (p.block['signatureList'] as unknown[]).slice(0, 1)
    expect(failed(p)).toEqual(['sealer signatures'])
    expect(failed(proof, { file: exhibit, trustedSealers: sealers.slice(1) })).toEqual(['sealer signatures'])
  })

  it('runs the flow through the CLI and the standalone verifier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-cli-'))
    try {
      const path = (name: string) => join(dir, name)
      writeFileSync(path('court.pem'), court.toPEM())
      writeFileSync(path('arbitration.pem'), arbitration.toPEM())
      writeFileSync(path('evidence.txt'), 'chat log export, 2026-11-20\n')
      const lines: string[] = []
      const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) }
      const url = ['--url', chain.nodes[1]!.rpc.url]
      const reg = ['--registry', registry.address, '--file', path('evidence.txt'), '--algorithm', 'sm3']
      expect(await runCli(['sign', '--key', path('court.pem'), ...reg], io)).toBe(0)
      expect(await runCli(['sign', '--key', path('arbitration.pem'), ...reg], io)).toBe(0)
      const [s1, s2] = lines.splice(0)
      expect(await runCli(['verify', ...reg, ...url], io)).toBe(3)
      expect(
        await runCli(
          [
            'register',
            '--key',
            path('court.pem'),
            ...reg,
            '--description',
            'chat log',
            '--signature',
            s1!,
            '--signature',
            s2!,
            '--out',
            path('reg.json'),
            ...url,
          ],
          io,
        ),
      ).toBe(0)
      await synced()
      expect(await runCli(['verify', ...reg, ...url], io)).toBe(0)
      expect(
        await runCli(
          ['export-proof', '--registration', path('reg.json'), '--out', path('proof.json'), ...url],
          io,
        ),
      ).toBe(0)
      expect(lines[0]).toMatch(/^NOT REGISTERED: sm3 0x[0-9a-f]{64}$/)
      expect(lines[2]).toMatch(/^REGISTERED: sm3 0x[0-9a-f]{64} in block \d+, signed by court, arbitration$/)
      const out: string[] = []
      const verify = (...args: string[]) =>
        runVerifyCli([path('proof.json'), ...args], { out: (l) => out.push(l) })
      expect(verify('--file', path('evidence.txt'), '--sealers', sealers.join(','))).toBe(0)
      expect(out.at(-1)).toMatch(/^VALID: sm3 0x[0-9a-f]{64} in block \d+ at .+, signed by /)
      writeFileSync(path('evidence.txt'), 'chat log export, 2026-11-21\n')
      expect(verify('--file', path('evidence.txt'))).toBe(1)
      expect(out.at(-1)).toBe('INVALID')
      const proof = JSON.parse(readFileSync(path('proof.json'), 'utf8'))
      proof.transaction.proof[0].right = ['ab'.repeat(32)]
      writeFileSync(path('proof.json'), JSON.stringify(proof))
      expect(verify()).toBe(1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
