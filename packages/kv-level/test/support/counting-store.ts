import type { KvStore } from '@consortia/interface'

/**
 * `inner` with a count of the entries its `iterate` hands out: the reads a range scan costs.
 * Shared by the paged-scan cursor tests and `bench/encrypted-scan.ts`.
 */
export function countScanReads(inner: KvStore): { store: KvStore; reads: () => number } {
  let reads = 0
  const store = withIterate(inner, (options) => {
    const source = inner.iterate(options)
    return (async function* () {
      for await (const entry of source) {
        reads++
        yield entry
      }
    })()
  })
  return { store, reads: () => reads }
}

/** `inner` with its `iterate` replaced; every other method passes through. */
export function withIterate(inner: KvStore, iterate: KvStore['iterate']): KvStore {
  return {
    get: (k) => inner.get(k),
    getMany: (ks) => inner.getMany(ks),
    put: (k, v) => inner.put(k, v),
    del: (k) => inner.del(k),
    batch: (ops, o) => inner.batch(ops, o),
    iterate,
    close: () => inner.close(),
  }
}
