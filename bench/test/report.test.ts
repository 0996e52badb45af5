import { describe, expect, it } from 'vitest'
import {
  type ComponentResult,
  lastJSONLine,
  parseExecutorTable,
  parseMarkdownTable,
} from '../src/components.js'
import type { LevelResult } from '../src/e2e.js'
import type { MachineInfo } from '../src/machine.js'
import { type BenchResults, chartSeries, componentTable, markdownReport } from '../src/report.js'

describe('component output', () => {
  it('takes the last JSON line with a bench key', () => {
    const out = 'table\n{"bench":"p2p","rows":[1]}\n{"other":1}\ntrailing text\n'
    expect(lastJSONLine(out)).toEqual({ bench: 'p2p', rows: [1] })
    expect(lastJSONLine('{not json\nplain')).toBeUndefined()
  })
  it("parses the serial executor bench's table", () => {
    const text = [
      'serial execution: 500 transactions per block, 2 measured blocks × 1 runs per configuration (Node v20.20.2)',
      'state                 workload     path           tx/s  tx/CPU-s   +commit  speed-up',
      'StorageState/LevelDB  DagTransfer  default      41,234    38,001    20,500  3.10×',
      'StorageState/LevelDB  DagTransfer  EVM path     13,301    12,000     9,000  1.00×',
      'target DagTransfer ≥ 50,000 tx/s (StorageState/LevelDB): 0.82×',
    ].join('\n')
    expect(parseExecutorTable(text)).toEqual([
      {
        state: 'StorageState/LevelDB',
        workload: 'DagTransfer',
        path: 'default',
        txPerSec: 41234,
        txPerCpuSec: 38001,
        withCommitPerSec: 20500,
        speedup: 3.1,
      },
      {
        state: 'StorageState/LevelDB',
        workload: 'DagTransfer',
        path: 'EVM path',
        txPerSec: 13301,
        txPerCpuSec: 12000,
        withCommitPerSec: 9000,
        speedup: 1,
      },
    ])
  })
})

const machine: MachineInfo = {
  date: '2026-11-26T06:00:00.000Z',
  platform: 'linux',
  arch: 'x64',
  cores: 2,
  cpuModel: 'Test CPU',
  memoryGiB: 8,
  freeMemoryGiB: 4,
  loadAvg1: 0.5,
  node: 'v20.20.2',
  gitCommit: '0123456789abcdef',
  gitDirty: false,
  packages: { '@consortia/crypto': '0.1.0' },
}

const level = (offeredTPS: number, committedTPS: number, p99Ms: number): LevelResult => ({
  profile: 'pbft-4-ecdsa-leveldb',
  workload: 'dag',
  transport: 'rpc',
  offeredTPS,
  sentTPS: offeredTPS,
  sent: offeredTPS * 10,
  accepted: offeredTPS * 10,
  refused: 0,
  transportErrors: 0,
  refusalSamples: [],
  committed: offeredTPS * 10,
  committedTPS,
  peakTPS: committedTPS * 1.2,
  blocks: 20,
  latency: { count: offeredTPS * 10, meanMs: p99Ms / 2, p50Ms: p99Ms / 2, p99Ms, maxMs: p99Ms },
  cpuPercentPerNode: [40, 60, undefined, 50],
  nodeCpuMsPerTx: 3.5,
  generatorCpuMsPerTx: 0.25,
  receiptsChecked: 20,
  receiptsFailed: 0,
  signMs: 10,
})

const crypto: ComponentResult = {
  name: 'crypto',
  title: 'Crypto',
  command: 'cd packages/crypto && node ... --json',
  ok: true,
  exitCode: 0,
  durationS: 12.3,
  data: {
    bench: 'crypto',
    rows: [{ group: 'secp256k1', name: 'recover (native)', perSecond: 20780.4, ratio: '22.3×' }],
  },
  text: '',
}

const results: BenchResults = {
  schema: 1,
  mode: 'quick',
  machine,
  settings: {},
  recoverCeiling: { suite: 'ecdsa', perSecondOneCore: 20_000, cores: 2 },
  components: [
    crypto,
    { ...crypto, name: 'p2p', title: 'P2P', ok: false, error: 'exit code 1', data: undefined },
  ],
  e2e: [
    {
      profile: 'pbft-4-ecdsa-leveldb',
      levels: [level(100, 98, 400), level(200, 150, 1800)],
      saturationTPS: 100,
    },
    { profile: 'raft-4-ecdsa-leveldb', levels: [], error: 'node 2 exited (1)' },
    {
      profile: 'pbft-4-ecdsa-leveldb',
      workload: 'erc20',
      transport: 'channel',
      levels: [level(100, 99, 300), level(200, 190, 700), level(400, 210, 2600), level(160, 158, 450)],
      saturationTPS: 200,
      search: { peakTPS: 200, firstBadTPS: 400, checkTPS: 160, checkP99Ms: 450 },
      cpuProfile: {
        path: 'bench/results/x/node0.cpuprofile',
        durationMs: 60_000,
        busyPercent: 93.5,
        topFunctions: [{ name: 'recover node_modules/@noble/curves/x.js:10', selfMs: 12_000, percent: 20 }],
        areas: [{ name: '@noble/curves', selfMs: 15_000, percent: 25 }],
      },
    },
  ],
  durationS: 120,
}

