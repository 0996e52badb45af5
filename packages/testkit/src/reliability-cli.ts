/**
 * Entry point of `consortia-reliability` (run from source by `bin/consortia-reliability.mjs`):
 * prints the reliability report and exits non-zero on any violation.
 */
import { runReliabilityReport } from './reliability.js'

process.exitCode = runReliabilityReport(process.argv.slice(2), {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
})
