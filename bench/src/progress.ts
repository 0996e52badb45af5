/** A progress bar on stderr: one line redrawn in place on a terminal, plain lines otherwise. */

/** A progress bar over `total` steps. */
export interface ProgressBar {
  /** Marks one step done and shows `label` as what runs next. */
  tick(label: string): void
  /** Shows `label` without advancing. */
  note(label: string): void
  done(): void
}

/** Renders the bar text: `[#####-----] 3/10 label`. */
export function renderBar(done: number, total: number, label: string, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1
  const filled = Math.round(ratio * width)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`
}

/** Creates a bar writing to `stream` (default stderr); on a non-TTY every update is a new line. */
export function createProgressBar(total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  let done = 0
  const startMs = Date.now()
  const draw = (label: string) => {
    const elapsed = `${((Date.now() - startMs) / 1000).toFixed(0)} s`
    const text = `${renderBar(done, total, label)} (${elapsed})`
    if (stream.isTTY) stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 120) - 1)}`)
    else stream.write(`${text}\n`)
  }
  return {
    tick(label) {
      done++
      draw(label)
    },
    note(label) {
      draw(label)
    },
    done() {
      if (stream.isTTY) stream.write('\n')
    },
  }
}
