/**
 * @consortia/example-evidence-storage — judicial evidence storage (司法存证) on a Consortia /
 * FISCO BCOS 2.x chain whose sealers are a court, an arbitration body and a notary: evidence
 * fingerprints (Keccak-256 or SM3) registered with the signatures of several parties, checked
 * on chain with ecrecover; verification of a file against the chain; and proofs of inclusion
 * (`getTransactionByHashWithProof` / `getTransactionReceiptByHashWithProof` Merkle proofs plus
 * the sealers' signed header) that a third party checks offline with `verifyEvidenceProof`.
 *
 * @example
 * ```ts
 * import { createAccount, createClient, createHttpTransport } from '@consortia/sdk'
 * import { deployEvidenceRegistry, exportEvidenceProof, fingerprintOf, registerEvidence, signEvidence, verifyEvidenceProof } from '@consortia/example-evidence-storage'
 *
 * const [court, arbitration, notary] = [1, 2, 3].map(() => createAccount('ecdsa'))
 * const client = createClient({ transport: createHttpTransport({ url: 'http://127.0.0.1:8545' }), account: court })
 * const registry = await deployEvidenceRegistry(client, {
 *   parties: [{ name: 'court', address: court.address }, { name: 'arbitration', address: arbitration.address }, { name: 'notary', address: notary.address }],
 *   threshold: 2,
 * })
 * const fp = fingerprintOf(new TextEncoder().encode('contract scan'), 'sm3')
 * const sigs = [court, notary].map((p) => signEvidence(p, registry.address, fp))
 * const registration = await registerEvidence(client, registry.address, fp, 'case 2026-17, exhibit 3', sigs)
 * const proof = await exportEvidenceProof(client, registration) // JSON for a third party
 * console.log(verifyEvidenceProof(proof, { file: new TextEncoder().encode('contract scan') }).ok) // true, offline
 * ```
 */
export { type CliIO, runCli, USAGE } from './cli.js'
export * from './contracts/compiled.js'
export * from './errors.js'
export * from './evidence.js'
export * from './fingerprint.js'
export * from './verifier.js'
export { runVerifyCli, type VerifyCliIO } from './verify-cli.js'
