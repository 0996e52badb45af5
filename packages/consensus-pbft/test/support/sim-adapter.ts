// PBFT plugged into the @consortia/testkit simulator, plus PBFT-specific byzantine
// behaviours. Test and bench support only.
import type { OutboundMessage } from '@consortia/interface'
import type { SimByzantine, SimByzantineContext, SimEngineAdapter } from '@consortia/testkit'
import {
  describePBFTMessage,
  type PBFTSimAdapterInit,
  pbftSimAdapter,
  type SimPBFTEngine,
  type SimPBFTMessage,
  type SimPBFTState,
} from '@consortia/testkit/compare'
import { commitPreimage, signPreimage } from '../../src/index.js'

export type { SimPBFTEngine, SimPBFTMessage, SimPBFTState }

/**
 * The PBFT engine as a simulator plug-in (the testkit's adapter), with rounds counted as views
 * so the simulator checks liveness within f+2 view changes after a heal.
 */
export function pbftAdapter(
  init: Omit<PBFTSimAdapterInit, 'rounds'> = {},
): SimEngineAdapter<SimPBFTMessage, SimPBFTState, SimPBFTEngine> {
  return pbftSimAdapter({ ...init, rounds: 'views' })
}

/** One-line description of a PBFT message (traces, scripted tests). */
export const describeMessage = describePBFTMessage

type Ctx = SimByzantineContext<SimPBFTMessage>
type Behaviour = SimByzantine<SimPBFTMessage>

