import { p2pError } from './errors.js'

/** Default most frames waiting in one peer's send queue. */
export const SEND_QUEUE_FRAMES_MAX_DEFAULT = 8192
/** Default most bytes waiting in one peer's send queue. */
export const SEND_QUEUE_BYTES_MAX_DEFAULT = 128 * 1024 * 1024
/** Default bytes handed to the socket before the queue waits for it to drain. */
export const SOCKET_HIGH_WATER_BYTES_DEFAULT = 4 * 1024 * 1024
/** Default most callers blocked in `whenReady` on one queue. */
export const SEND_WAITERS_MAX_DEFAULT = 1024

/** The socket side of a send queue: a WebSocket in the node, anything in tests. */
export interface FrameSink {
  /** Bytes accepted by the sink and not yet written out. */
  bufferedBytes(): number
  /** Write one frame; `done` runs once it has left the sink's buffer. */
  write(frame: Uint8Array, done: () => void): void
}

/** Limits of a send queue. */
export interface SendQueueLimits {
  readonly framesMax?: number
  readonly bytesMax?: number
  readonly highWaterBytes?: number
  readonly waitersMax?: number
}

/**
 * One peer's outgoing frames. Frames wait here while the socket holds more than
 * `highWaterBytes`; the queue itself is bounded by frames and bytes. `push` drops a frame
 * that does not fit (fire-and-forget traffic: consensus and sync tolerate loss);
 * `whenReady` lets a producer wait for room instead (back-pressure).
 */
export class SendQueue {
  readonly framesMax: number
  readonly bytesMax: number
  readonly highWaterBytes: number
  readonly waitersMax: number
  private readonly frames: Uint8Array[] = []
  private head = 0
  private queuedBytes = 0
  private waiters: { bytes: number; resolve: () => void; reject: (err: Error) => void }[] = []
  private closedError: Error | undefined
  /** Frames refused because the queue was full. */
  dropped = 0

  constructor(
    private readonly sink: FrameSink,
    limits: SendQueueLimits = {},
  ) {
    this.framesMax = limits.framesMax ?? SEND_QUEUE_FRAMES_MAX_DEFAULT
    this.bytesMax = limits.bytesMax ?? SEND_QUEUE_BYTES_MAX_DEFAULT
    this.highWaterBytes = limits.highWaterBytes ?? SOCKET_HIGH_WATER_BYTES_DEFAULT
    this.waitersMax = limits.waitersMax ?? SEND_WAITERS_MAX_DEFAULT
  }

  /** Frames waiting (not yet handed to the sink). */
  get length(): number {
    return this.frames.length - this.head
  }

  /** Bytes waiting (not yet handed to the sink). */
  get bytes(): number {
    return this.queuedBytes
  }

  /** True when a frame of `bytes` fits now. */
  hasRoom(bytes: number): boolean {
    return this.length < this.framesMax && this.queuedBytes + bytes <= this.bytesMax
  }

  /** Queue a frame; false (and counted in `dropped`) when the queue is full or closed. */
  push(frame: Uint8Array): boolean {
    if (this.closedError !== undefined || !this.hasRoom(frame.length)) {
      this.dropped++
      return false
    }
    this.frames.push(frame)
    this.queuedBytes += frame.length
    this.pump()
    return true
  }

  /**
   * Resolve once a frame of `bytes` fits. Rejects with SEND_QUEUE_FULL when
   * `waitersMax` producers already wait, and with the close error when the queue closes.
   */
  whenReady(bytes: number): Promise<void> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError)
    if (this.waiters.length === 0 && this.hasRoom(bytes)) return Promise.resolve()
    if (this.waiters.length >= this.waitersMax) {
      return Promise.reject(
        p2pError('SEND_QUEUE_FULL', `more than ${this.waitersMax} senders wait on one peer`, {
          waitersMax: this.waitersMax,
        }),
      )
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ bytes, resolve, reject })
    })
  }

  /** Drop everything queued and fail all waiters with `err`. */
  close(err: Error): void {
    if (this.closedError !== undefined) return
    this.closedError = err
    this.frames.length = 0
    this.head = 0
    this.queuedBytes = 0
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w.reject(err)
  }

  private pump(): void {
    while (this.head < this.frames.length && this.sink.bufferedBytes() < this.highWaterBytes) {
      const frame = this.frames[this.head] as Uint8Array
      this.frames[this.head] = EMPTY
      this.head++
      this.queuedBytes -= frame.length
      this.sink.write(frame, this.onWritten)
    }
    if (this.head === this.frames.length) {
      this.frames.length = 0
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames.splice(0, this.head)
      this.head = 0
    }
    this.wakeWaiters()
  }

  private wakeWaiters(): void {
    // Room promised to waiters woken in this pass, so they do not all claim the same space.
    let frames = this.length
    let bytes = this.queuedBytes
    while (this.waiters.length > 0) {
      const first = this.waiters[0] as { bytes: number; resolve: () => void }
      if (frames >= this.framesMax || bytes + first.bytes > this.bytesMax) break
      frames++
      bytes += first.bytes
      this.waiters.shift()
      first.resolve()
    }
  }

  private readonly onWritten = (): void => {
    if (this.closedError === undefined) this.pump()
  }
}

const EMPTY = new Uint8Array(0)
