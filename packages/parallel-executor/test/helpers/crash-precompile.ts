/**
 * A user precompile for the worker-crash and worker-hang tests, loaded by the parallel
 * executor's workers through `precompilesModule`: `touch(key, n)` returns `n`, except that on a
 * worker thread `n = 13` ends the thread and `n = 17` spins forever without answering (on the
 * main thread both return normally, so serial execution is unaffected).
 */
import { isMainThread } from 'node:worker_threads'
import { numberToAddress } from '../../src/bytes.js'
import type { PrecompiledRegistration } from '../../src/registry.js'

export const CRASH_ADDRESS = numberToAddress(0x5100)
/** The argument that kills a worker. */
export const CRASH_VALUE = 13n
/** The argument that makes a worker hang. */
export const HANG_VALUE = 17n

export function precompiles(): PrecompiledRegistration[] {
  return [
    {
      address: CRASH_ADDRESS,
      contract: {
        name: 'Crash',
        methods: [
          {
            signature: 'touch(string,uint256)',
            returns: 'uint256',
            parallelTag: (args) => [String(args[0])],
            async call(args) {
              if (!isMainThread && args[1] === CRASH_VALUE) process.exit(7)
              if (!isMainThread && args[1] === HANG_VALUE) for (;;) {}
              return [args[1] as bigint]
            },
          },
        ],
      },
    },
  ]
}
