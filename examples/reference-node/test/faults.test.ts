/**
 * Multi-process fault network (issue 17 items 5 and 6): a 4-node PBFT chain on loopback
 * (LevelDB), one process per node, a load generator sending signed transfers over JSON-RPC
 * at a steady rate, and a seeded controller that kills (-9) and restarts, pauses
 * (SIGSTOP/SIGCONT) and partitions (TCP proxies) one node at a time. After the faults: every
 * node agrees on every block, every acknowledged transaction is on chain exactly once, and the
 * chain makes progress within a bound. The run prints the fault report.
 *
 * CI tier: one seed, three faults. Longer tier by hand:
 * `CONSORTIA_FAULT_SEEDS=1,2,3 CONSORTIA_FAULT_STEPS=9 npx vitest run --project reference-node test/faults.test.ts`
 */
import { createConnection, createServer } from 'node:net'
import { writeReliabilityRecord } from '@consortia/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RpcClient } from '../src/client.js'
import { runFaultSchedule } from '../src/faults/controller.js'
import { createTCPProxy, PROXY_CONNECTIONS_MAX } from '../src/faults/proxy.js'
import {
  addViolation,
  createFaultReport,
  type FaultReport,
  formatFaultReport,
  mergeFaultReports,
  REPORT_VIOLATIONS_MAX,
} from '../src/faults/report.js'
import { createFaultSchedule, FAULT_STEPS_MAX } from '../src/faults/schedule.js'
import {
  chainFaultTarget,
  checkChain,
  checkProgress,
  type PartitionRig,
  putBehindProxies,
  startLoad,
} from './faults-helpers.js'
import { startTestChain, type TestChain } from './helpers/cluster.js'
import { accountOf, deployToken } from './helpers/workload.js'

const seeds = (process.env['CONSORTIA_FAULT_SEEDS'] ?? '1').split(',').map(Number)
const steps = Number(process.env['CONSORTIA_FAULT_STEPS'] ?? '3')
/** Chain sizes run (the CI tier runs both; `CONSORTIA_FAULT_NODES=4` for a quicker run). */
const nodeCounts = (process.env['CONSORTIA_FAULT_NODES'] ?? '4,7').split(',').map(Number)

describe('fault schedule', () => {
  it('is the same for the same seed, differs across seeds, and draws every kind before repeating', () => {
    const a = createFaultSchedule({ seed: 7, steps: 6, nodeCount: 4, partitionable: [3] })
    expect(createFaultSchedule({ seed: 7, steps: 6, nodeCount: 4, partitionable: [3] })).toEqual(a)
    expect(createFaultSchedule({ seed: 8, steps: 6, nodeCount: 4, partitionable: [3] })).not.toEqual(a)
    expect(new Set(a.slice(0, 3).map((s) => s.kind))).toEqual(new Set(['kill', 'pause', 'partition']))
    expect(new Set(a.slice(3).map((s) => s.kind))).toEqual(new Set(['kill', 'pause', 'partition']))
    for (const s of a) {
      expect(s.node).toBeGreaterThanOrEqual(0)
      expect(s.node).toBeLessThan(4)
      if (s.kind === 'partition') expect(s.node).toBe(3)
      expect(s.durationMs).toBeGreaterThanOrEqual(1_000)
      expect(s.durationMs).toBeLessThanOrEqual(4_000)
    }
  })

  it('refuses more than FAULT_STEPS_MAX steps and bad options, with the reason', () => {
    expect(createFaultSchedule({ seed: 1, steps: FAULT_STEPS_MAX, nodeCount: 4 })).toHaveLength(
      FAULT_STEPS_MAX,
    )
    expect(() => createFaultSchedule({ seed: 1, steps: FAULT_STEPS_MAX + 1, nodeCount: 4 })).toThrow(
      `steps: expected 0..${FAULT_STEPS_MAX}, got ${FAULT_STEPS_MAX + 1}`,
    )
    expect(() => createFaultSchedule({ seed: 1, steps: 1, nodeCount: 3 })).toThrow(
      'nodeCount: expected an integer >= 4, got 3',
    )
    expect(() => createFaultSchedule({ seed: 1, steps: 1, nodeCount: 4, partitionable: [4] })).toThrow(
      'partitionable: expected node indexes in 0..3, got 4',
    )
  })
})

