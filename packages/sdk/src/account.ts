import { createDecipheriv, pbkdf2Sync, scryptSync, timingSafeEqual } from 'node:crypto'
import { createCryptoSuite, keccak256, privateKeyFromPEM, privateKeyToPEM } from '@consortia/crypto'
import type { Bytes, CryptoSuite, CryptoSuiteName, Hash32, Hex } from '@consortia/interface'
import { describe, invalidInput, sdkError } from './errors.js'
import { bytesToHex, hexToBytes } from './hex.js'

/** A signing account: a private key of one suite and the address the chain derives from it. */
export interface Account {
  /** The suite the key belongs to: `ecdsa` (secp256k1) or `sm` (SM2). */
  readonly suite: CryptoSuite
  /** Lower-case `0x` address, `Hash(pub64)[12:]`. */
  readonly address: Hex
  /** 64-byte public key X‖Y. */
  readonly publicKey: Bytes
  /** Signs a 32-byte hash in the suite's byte form (ECDSA r‖s‖v, SM2 r‖s‖pub). */
  sign(hash: Hash32): Bytes
  /** PKCS#8 PEM of the key (what FISCO's `get_account.sh` writes). */
  toPEM(): string
  /** The raw 32-byte private key as `0x` hex. Handle with care. */
  exportPrivateKey(): Hex
}

/** A suite by name or an existing suite object. */
export type SuiteLike = CryptoSuiteName | CryptoSuite

const suites = new Map<CryptoSuiteName, CryptoSuite>()

/** Resolves a suite name to a shared suite instance (one per name per process). */
export function resolveSuite(suite: SuiteLike): CryptoSuite {
  if (typeof suite !== 'string') return suite
  let s = suites.get(suite)
  if (s === undefined) {
    s = createCryptoSuite(suite)
    suites.set(suite, s)
  }
  return s
}

/**
 * An account from a 32-byte private key (bytes or hex), or a fresh random one.
 *
 * @example
 * ```ts
 * const alice = createAccount('ecdsa', '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcaf784d7bf4f2ff80')
 * alice.address // '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
 * ```
 */
export function createAccount(suite: SuiteLike, privateKey?: Bytes | string): Account {
  const s = resolveSuite(suite)
  const key =
    privateKey === undefined
      ? s.randomPrivateKey()
      : typeof privateKey === 'string'
        ? hexToBytes(privateKey, 'privateKey', 32)
        : privateKey
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw invalidInput('privateKey', '32-byte private key', describe(key))
  }
  const secret = key.slice()
  const publicKey = s.publicKey(secret)
  const address = bytesToHex(s.address(publicKey))
  return {
    suite: s,
    address,
    publicKey,
    sign: (hash) => s.sign(hash, secret),
    toPEM: () => privateKeyToPEM(s.name === 'sm' ? 'sm2' : 'secp256k1', secret),
    exportPrivateKey: () => bytesToHex(secret),
  }
}

/**
 * An account from a PKCS#8 or SEC1 PEM private key (FISCO `accounts/*.pem`, `node.key`). The
 * key's curve picks the suite (secp256k1 → `ecdsa`, SM2 → `sm`) unless `suite` is given, in
 * which case the curves must agree.
 */
export function accountFromPEM(pem: string, suite?: SuiteLike): Account {
  const pair = privateKeyFromPEM(pem)
  const name: CryptoSuiteName = pair.curve === 'sm2' ? 'sm' : 'ecdsa'
  const s = resolveSuite(suite ?? name)
  if (s.name !== name)
    throw invalidInput('pem', `a ${s.name === 'sm' ? 'SM2' : 'secp256k1'} key`, `a ${pair.curve} key`)
  return createAccount(s, pair.privateKey)
}

/** Largest keystore JSON accepted, in characters (a v3 keystore is about 500). */
export const keystoreCharsMax = 16 * 1024

