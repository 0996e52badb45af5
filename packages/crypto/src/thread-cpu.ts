import { closeSync, openSync, readSync } from 'node:fs'

let available = process.platform === 'linux'
const buffer = Buffer.alloc(96)

/**
 * CPU time the calling thread has run, in microseconds, or `undefined` where it cannot be read.
 * Node 20 has no per-thread CPU clock (`process.cpuUsage()` sums all threads), so this reads
 * Linux's `/proc/thread-self/schedstat` (nanoseconds on CPU; the kernel brings a running
 * thread's figure up to date at scheduler ticks, so sections shorter than a few ms are sampled).
 * The file is opened, read and closed on every call (an open descriptor would outlive a worker
 * thread): a few microseconds, fine per batch, too much per item.
 */
export function threadCpuUs(): number | undefined {
  if (!available) return undefined
  try {
    const fd = openSync('/proc/thread-self/schedstat', 'r')
    try {
      const length = readSync(fd, buffer, 0, buffer.length, 0)
      const text = buffer.toString('latin1', 0, length)
      const ns = Number(text.slice(0, text.indexOf(' ')))
      if (Number.isFinite(ns) && ns >= 0) return ns / 1000
    } finally {
      closeSync(fd)
    }
  } catch {
    // No procfs (containers without /proc, other kernels): stop asking.
  }
  available = false
  return undefined
}
