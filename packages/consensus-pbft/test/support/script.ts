// A datadriven runner in the style of etcd-io/raft's testdata: each file is a sequence of
// `command args` / `----` / expected output / blank line. REWRITE=1 rewrites the expected
// output from the actual one.
import {
  parseDataDrivenArgs as args,
  createSimBlock,
  type DataDrivenMismatch,
  dataDrivenNumber as num,
  runDataDrivenFile,
  type SimBlock,
} from '@consortia/testkit'
import { type Cluster, createCluster, type Envelope } from './cluster.js'

function matcher(a: Map<string, string>): (e: Envelope) => boolean {
  const from = a.get('from')
  const to = a.get('to')
  const type = a.get('type')
  return (e) =>
    (from === undefined || e.from === Number(from)) &&
    (to === undefined || e.to === Number(to)) &&
    (type === undefined || e.body.type === type)
}

/** Run one command against the cluster; returns its output lines. */
export function runCommand(state: { cluster: Cluster | undefined }, command: string): string {
  const text = command
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join(' ')
  const [name, ...rest] = text.trim().split(/\s+/)
  const a = args(rest)
  if (name === 'cluster') {
    state.cluster = createCluster({ n: num(a, 'n'), viewTimeoutTicks: num(a, 'timeout', 10) })
    return out(state.cluster.takeLog())
  }
  const c = state.cluster
  if (c === undefined) throw new Error('no cluster: start with `cluster n=...`')
  const extra: string[] = []
  switch (name) {
    case 'propose': {
      const forge = a.get('forge')
      const mutate =
        forge === undefined
          ? undefined
          : (b: SimBlock): SimBlock =>
              forge === 'hash'
                ? { ...b, hash: new Uint8Array(32).fill(0xee) }
                : forge === 'parent'
                  ? { ...b, parentHash: new Uint8Array(32).fill(0xaa) }
                  : { ...b, txCount: b.txCount + 1 }
      try {
        c.propose(num(a, 'node'), num(a, 'txs', 1), mutate)
      } catch (err) {
        extra.push(`error: ${(err as Error).message}`)
      }
      break
    }
    case 'deliver':
      c.deliverAll(matcher(a), num(a, 'rounds', 100))
      break
    case 'drop':
      extra.push(`dropped ${c.drop(matcher(a))}`)
      break
    case 'cut':
      c.cuts.add(`${num(a, 'from')}>${num(a, 'to')}`)
      break
    case 'tick': {
      const node = a.get('node')
      c.tick(node === undefined || node === 'all' ? 'all' : Number(node), num(a, 'count', 1))
      break
    }
    case 'crash':
      c.crash(num(a, 'node'))
      break
    case 'restart':
      c.restart(num(a, 'node'))
      break
    case 'view-change':
      // A (possibly forged) view change from `from` to `to`.
      c.inject(num(a, 'from'), num(a, 'to'), {
        type: 'view-change',
        height: num(a, 'h'),
        toView: Number(a.get('view')),
      })
      break
    case 'prepare': {
      // A Prepare straight from `from` to `to`, with a fresh valid block on `to`'s head:
      // how an equivocating leader's second proposal looks to one replica.
      const to = num(a, 'to')
      const head = c.nodes[to]!.head
      const block = createSimBlock(head.number + 1, head.hash, num(a, 'txs', 1), {
        proposer: num(a, 'from'),
        nonce: 1e6 + c.log.length,
      })
      extra.push(`built ${c.label(block)}`)
      c.inject(num(a, 'from'), to, { type: 'prepare', height: num(a, 'h'), view: num(a, 'v'), block })
      break
    }
    case 'status':
      for (const node of c.nodes) {
        if (node.engine === undefined) {
          extra.push(`n${node.index}: down`)
          continue
        }
        const s = node.engine.status()
        extra.push(
          `n${node.index}: h=${s.height} v=${s.view} toView=${s.toView} leader=n${s.leader} locked=${s.lockedView ?? '-'} cycle=${s.changeCycle} committed=${node.committed.length}`,
        )
      }
      break
    case 'rejected': {
      const e = c.engine(num(a, 'node'))
      const entries = [...e.rejected().entries()].sort(([x], [y]) => x.localeCompare(y))
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
