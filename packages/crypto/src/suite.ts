import type { CryptoSuite, CryptoSuiteName } from '@consortia/interface'
import { createECDSASuite, type ECDSASuiteInit } from './ecdsa.js'
import { cryptoError } from './errors.js'
import { createSMSuite, type SMSuiteInit } from './sm-suite.js'

/** Options for `createCryptoSuite`: the union of both suites' options. */
export type CryptoSuiteInit = ECDSASuiteInit & SMSuiteInit

/**
 * The suite a chain chose at genesis: `ecdsa` (secp256k1 + Keccak-256) or `sm` (SM2 + SM3).
 * `backend` applies to ECDSA, `verifyBackend` to SM.
 */
export function createCryptoSuite(name: CryptoSuiteName, init: CryptoSuiteInit = {}): CryptoSuite {
  if (name === 'ecdsa') {
    return createECDSASuite({
      ...(init.backend !== undefined ? { backend: init.backend } : {}),
      ...(init.logger !== undefined ? { logger: init.logger } : {}),
    })
  }
  if (name === 'sm') return createSMSuite(init)
  throw cryptoError(
    'INVALID_ARGUMENT',
    `unknown crypto suite ${JSON.stringify(name)}; expected 'ecdsa' or 'sm'`,
    {
      field: 'name',
    },
  )
}
