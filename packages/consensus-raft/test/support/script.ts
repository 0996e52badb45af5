// A datadriven runner in the style of etcd-io/raft's testdata: each file is a sequence of
// `command args` / `----` / expected output / blank line. REWRITE=1 rewrites the expected
// output from the actual one (review the diff before keeping it).
import {
  parseDataDrivenArgs as args,
  dataDrivenBool as bool,
  type DataDrivenMismatch,
  dataDrivenNumber as num,
  runDataDrivenFile,
} from '@consortia/testkit'
import { type Cluster, createCluster, type Envelope, logLine, statusLines } from './cluster.js'

function matcher(a: Map<string, string>): (e: Envelope) => boolean {
  const from = a.get('from')
  const to = a.get('to')
  const type = a.get('type')
  return (e) =>
    (from === undefined || e.from === `n${from}`) &&
    (to === undefined || e.to === `n${to}`) &&
    (type === undefined || e.body.type === type)
}

/** Run one command against the cluster; returns its output. */
function runCommand(state: { cluster: Cluster | undefined }, command: string): string {
  const text = command
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join(' ')
  const [name, ...rest] = text.trim().split(/\s+/)
  const a = args(rest)
  if (name === 'cluster') {
    state.cluster = createCluster({
      n: num(a, 'n'),
      total: num(a, 'total', num(a, 'n')),
      electionTicks: num(a, 'election', 10),
      heartbeatTicks: num(a, 'heartbeat', 1),
      preVote: bool(a, 'prevote', true),
      checkQuorum: bool(a, 'checkquorum', true),
      ...(a.has('retain') ? { logRetainMax: num(a, 'retain') } : {}),
      seed: num(a, 'seed', 1),
    })
    return out(state.cluster.takeLog())
  }
  const c = state.cluster
  if (c === undefined) throw new Error('no cluster: start with `cluster n=...`')
  const extra: string[] = []
  switch (name) {
    case 'campaign':
      c.campaign(num(a, 'node'))
      break
    case 'tick': {
      const node = a.get('node')
      c.tick(node === undefined || node === 'all' ? 'all' : Number(node), num(a, 'count', 1))
      break
    }
    case 'propose':
      try {
        c.propose(num(a, 'node'), num(a, 'txs', 1))
      } catch (err) {
        extra.push(`error: ${(err as Error).message}`)
      }
      break
    case 'deliver':
      c.deliver(matcher(a), num(a, 'rounds', 100))
      break
    case 'stabilize':
      c.deliver(() => true, num(a, 'rounds', 100))
      break
    case 'drop':
      extra.push(`dropped ${c.drop(matcher(a))}`)
      break
    case 'partition': {
      // groups=0,1/2: nodes talk only inside their group.
      const groups = (a.get('groups') ?? '').split('/').map((g) => g.split(',').map(Number))
      c.cuts.clear()
      for (const g of groups) {
        for (const h of groups) {
          if (g === h) continue
          for (const x of g) for (const y of h) c.cuts.add(`n${x}>n${y}`)
        }
      }
      break
    }
    case 'cut':
      c.cuts.add(`n${num(a, 'from')}>n${num(a, 'to')}`)
      break
    case 'heal':
      c.cuts.clear()
      break
    case 'crash':
      c.crash(num(a, 'node'))
      break
    case 'restart':
      c.restart(num(a, 'node'))
      break
    case 'set-sealers': {
      const sealers = (a.get('sealers') ?? '').split(',')
      const only = a.get('nodes')?.split(',').map(Number)
      try {
        c.setSealers(sealers, num(a, 'from'), only)
      } catch (err) {
        extra.push(`error: ${(err as Error).message}`)
      }
      break
    }
    case 'status':
      extra.push(...statusLines(c))
      break
    case 'log': {
      const node = a.get('node')
      const which = node === undefined ? c.nodes.map((_, i) => i) : node.split(',').map(Number)
      for (const i of which) extra.push(c.node(i).engine === undefined ? `n${i}: down` : logLine(c, i))
      break
    }
    case 'rejected': {
      const entries = [...c.engine(num(a, 'node')).rejected().entries()].sort(([x], [y]) =>
        x.localeCompare(y),
      )
      extra.push(entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}=${v}`).join(' '))
      break
    }
    case 'queue':
      extra.push(`${c.queue.length} queued`)
      break
    default:
      throw new Error(`unknown command ${name}`)
  }
  return out([...c.takeLog(), ...extra])
}

function out(lines: string[]): string {
  return lines.length === 0 ? 'ok' : lines.join('\n')
}

/** Run a script file; returns mismatches (and rewrites the file when `rewrite`). */
export function runScriptFile(path: string, rewrite: boolean): DataDrivenMismatch[] {
  const state: { cluster: Cluster | undefined } = { cluster: undefined }
  return runDataDrivenFile(path, (command) => runCommand(state, command), { rewrite })
}
