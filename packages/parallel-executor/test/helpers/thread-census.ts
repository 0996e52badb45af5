/**
 * A `precompilesModule` with no precompiles that reports every thread importing it: each
 * parallel-executor worker imports it once at start, and posts its `threadId` on the
 * `THREAD_CENSUS_CHANNEL` BroadcastChannel, so a test counts the worker threads really started.
 */
import { BroadcastChannel, threadId } from 'node:worker_threads'
import type { PrecompiledRegistration } from '../../src/registry.js'

/** Name of the BroadcastChannel the workers report on. */
export const THREAD_CENSUS_CHANNEL = 'consortia-parallel-executor-thread-census'

const channel = new BroadcastChannel(THREAD_CENSUS_CHANNEL)
channel.postMessage(threadId)
// The report is sent; the channel must not keep the worker's event loop alive.
channel.unref()

export function precompiles(): PrecompiledRegistration[] {
  return []
}