describe('markdownReport', () => {
  const md = markdownReport(results)
  it('names the machine and lists every level with its figures', () => {
    expect(md).toContain(
      'Machine: 2-core x64 (Test CPU), 8 GiB, Node 20.20.2, load 0.5 at start, commit 0123456789',
    )
    expect(md).toMatch(
      /\| pbft-4-ecdsa-leveldb dag\/rpc +\|\s+100 \|\s+100 \|\s+98 \|\s+118 \|\s+200 \|\s+400 \|\s+1,000\/1,000 \|\s+50 \|\s+3.50 \|\s+0.25 \|\s+20\/20 \|/,
    )
    expect(md).toMatch(/\| raft-4-ecdsa-leveldb dag\/rpc +\|\s+failed \| node 2 exited \(1\) \|/)
  })
  it('puts the best figure next to the recovery-ceiling target', () => {
    // Ceiling of a 4-node chain: 20,000 × 2 / 4 = 10,000 TPS; best 150 → 1.5%.
    expect(md).toContain('≥ 50% of 10,000 (recover ceiling, 4 nodes): 1.5%')
    expect(md).toMatch(/\| pbft-4-ecdsa-leveldb dag\/rpc +\|\s+150 \|\s+100 \|/)
    expect(md).toMatch(/\| raft-4-ecdsa-leveldb dag\/rpc +\|\s+failed \|\s+— \|/)
  })
  it('shows the saturation search: peak, the first load past it, and p99 at 80 % of the peak', () => {
    expect(md).toMatch(
      /\| pbft-4-ecdsa-leveldb erc20\/channel \|\s+210 \|\s+200 \(190 TPS\); 400 was not \|\s+160: 450 ms \| met\s+\|\s+\|/,
    )
  })
  it("lists node 0's profile by area and by function", () => {
    expect(md).toContain('### pbft-4-ecdsa-leveldb erc20/channel')
    expect(md).toContain('60.0 s sampled, main thread busy 93.5 %')
    expect(md).toMatch(/\| @noble\/curves \|\s+15,000 \| 25.0 \|/)
    expect(md).toMatch(/\| `recover node_modules\/@noble\/curves\/x.js:10` \|\s+12,000 \| 20.0 \|/)
  })
  it('shows component tables and failures', () => {
    expect(md).toContain('| secp256k1 | recover (native) |     20,780 | 22.3× |')
    expect(md).toContain('FAILED: exit code 1')
    expect(componentTable({ ...crypto, data: undefined })).toBeUndefined()
  })
  it('charts one series per profile that has levels', () => {
    expect(chartSeries(results)).toEqual([
      {
        name: 'pbft-4-ecdsa-leveldb dag/rpc',
        points: [
          { offeredTPS: 100, committedTPS: 98, p99Ms: 400 },
          { offeredTPS: 200, committedTPS: 150, p99Ms: 1800 },
        ],
      },
      {
        name: 'pbft-4-ecdsa-leveldb erc20/channel',
        points: [
          { offeredTPS: 100, committedTPS: 99, p99Ms: 300 },
          { offeredTPS: 200, committedTPS: 190, p99Ms: 700 },
          { offeredTPS: 400, committedTPS: 210, p99Ms: 2600 },
          { offeredTPS: 160, committedTPS: 158, p99Ms: 450 },
        ],
      },
    ])
  })
})

describe('parseMarkdownTable', () => {
  it('reads the first table of a text and renders it back through componentTable', () => {
    const text = [
      'setting up 200 users…',
      '| workload | conflict | executor | tx/s |',
      '|---|---|---|---|',
      '| DagTransfer | 0% | serial | 9,000 |',
      '| DagTransfer | 0% | dag, 2 workers | 15,000 |',
      '',
      '| other | table |',
    ].join('\n')
    const t = parseMarkdownTable(text)
    expect(t).toEqual({
      header: ['workload', 'conflict', 'executor', 'tx/s'],
      rows: [
        ['DagTransfer', '0%', 'serial', '9,000'],
        ['DagTransfer', '0%', 'dag, 2 workers', '15,000'],
      ],
    })
    expect(parseMarkdownTable('no table here\n| a |')).toBeUndefined()
    const rendered = componentTable({ ...crypto, name: 'executor-parallel', data: { bench: 'x', ...t } })
    expect(rendered?.split('\n')[3]).toBe('| DagTransfer | 0%       | dag, 2 workers | 15,000 |')
  })
})