describe('fault controller', () => {
  it('runs one fault at a time: inject, hold, heal, catch up; counts each kind', async () => {
    const log: string[] = []
    let faulty = 0
    let maxFaulty = 0
    const enter = (e: string) => {
      log.push(e)
      faulty++
      maxFaulty = Math.max(maxFaulty, faulty)
    }
    const leave = (e: string) => {
      log.push(e)
      faulty--
    }
    const report = createFaultReport()
    const schedule = createFaultSchedule({ seed: 3, steps: 6, nodeCount: 4, partitionable: [3] })
    await runFaultSchedule(
      schedule,
      {
        kill: async (n) => enter(`kill ${n}`),
        restart: async (n) => leave(`restart ${n}`),
        pause: (n) => enter(`pause ${n}`),
        resume: (n) => leave(`resume ${n}`),
        partition: (n) => enter(`partition ${n}`),
        heal: (n) => leave(`heal ${n}`),
        caughtUp: async (n) => {
          log.push(`caught up ${n}`)
        },
      },
      report,
      { sleep: async () => {} },
    )
    expect(maxFaulty).toBe(1)
    expect(faulty).toBe(0)
    expect(report.faults).toEqual({ kill: 2, pause: 2, partition: 2 })
    expect(log).toHaveLength(18)
    const first = schedule[0]!
    const heal = { kill: 'restart', pause: 'resume', partition: 'heal' }[first.kind]
    expect(log.slice(0, 3)).toEqual([
      `${first.kind} ${first.node}`,
      `${heal} ${first.node}`,
      `caught up ${first.node}`,
    ])
  })
})

describe('TCP proxy', () => {
  it('forwards, cuts every connection and refuses new ones, heals, and refuses past PROXY_CONNECTIONS_MAX', async () => {
    const echo = createServer((s) => s.pipe(s))
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()))
    const echoPort = (echo.address() as { port: number }).port
    const proxy = await createTCPProxy(0, echoPort)
    const open = () =>
      new Promise<ReturnType<typeof createConnection>>((resolve) => {
        const c = createConnection({ host: '127.0.0.1', port: proxy.port }, () => resolve(c))
        c.on('error', () => {})
      })
    const roundTrip = (c: ReturnType<typeof createConnection>) =>
      new Promise<string>((resolve) => {
        c.once('data', (d) => resolve(d.toString()))
        c.write('ping')
      })
    const closed = (c: ReturnType<typeof createConnection>) =>
      new Promise<void>((resolve) => (c.destroyed ? resolve() : c.once('close', () => resolve())))
    try {
      const c = await open()
      expect(await roundTrip(c)).toBe('ping')
      proxy.cut()
      await closed(c)
      const refusedBefore = proxy.refused
      await closed(await open())
      expect(proxy.refused).toBe(refusedBefore + 1)
      proxy.heal()
      const many: ReturnType<typeof createConnection>[] = []
      for (let i = 0; i < PROXY_CONNECTIONS_MAX; i++) many.push(await open())
      await roundTrip(many.at(-1)!)
      expect(proxy.connections).toBe(PROXY_CONNECTIONS_MAX)
      await closed(await open())
      expect(proxy.refused).toBe(refusedBefore + 2)
      for (const m of many) m.destroy()
    } finally {
      await proxy.close()
      await new Promise<void>((r) => echo.close(() => r()))
    }
  })
})

describe('fault report', () => {
  it('prints every figure, merges seeds and keeps at most REPORT_VIOLATIONS_MAX messages', () => {
    const a = createFaultReport()
    a.seeds.push('1')
    a.faults.kill = 2
    a.txSent = 10
    a.txAcknowledged = 9
    a.txFoundOnChain = 9
    a.blocksChecked = 12
    const b = createFaultReport()
    b.seeds.push('2')
    b.faults.partition = 1
    for (let i = 0; i < REPORT_VIOLATIONS_MAX + 5; i++) addViolation(b, `v${i}`)
    expect(b.violations).toHaveLength(REPORT_VIOLATIONS_MAX)
    expect(b.violationCount).toBe(REPORT_VIOLATIONS_MAX + 5)
    const text = formatFaultReport(mergeFaultReports(a, b))
    expect(a.violationCount).toBe(REPORT_VIOLATIONS_MAX + 5)
    expect(text).toContain('seeds run:               2 (1, 2)')
    expect(text).toContain('faults injected:         3 (kill 2, pause 0, partition 1)')
    expect(text).toContain('found on chain once:     9 of 9')
    expect(text).toContain('blocks checked:          12')
    expect(text).toContain(`violations:              ${REPORT_VIOLATIONS_MAX + 5}`)
  })
})

