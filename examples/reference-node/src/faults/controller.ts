/**
 * The fault controller: runs a seeded schedule against a set of node processes through a
 * `FaultTarget` (kill -9 and restart, SIGSTOP/SIGCONT, partition through a TCP proxy), one
 * fault at a time, and counts what it injected in a `FaultReport`.
 */
import type { Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import type { FaultReport } from './report.js'
import type { FaultStep } from './schedule.js'

/** What the controller does to nodes; the fault test implements it over child processes. */
export interface FaultTarget {
  /** SIGKILL the node's process and wait until it is gone. */
  kill(node: number): Promise<void>
  /** Start the node's process again (same data directory) and wait until it answers. */
  restart(node: number): Promise<void>
  /** SIGSTOP the node's process. */
  pause(node: number): void | Promise<void>
  /** SIGCONT the node's process. */
  resume(node: number): void | Promise<void>
  /** Cut every p2p connection of the node. */
  partition(node: number): void | Promise<void>
  /** Let the node's p2p connections through again. */
  heal(node: number): void | Promise<void>
  /** Waits until the node has caught up with the others (after a fault heals). */
  caughtUp(node: number): Promise<void>
}

/** Options of `runFaultSchedule`. */
export interface RunFaultsOptions {
  readonly logger?: Logger
  /** Called to stop early (e.g. the load generator failed). */
  readonly shouldStop?: () => boolean
  /** Sleep function (default setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Runs `schedule` step by step: inject, hold for `durationMs`, heal, wait until the node has
 * caught up, wait `gapMs`. Every injected fault is counted in `report.faults`.
 */
export async function runFaultSchedule(
  schedule: readonly FaultStep[],
  target: FaultTarget,
  report: FaultReport,
  options: RunFaultsOptions = {},
): Promise<void> {
  const logger = options.logger ?? silentLogger
  const sleep = options.sleep ?? defaultSleep
  for (const [i, step] of schedule.entries()) {
    if (options.shouldStop?.() === true) return
    logger.info('fault injected', { step: i, kind: step.kind, node: step.node, durationMs: step.durationMs })
    report.faults[step.kind]++
    switch (step.kind) {
      case 'kill':
        await target.kill(step.node)
        await sleep(step.durationMs)
        await target.restart(step.node)
        break
      case 'pause':
        await target.pause(step.node)
        try {
          await sleep(step.durationMs)
        } finally {
          await target.resume(step.node)
        }
        break
      case 'partition':
        await target.partition(step.node)
        try {
          await sleep(step.durationMs)
        } finally {
          await target.heal(step.node)
        }
        break
    }
    await target.caughtUp(step.node)
    logger.info('fault healed', { step: i, kind: step.kind, node: step.node })
    await sleep(step.gapMs)
  }
}