function hexKey(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

/** Vote for `hash` at (height, view): Sign and Commit, to `targets` (or everybody). */
function voteFor(
  ctx: Ctx,
  height: number,
  view: number,
  hash: Uint8Array,
  targets: readonly number[] | undefined,
) {
  const sign: SimPBFTMessage = {
    type: 'sign',
    height,
    view,
    hash,
    signature: ctx.sign(ctx.hash(signPreimage(height, view, hash))),
  }
  const commit: SimPBFTMessage = {
    type: 'commit',
    height,
    view,
    hash,
    signature: ctx.sign(ctx.hash(commitPreimage(height, view, hash))),
  }
  const to = targets ?? Array.from({ length: ctx.sealerCount }, (_, i) => i).filter((i) => i !== ctx.index)
  for (const t of to) {
    ctx.send(t, sign)
    ctx.send(t, commit)
  }
}

/**
 * A14 equivocating leader (Twins): every non-empty Prepare it sends goes as block X to
 * one half of its peers and as a different block Y to the other half; fellow byzantine
 * nodes get both. Recipients are noted in the coalition for the double voters.
 */
export function equivocatingLeader(): Behaviour {
  return {
    name: 'equivocating-leader',
    outbound(msg, ctx) {
      const m = msg.body
      if (m.type !== 'prepare' || m.block.txCount === 0 || msg.to !== 'all') return undefined
      const y = ctx.makeBlock(m.block.number, m.block.parentHash, m.block.txCount)
      const others = Array.from({ length: ctx.sealerCount }, (_, i) => i).filter((i) => i !== ctx.index)
      const byz = (ctx.coalition.get('members') as Set<number> | undefined) ?? new Set<number>()
      const honest = others.filter((i) => !byz.has(i))
      const cut = Math.ceil(honest.length / 2)
      const toX = honest.slice(0, cut)
      const toY = honest.slice(cut)
      ctx.coalition.set(`to:${hexKey(m.block.hash)}`, toX)
      ctx.coalition.set(`to:${hexKey(y.hash)}`, toY)
      ctx.coalition.set(`pending:${ctx.index}`, [
        { height: m.height, view: m.view, hash: m.block.hash },
        { height: m.height, view: m.view, hash: y.hash },
      ])
      const out: OutboundMessage<SimPBFTMessage>[] = []
      const py: SimPBFTMessage = { type: 'prepare', height: m.height, view: m.view, block: y }
      for (const i of toX) out.push({ to: i, body: m })
      for (const i of toY) out.push({ to: i, body: py })
      for (const i of others.filter((o) => byz.has(o))) {
        out.push({ to: i, body: m }, { to: i, body: py })
      }
      return out
    },
  }
}

/**
 * A14 double votes: the node's own engine never votes; instead it signs and commits every
 * proposal it sees (both halves of an equivocation), aiming each vote at the honest nodes
 * that received that proposal.
 */
export function doubleVoter(): Behaviour {
  const voted = new Set<string>()
  return {
    name: 'double-voter',
    approveAll: true,
    outbound(msg) {
      const t = msg.body.type
      return t === 'sign' || t === 'commit' ? [] : undefined
    },
    inbound(_from, body, ctx) {
      if (body.type !== 'prepare' || body.block.txCount === 0) return
      const key = `${body.height}/${body.view}/${hexKey(body.block.hash)}`
      if (voted.has(key)) return
      voted.add(key)
      const targets = ctx.coalition.get(`to:${hexKey(body.block.hash)}`) as number[] | undefined
      voteFor(ctx, body.height, body.view, body.block.hash, targets)
    },
    onTick(ctx) {
      // An equivocating leader's own node votes for both of its blocks.
      const pending = ctx.coalition.get(`pending:${ctx.index}`) as
        | { height: number; view: number; hash: Uint8Array }[]
        | undefined
      if (pending === undefined) return
      ctx.coalition.delete(`pending:${ctx.index}`)
      for (const p of pending) {
        voteFor(
          ctx,
          p.height,
          p.view,
          p.hash,
          ctx.coalition.get(`to:${hexKey(p.hash)}`) as number[] | undefined,
        )
      }
    },
  }
}

/**
 * A16 / CVE-2022-26534: a view change for an absurd view (2^32−1, VIEW_MAX or beyond),
 * from one node, now and then.
 */
export function forgedViewChange(rate = 0.05): Behaviour {
  const views = [2 ** 32 - 1, Number.MAX_SAFE_INTEGER - 1, 2 ** 53 + 2, 1e300]
  return {
    name: 'forged-view-change',
    onTick(ctx) {
      if (ctx.random.nextFloat() >= rate) return
      const toView = views[ctx.random.nextInt(views.length)]!
      for (let i = 0; i < ctx.sealerCount; i++) {
        if (i !== ctx.index) ctx.send(i, { type: 'view-change', height: ctx.head.number + 1, toView })
      }
    },
  }
}

/** A16: votes and proposals for heights and views ahead, to fill the future caches. */
export function futureSpammer(rate = 0.2, burst = 1): Behaviour {
  return {
    name: 'future-spammer',
    onTick(ctx) {
      if (ctx.random.nextFloat() >= rate) return
      for (let k = 0; k < burst; k++) {
        const height = ctx.head.number + 1 + ctx.random.nextInt(12)
        const view = ctx.random.nextInt(1000)
        const hash = ctx.random.bytes(32)
        const to = ctx.random.nextInt(ctx.sealerCount)
        if (to === ctx.index) continue
        const signature = ctx.sign(ctx.hash(signPreimage(height, view, hash)))
        const kind = ctx.random.nextInt(3)
        if (kind === 0) ctx.send(to, { type: 'sign', height, view, hash, signature })
        else if (kind === 1) ctx.send(to, { type: 'commit', height, view, hash, signature })
        else
          ctx.send(to, {
            type: 'prepare',
            height,
            view,
            block: ctx.makeBlock(height, ctx.random.bytes(32), 1),
          })
      }
    },
  }
}

/**
 * A14 / CVE-2022-28937: the leader forges header fields — wrong number, wrong parent, or
 * a header hash that does not match the content — in a share of the Prepares it sends.
 */
export function forgedHeaderLeader(rate = 1): Behaviour {
  return {
    name: 'forged-header',
    outbound(msg, ctx) {
      const m = msg.body
      if (m.type !== 'prepare' || m.block.txCount === 0 || ctx.random.nextFloat() >= rate) return undefined
      const b = m.block
      let forged: typeof b
      switch (ctx.random.nextInt(4)) {
        case 0:
          forged = { ...b, hash: ctx.random.bytes(32) }
          break
        case 1:
          forged = { ...b, parentHash: ctx.random.bytes(32) }
          break
        case 2:
          forged = { ...b, number: b.number + 1 }
          break
        default:
          forged = { ...b, txCount: b.txCount + 7 }
      }
      return [{ to: msg.to, body: { ...m, block: forged } }]
    },
  }
}

/** Run several behaviours as one: outbound rewrites chain, hooks all run. */
export function combine(...parts: Behaviour[]): Behaviour {
  return {
    name: parts.map((p) => p.name).join('+'),
    approveAll: parts.some((p) => p.approveAll === true),
    outbound(msg, ctx) {
      let msgs: readonly OutboundMessage<SimPBFTMessage>[] = [msg]
      let changed = false
      for (const p of parts) {
        if (p.outbound === undefined) continue
        const next: OutboundMessage<SimPBFTMessage>[] = []
        for (const m of msgs) {
          const r = p.outbound(m, ctx)
          if (r === undefined) next.push(m)
          else {
            changed = true
            next.push(...r)
          }
        }
        msgs = next
      }
      return changed ? msgs : undefined
    },
    inbound(from, body, ctx) {
      for (const p of parts) p.inbound?.(from, body, ctx)
    },
    onTick(ctx) {
      for (const p of parts) p.onTick?.(ctx)
    },
    propose(block, ctx) {
      let b = block
      for (const p of parts) if (p.propose !== undefined) b = p.propose(b, ctx)
      return b
    },
  }
}

/** Byzantine map for `indices`, all running `make()`, registered as one coalition. */
export function coalition(indices: readonly number[], make: () => Behaviour): Map<number, Behaviour> {
  const members = new Set(indices)
  const map = new Map<number, Behaviour>()
  for (const i of indices) {
    const inner = make()
    map.set(i, {
      ...inner,
      onTick(ctx) {
        if (!ctx.coalition.has('members')) ctx.coalition.set('members', members)
        inner.onTick?.(ctx)
      },
    })
  }
  return map
}
