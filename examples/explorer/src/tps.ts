/** Most points kept per series of the TPS chart (at 1 sample/s: 10 minutes). */
export const TPS_SAMPLES_MAX = 600

/** One status sample of a group (what the live WebSocket pushes). */
export interface TpsSample {
  /** Sample time, ms since the epoch. */
  readonly at: number
  /** Committed transactions so far. */
  readonly txSum: number
  readonly height: number
}

/** A chart series: seconds since the epoch and transactions per second between samples. */
export interface TpsSeries {
  /** Adds a sample; a sample not newer than the last one is ignored. */
  push(sample: TpsSample): void
  /** `[times (s), tps, heights]`, oldest first, at most `TPS_SAMPLES_MAX` points. */
  data(): [number[], number[], number[]]
  /** TPS over the whole window kept. */
  average(): number
}

/** Creates a TPS series (a bounded ring of samples). */
export function createTpsSeries(max = TPS_SAMPLES_MAX): TpsSeries {
  const samples: TpsSample[] = []
  return {
    push(sample) {
      const last = samples[samples.length - 1]
      if (last !== undefined && sample.at <= last.at) return
      samples.push(sample)
      // One more than the points shown: the first point needs a previous sample.
      if (samples.length > max + 1) samples.splice(0, samples.length - max - 1)
    },
    data() {
      const t: number[] = []
      const tps: number[] = []
      const h: number[] = []
      for (let i = 1; i < samples.length; i++) {
        const a = samples[i - 1]!
        const b = samples[i]!
        t.push(b.at / 1000)
        tps.push(Math.max(0, (b.txSum - a.txSum) / ((b.at - a.at) / 1000)))
        h.push(b.height)
      }
      return [t, tps, h]
    },
    average() {
      const a = samples[0]
      const b = samples[samples.length - 1]
      if (a === undefined || b === undefined || b.at === a.at) return 0
      return Math.max(0, (b.txSum - a.txSum) / ((b.at - a.at) / 1000))
    },
  }
}
