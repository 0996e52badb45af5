import { describe, expect, it } from 'vitest'
import {
  areaOf,
  type CpuProfile,
  PROFILE_ROWS_MAX,
  subsystemOf,
  subsystemTable,
  summarizeProfile,
} from '../src/profile.js'

const root = 'file:///work/main'

/**
 * A hand-made profile in V8's `.cpuprofile` shape (nodes with call frames, samples and
 * timeDeltas in µs): 10 samples of 1 ms each.
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
    { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    {
      id: 3,
      callFrame: {
        functionName: 'recover',
        url: `${root}/node_modules/.pnpm/@noble+curves@2.4.0/node_modules/@noble/curves/esm/abstract/weierstrass.js`,
        lineNumber: 99,
      },
    },
    {
      id: 4,
      callFrame: {
        functionName: 'add',
        url: `${root}/packages/group-ledger/src/txpool/pool.ts`,
        lineNumber: 41,
      },
    },
    { id: 5, callFrame: { functionName: 'parse', url: 'node:internal/deps/undici', lineNumber: 9 } },
    { id: 6, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
    {
      id: 7,
      callFrame: {
        functionName: '',
        url: `${root}/examples/reference-node/src/rpc/http-server.ts`,
        lineNumber: 0,
      },
    },
  ],
  startTime: 0,
  endTime: 10_000,
  // Sample i lasts until sample i+1: timeDeltas[i+1]; the last one has no length.
  samples: [3, 3, 3, 3, 4, 4, 2, 2, 5, 6, 7],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
}

describe('areaOf', () => {
  it('names workspace packages, npm packages, Node internals and V8 pseudo-frames', () => {
    expect(areaOf(`${root}/packages/crypto/src/ecdsa.ts`, 'f')).toBe('@consortia/crypto')
    expect(areaOf(`${root}/examples/reference-node/src/cli.ts`, 'f')).toBe('examples/reference-node')
    expect(
      areaOf(`${root}/node_modules/.pnpm/classic-level@3.0.0/node_modules/classic-level/index.js`, 'f'),
    ).toBe('classic-level')
    expect(areaOf(`${root}/node_modules/.pnpm/x/node_modules/@noble/hashes/sha3.js`, 'f')).toBe(
      '@noble/hashes',
    )
    expect(areaOf('node:internal/streams/readable', 'f')).toBe('node:internal')
    expect(areaOf('', '(garbage collector)')).toBe('(gc)')
    expect(areaOf('', '(idle)')).toBe('(idle)')
    expect(areaOf('', '(program)')).toBe('(program)')
    expect(areaOf('', 'JSON.parse')).toBe('(native)')
    expect(areaOf('/tmp/x.js', 'f')).toBe('other')
  })
})

describe('summarizeProfile', () => {
  it('adds self time per function and per area, with the busy share', () => {
    const s = summarizeProfile(profile)
    expect(s.durationMs).toBe(10)
    // 2 of 10 ms idle.
    expect(s.busyPercent).toBe(80)
    expect(s.topFunctions[0]).toEqual({
      name: 'recover node_modules/@noble/curves/esm/abstract/weierstrass.js:100',
      selfMs: 4,
      percent: 40,
    })
    expect(s.topFunctions.map((r) => r.name)).toContain('add packages/group-ledger/src/txpool/pool.ts:42')
    // The last sample has no length, so its function gets no time.
    expect(s.topFunctions.map((r) => r.name).join()).not.toContain('http-server')
    expect(Object.fromEntries(s.areas.map((a) => [a.name, a.selfMs]))).toEqual({
      '@noble/curves': 4,
      '@consortia/group-ledger': 2,
      '(idle)': 2,
      'node:internal': 1,
      '(gc)': 1,
    })
  })

  it('falls back to hit counts without samples and bounds the rows', () => {
    const nodes = Array.from({ length: PROFILE_ROWS_MAX + 10 }, (_, i) => ({
      id: i + 1,
      callFrame: { functionName: `f${i}`, url: `${root}/packages/mpt/src/a.ts`, lineNumber: i },
      hitCount: i + 1,
    }))
    const hits = nodes.reduce((a, n) => a + n.hitCount, 0)
    const s = summarizeProfile({ nodes, startTime: 0, endTime: hits * 1000 }, 1_000)
    expect(s.topFunctions).toHaveLength(PROFILE_ROWS_MAX)
    expect(s.topFunctions[0]?.selfMs).toBe(PROFILE_ROWS_MAX + 10)
    expect(s.areas).toEqual([{ name: '@consortia/mpt', selfMs: hits, percent: 100 }])
  })

  it('rejects what is not a profile', () => {
    expect(() => summarizeProfile({} as CpuProfile)).toThrow(/V8 CPU profile/)
  })
})

describe('subsystemOf', () => {
  const frame = (functionName: string, path: string) => ({
    functionName,
    url: path.startsWith('node:') || path === '' ? path : `${root}/${path}`,
  })
  it('names GC and idle by the leaf, otherwise the innermost frame a rule matches', () => {
    expect(subsystemOf([frame('(garbage collector)', '')])).toBe('GC')
    expect(subsystemOf([frame('(idle)', '')])).toBe('idle')
    // Hashing inside the pool's admission is admission; recovery is recovery whoever calls it.
    const keccak = frame('keccak256', 'packages/crypto/src/keccak.ts')
    const admit = frame('admit', 'packages/group-ledger/src/txpool/pool.ts')
    const txSync = frame('', 'packages/group-ledger/src/sync/tx-sync.ts')
    expect(subsystemOf([keccak, admit, txSync])).toMatch(/^admission/)
    expect(subsystemOf([frame('ecdsaRecover', 'node_modules/secp256k1/lib/index.js'), admit, txSync])).toBe(
      'sender recovery (native secp256k1)',
    )
    // The driver's proposal check is verification, the rest of the driver is the driver.
    const driver = frame('', 'packages/group-ledger/src/ledger/driver.ts')
    const create = frame('createBlockTransaction', 'packages/protocol/src/eth-transaction.ts')
    expect(subsystemOf([keccak, create, driver])).toBe('proposal decode/verify')
    expect(subsystemOf([keccak, driver])).toMatch(/^consensus driver/)
    // LevelDB's binding wins over its caller; Node's HTTP only when no workspace frame matched.
    const put = frame('_put', 'node_modules/classic-level/chained-batch.js')
    expect(subsystemOf([put, frame('', 'packages/amdb/src/kv-driver.ts')])).toBe('LevelDB (JS side)')
    expect(subsystemOf([frame('parse', ''), frame('onParse', 'node:_http_server')])).toBe('RPC/HTTP + JSON')
    expect(subsystemOf([frame('x', 'somewhere/else.js')])).toBe('other (other)')
  })
})

describe('subsystemTable', () => {
  it('adds only the samples inside the window, idle left out, over several profiles', () => {
    // Samples at t = 0..10 ms; the window [2.5 ms, 7.5 ms] holds the samples at 3..7 ms.
    const table = subsystemTable([profile, profile], [2500, 7500])
    const ms = Object.fromEntries(table.subsystems.map((r) => [r.name, r.selfMs]))
    // t=3: recover (noble, under no rule: other), t=4,5: pool.ts, t=6,7: idle (left out).
    expect(ms).toEqual({
      'other (@noble/curves)': 2,
      'admission + pool (checks, decode, hash, recover, seal, commit)': 4,
    })
    expect(table.busyMs).toBe(6)
    expect(table.topFunctions[0]).toMatchObject({ name: expect.stringMatching(/^add /), selfMs: 4 })
    expect(subsystemTable([profile], [20_000, 30_000]).busyMs).toBe(0)
  })
})