/** Highest scrypt cost `n` accepted from a keystore, so a hostile file cannot pin memory. */
export const keystoreScryptNMax = 1 << 18

/**
 * An account from an encrypted Web3 Secret Storage (v3) keystore JSON: scrypt or PBKDF2-SHA256,
 * AES-128-CTR, MAC = Keccak-256(derivedKey[16..32] ‖ ciphertext) — the JSON keystore format that
 * Ethereum tools and several FISCO SDKs write. Wrong passwords fail the MAC check.
 */
export function accountFromKeystore(json: string, password: string, suite: SuiteLike = 'ecdsa'): Account {
  if (typeof json !== 'string' || json.length > keystoreCharsMax) {
    throw invalidInput('keystore', `JSON of at most ${keystoreCharsMax} chars`, describe(json))
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    throw invalidInput('keystore', 'JSON', 'unparsable text')
  }
  const ks = parsed as {
    version?: unknown
    crypto?: Record<string, unknown>
    Crypto?: Record<string, unknown>
  }
  const c = (ks.crypto ?? ks.Crypto) as
    | {
        cipher?: unknown
        ciphertext?: unknown
        cipherparams?: { iv?: unknown }
        kdf?: unknown
        kdfparams?: Record<string, unknown>
        mac?: unknown
      }
    | undefined
  if (ks.version !== 3 || c === undefined) throw invalidInput('keystore.version', '3', describe(ks.version))
  if (c.cipher !== 'aes-128-ctr')
    throw invalidInput('keystore.crypto.cipher', 'aes-128-ctr', describe(c.cipher))
  const ciphertext = hexToBytes(String(c.ciphertext), 'keystore.crypto.ciphertext')
  const iv = hexToBytes(String(c.cipherparams?.iv), 'keystore.crypto.cipherparams.iv', 16)
  const mac = hexToBytes(String(c.mac), 'keystore.crypto.mac', 32)
  const p = c.kdfparams ?? {}
  const salt = hexToBytes(String(p.salt), 'keystore.crypto.kdfparams.salt')
  const dklen = Number(p.dklen)
  if (dklen !== 32) throw invalidInput('keystore.crypto.kdfparams.dklen', '32', describe(p.dklen))
  let derived: Buffer
  if (c.kdf === 'scrypt') {
    const n = Number(p.n)
    const r = Number(p.r)
    const pp = Number(p.p)
    if (!Number.isInteger(n) || n < 2 || n > keystoreScryptNMax || (n & (n - 1)) !== 0) {
      throw invalidInput(
        'keystore.crypto.kdfparams.n',
        `a power of two ≤ ${keystoreScryptNMax}`,
        describe(p.n),
      )
    }
    derived = scryptSync(password, salt, dklen, { N: n, r, p: pp, maxmem: 256 * n * r + 1024 * 1024 })
  } else if (c.kdf === 'pbkdf2') {
    if (p.prf !== 'hmac-sha256')
      throw invalidInput('keystore.crypto.kdfparams.prf', 'hmac-sha256', describe(p.prf))
    const iterations = Number(p.c)
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) {
      throw invalidInput('keystore.crypto.kdfparams.c', 'an iteration count ≤ 10,000,000', describe(p.c))
    }
    derived = pbkdf2Sync(password, salt, iterations, dklen, 'sha256')
  } else {
    throw invalidInput('keystore.crypto.kdf', 'scrypt or pbkdf2', describe(c.kdf))
  }
  const expected = keccak256(Uint8Array.from([...derived.subarray(16, 32), ...ciphertext]))
  if (!timingSafeEqual(expected, mac)) {
    throw sdkError(
      {
        code: 'SDK_INVALID_INPUT',
        field: 'password',
        expected: 'the keystore password',
        got: 'a wrong password',
      },
      'keystore MAC mismatch: wrong password or corrupted keystore',
    )
  }
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), iv)
  const key = Uint8Array.from(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
  return createAccount(suite, key)
}
