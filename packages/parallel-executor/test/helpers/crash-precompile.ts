/**
 * A user precompile for the worker-crash test, loaded by the parallel executor's workers through
 * `precompilesModule`: `touch(key, n)` returns `n`, except that `n = 13` ends the worker thread
 * it runs on (on the main thread it returns normally, so serial execution is unaffected).
 */
import { isMainThread } from 'node:worker_threads'
import { numberToAddress } from '../../src/bytes.js'
import type { PrecompiledRegistration } from '../../src/registry.js'

export const CRASH_ADDRESS = numberToAddress(0x5100)
/** The argument that kills a worker. */
export const CRASH_VALUE = 13n

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
              return [args[1] as bigint]
            },
          },
        ],
      },
    },
  ]
}
