import type { CryptoSuiteName } from '@consortia/interface'
import type { CryptoSuiteInit } from './suite.js'

/**
 * What a pool worker is started with: it builds its own suite from these, and reads its thread's
 * CPU time per batch only when `threadCpu` is set.
 */
export type WorkerData = {
  suite: CryptoSuiteName
  init: Pick<CryptoSuiteInit, 'backend' | 'verifyBackend'>
  threadCpu: boolean
}

/**
 * One batch: `count` request rows (`status ‖ hash ‖ signature`, see verify-codec.ts) in one
 * transferred buffer.
 */
export type WorkerRequest = { id: number; count: number; rows: ArrayBuffer }

/**
 * Answer to a batch: `count` result rows (`status ‖ publicKey`) in one transferred buffer, and
 * the CPU time the worker thread spent on the batch in microseconds (-1 when not measured, or
 * where the platform does not say: only Linux has per-thread CPU time that Node 20 can read).
 */
export type WorkerResponse = { id: number; results: ArrayBuffer; cpuUs: number }
