import { describe, expect, it } from 'vitest'
import { type FrameSink, SendQueue } from '../src/index.js'

/** A sink that holds writes until `flush`, like a socket whose peer reads slowly. */
function slowSink() {
  const held: { frame: Uint8Array; done: () => void }[] = []
  const written: Uint8Array[] = []
  let buffered = 0
  const sink: FrameSink = {
    bufferedBytes: () => buffered,
    write(frame, done) {
      buffered += frame.length
      held.push({ frame, done })
    },
  }
  const flush = (n = held.length) => {
    for (const { frame, done } of held.splice(0, n)) {
      buffered -= frame.length
      written.push(frame)
      done()
    }
  }
  return { sink, flush, written, held }
}

const frame = (n: number, size = 10) => new Uint8Array(size).fill(n)

describe('SendQueue', () => {
  it('hands frames to the sink up to the high-water mark and queues the rest', () => {
    const s = slowSink()
    const q = new SendQueue(s.sink, { highWaterBytes: 25, framesMax: 100 })
    for (let i = 0; i < 6; i++) expect(q.push(frame(i))).toBe(true)
    expect(s.held).toHaveLength(3)
    expect(q.length).toBe(3)
    s.flush()
    // Each completed write pumps the queue again.
    expect(q.length).toBe(0)
    s.flush()
    expect(s.written.map((f) => f[0])).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('drops at framesMax and at bytesMax, counting drops', () => {
    const s = slowSink()
    const q = new SendQueue(s.sink, { highWaterBytes: 0, framesMax: 3, bytesMax: 1000 })
    const results = [0, 1, 2, 3, 4].map((i) => q.push(frame(i)))
    expect(results).toEqual([true, true, true, false, false])
    expect(q.dropped).toBe(2)
    const b = new SendQueue(slowSink().sink, { highWaterBytes: 0, framesMax: 100, bytesMax: 25 })
    expect([b.push(frame(0)), b.push(frame(1)), b.push(frame(2))]).toEqual([true, true, false])
    expect(b.bytes).toBe(20)
  })

  it('whenReady waits for room (back-pressure) and wakes in order', async () => {
    const s = slowSink()
    const q = new SendQueue(s.sink, { highWaterBytes: 10, framesMax: 2 })
    q.push(frame(0))
    q.push(frame(1))
    q.push(frame(2))
    expect(q.hasRoom(10)).toBe(false)
    const order: number[] = []
    const w1 = q.whenReady(10).then(() => order.push(1))
    const w2 = q.whenReady(10).then(() => order.push(2))
    await Promise.resolve()
    expect(order).toEqual([])
    s.flush(1)
    await w1
    expect(order).toEqual([1])
    s.flush()
    await w2
    expect(order).toEqual([1, 2])
  })

  it('refuses more than waitersMax waiting producers and fails waiters on close', async () => {
    const q = new SendQueue(slowSink().sink, { highWaterBytes: 0, framesMax: 1, waitersMax: 2 })
    q.push(frame(0))
    const a = q.whenReady(10)
    const b = q.whenReady(10)
    await expect(q.whenReady(10)).rejects.toMatchObject({ code: 'SEND_QUEUE_FULL' })
    q.close(new Error('peer gone'))
    await expect(a).rejects.toThrow('peer gone')
    await expect(b).rejects.toThrow('peer gone')
    expect(q.push(frame(1))).toBe(false)
    await expect(q.whenReady(1)).rejects.toThrow('peer gone')
  })
})