describe('after-fault checks', () => {
  /** A fake node answering from `blocks` (each a list of transaction hashes) and `receipts`. */
  const fakeNode = (blockHashes: string[], blocks: string[][], pending = 0): RpcClient => ({
    url: 'fake',
    async call<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      const n = Number(params[1])
      const located = (h: string) => blocks.findIndex((b) => b.includes(h))
      const answers: Record<string, () => unknown> = {
        getPendingTxSize: () => `0x${pending.toString(16)}`,
        getBlockNumber: () => `0x${(blocks.length - 1).toString(16)}`,
        getBlockHashByNumber: () => blockHashes[n],
        getBlockByNumber: () => ({ transactions: blocks[n] }),
        getTransactionReceipt: () => (located(String(params[1])) < 0 ? null : { status: '0x0' }),
        getTransactionByHash: () => {
          const at = located(String(params[1]))
          return at < 0 ? null : { blockNumber: `0x${at.toString(16)}`, blockHash: blockHashes[at] }
        },
      }
      return answers[method]!() as T
    },
  })
  const sent = [
    { hash: '0xa1', node: 0 },
    { hash: '0xa2', node: 1 },
    { hash: '0xa3', node: 0 },
  ]

  it('passes a consistent chain and counts what it checked', async () => {
    const blocks = [[], ['0xa1'], ['0xa2']]
    const report = createFaultReport()
    await checkChain(
      [fakeNode(['g', 'b1', 'b2'], blocks), fakeNode(['g', 'b1', 'b2'], blocks)],
      sent,
      report,
      0,
    )
    expect(report.txAcknowledged).toBe(2)
    expect(report.txFoundOnChain).toBe(2)
    expect(report.blocksChecked).toBe(3)
    expect(report.violations).toEqual([])
  })

  it('reports forked blocks and acknowledged transactions committed twice', async () => {
    const report = createFaultReport()
    await checkChain(
      [
        fakeNode(['g', 'b1', 'b2'], [[], ['0xa1'], ['0xa2', '0xa1']]),
        fakeNode(['g', 'b1', 'X2'], [[], ['0xa1'], ['0xa2']]),
      ],
      sent,
      report,
      0,
    )
    expect(report.violations).toEqual([
      'block 2: nodes disagree (b2 X2)',
      'acknowledged 0xa1 is on chain 2 times (blocks 0..2)',
      'acknowledged 0xa2 located differently by the nodes: 0x2/b2 0x2/X2',
    ])
    expect(report.txFoundOnChain).toBe(0)
  })
})

const total = createFaultReport()

for (const NODES of nodeCounts)
  for (const seed of seeds) {
    const PROXIED_NODE = NODES - 1
    describe(`${NODES}-node PBFT chain under load and faults (seed ${seed})`, () => {
      let chain: TestChain
      let rig: PartitionRig | undefined
      const report: FaultReport = createFaultReport()
      beforeAll(async () => {
        chain = await startTestChain(
          ['-l', `127.0.0.1:${NODES}`, '--consensus-timeout-ms', '1000'],
          NODES,
          40 + seed,
        )
        rig = await putBehindProxies(chain, PROXIED_NODE)
      }, 300_000)
      afterAll(async () => {
        for (const n of chain?.nodes ?? []) n.proc?.kill('SIGCONT')
        await chain?.close()
        await rig?.close()
      })

      it('keeps agreement, loses no acknowledged transaction and makes progress after the faults', async () => {
        const started = Date.now()
        report.seeds.push(`${seed} on ${NODES} nodes`)
        const rpcs = chain.nodes.map((n) => n.rpc)
        const account = accountOf('ecdsa', `faults-${seed}`)
        const token = await deployToken(rpcs[0]!, account, 1_000_000n)
        const schedule = createFaultSchedule({
          seed,
          steps,
          nodeCount: NODES,
          partitionable: [PROXIED_NODE],
          durationMs: [1_500, 4_000],
          gapMs: [500, 1_500],
        })
        const target = chainFaultTarget(chain, rig!, report)
        const load = startLoad(chain, account, token, 150, report)
        try {
          await runFaultSchedule(schedule, target, report)
        } finally {
          await load.stop()
        }
        // The rig really isolated the node: while cut it committed at most the block in flight,
        // while the others went on (the load keeps them committing).
        for (const p of target.partitions) {
          if (p.nodeAtHeal - p.nodeAtCut > 1 || !(p.othersAtHeal > p.nodeAtHeal))
            addViolation(report, `partition did not isolate node ${p.node}: ${JSON.stringify(p)}`)
        }
        await checkChain(rpcs, load.sent, report)
        await checkProgress(rpcs, account, token, report)
        mergeFaultReports(total, report)
        writeReliabilityRecord({
          tier: 'faults',
          name: `fault network, ${NODES} nodes, seed ${seed}`,
          seeds: report.seeds,
          faultsInjected: report.faults.kill + report.faults.pause + report.faults.partition,
          badInputs: 0,
          txAcknowledged: report.txAcknowledged,
          txFound: report.txFoundOnChain,
          violations: report.violationCount,
          violationMessages: report.violations,
          durationMs: Date.now() - started,
        })
        console.info(
          `${formatFaultReport(report)}\n  partitions (node height cut→heal, others at heal): ${target.partitions
            .map((p) => `node ${p.node} ${p.nodeAtCut}→${p.nodeAtHeal}, others ${p.othersAtHeal}`)
            .join('; ')}`,
        )
        expect(report.faults).toEqual(expect.objectContaining({ kill: expect.any(Number) }))
        expect(report.faults.kill + report.faults.pause + report.faults.partition).toBe(steps)
        expect(report.txSent).toBeGreaterThan(0)
        expect(report.txAcknowledged).toBeGreaterThan(0)
        expect(report.txFoundOnChain).toBe(report.txAcknowledged)
        expect(report.blocksChecked).toBeGreaterThan(1)
        expect(report.violations).toEqual([])
        expect(report.violationCount).toBe(0)
      }, 300_000)
    })
  }

afterAll(() => {
  if (total.seeds.length > 1) console.info(formatFaultReport(total))
})
