/**
 * Polls `check` every 5 ms until it holds, or throws after `timeoutMs`. Tests wait for what they
 * observe instead of sleeping a fixed time, so a loaded machine (CI runs everything on 2 cores)
 * makes them slower, never wrong.
 */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
