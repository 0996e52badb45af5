/**
 * Worker side of `createVerifyPool`: recovers public keys for packed batches. Runs as a
 * worker_threads entry, from dist/verify-worker.js, or from this .ts file under tsx in dev.
 * Per batch it reads one buffer of request rows and answers one buffer of result rows
 * (verify-codec.ts); a failing item writes its status byte and never touches its neighbours.
 */

import { parentPort, workerData } from 'node:worker_threads'
import { isChainError } from '@consortia/interface'
import { createCryptoSuite } from './suite.js'
import { threadCpuUs } from './thread-cpu.js'
import { recoverRowBytes, STATUS_BY_CODE, VERIFY_RESULT_ROW_BYTES } from './verify-codec.js'
import type { WorkerData, WorkerRequest, WorkerResponse } from './verify-protocol.js'

const data = workerData as WorkerData
const suite = createCryptoSuite(data.suite, data.init)
const port = parentPort
if (port === null) throw new Error('verify-worker must run in a worker thread')
port.postMessage({ ready: true })

const sigBytes = suite.signatureBytes
const width = recoverRowBytes(sigBytes)

port.on('message', (msg: WorkerRequest) => {
  const cpuStart = data.threadCpu ? threadCpuUs() : undefined
  const { id, count } = msg
  const rows = new Uint8Array(msg.rows)
  const results = new Uint8Array(count * VERIFY_RESULT_ROW_BYTES)
  for (let i = 0, at = 0, out = 0; i < count; i++, at += width, out += VERIFY_RESULT_ROW_BYTES) {
    const status = rows[at]!
    if (status !== 0) {
      results[out] = status
      continue
    }
    try {
      const pub = suite.recover(rows.subarray(at + 1, at + 33), rows.subarray(at + 33, at + width))
      results.set(pub, out + 1)
    } catch (err) {
      results[out] = isChainError(err)
        ? (STATUS_BY_CODE[err.type.code] ?? STATUS_BY_CODE.OTHER)
        : STATUS_BY_CODE.OTHER
    }
  }
  const cpuEnd = cpuStart === undefined ? undefined : threadCpuUs()
  const response: WorkerResponse = {
    id,
    results: results.buffer,
    cpuUs: cpuStart === undefined || cpuEnd === undefined ? -1 : cpuEnd - cpuStart,
  }
  port.postMessage(response, [results.buffer])
})
