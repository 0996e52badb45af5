/** A small least-recently-used map with a hard entry limit. */
export class LRUCache<K, V> {
  readonly #map = new Map<K, V>()
  readonly entriesMax: number

  constructor(entriesMax: number) {
    if (!Number.isInteger(entriesMax) || entriesMax < 1)
      throw new RangeError('entriesMax must be a positive integer')
    this.entriesMax = entriesMax
  }

  /** The value for `key`, refreshed as most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key)
    if (v !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, v)
    }
    return v
  }

  /** Insert or refresh `key`, evicting the least recently used entry beyond the limit. */
  set(key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.entriesMax) {
      const oldest = this.#map.keys().next().value as K
      this.#map.delete(oldest)
    }
  }

  /** Number of entries held (never above `entriesMax`). */
  get size(): number {
    return this.#map.size
  }
}
