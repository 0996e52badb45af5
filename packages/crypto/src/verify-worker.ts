/**
 * Worker side of `createVerifyPool`: recovers public keys for packed batches. Runs as a
 * worker_threads entry, from dist/verify-worker.js, or from this .ts file under tsx in dev.
 */

import { parentPort, workerData } from 'node:worker_threads'
import { isChainError } from '@consortia/interface'
import { createCryptoSuite } from './suite.js'
import {
  STATUS_BY_CODE,
  type WorkerData,
  type WorkerRequest,
  type WorkerResponse,
} from './verify-protocol.js'

const data = workerData as WorkerData
const suite = createCryptoSuite(data.suite, data.init)
const port = parentPort
if (port === null) throw new Error('verify-worker must run in a worker thread')
port.postMessage({ ready: true })

port.on('message', (msg: WorkerRequest) => {
  const { id, count } = msg
  const hashes = new Uint8Array(msg.hashes)
  const signatures = new Uint8Array(msg.signatures)
  const sigBytes = suite.signatureBytes
  const publicKeys = new Uint8Array(count * 64)
  const status = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    try {
      const pub = suite.recover(
        hashes.subarray(i * 32, i * 32 + 32),
        signatures.subarray(i * sigBytes, i * sigBytes + sigBytes),
      )
      publicKeys.set(pub, i * 64)
    } catch (err) {
      status[i] = isChainError(err)
        ? (STATUS_BY_CODE[err.type.code] ?? STATUS_BY_CODE.OTHER)
        : STATUS_BY_CODE.OTHER
    }
  }
  const response: WorkerResponse = { id, publicKeys: publicKeys.buffer, status: status.buffer }
  port.postMessage(response, [publicKeys.buffer, status.buffer])
})
