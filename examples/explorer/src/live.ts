import { invalidInput } from './errors.js'

/** One group's figures in a live push. */
export interface LiveGroupStatus {
  readonly groupId: number
  readonly height: number
  readonly pendingTxs: number
  /** PBFT view; null for Raft groups. */
  readonly view: number | null
  readonly txSum: number
}

/** What the explorer server's `/ws` pushes. */
export type LivePush =
  | {
      readonly type: 'status'
      readonly at: number
      readonly peers: number
      readonly groups: LiveGroupStatus[]
    }
  | { readonly type: 'error'; readonly at: number; readonly message: string }

/** Largest push accepted (bytes of text). */
export const LIVE_PUSH_BYTES_MAX = 256 * 1024

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** Parses and checks one push from `/ws`; throws `EXPLORER_INVALID_INPUT` naming the bad field. */
export function parseLivePush(text: string): LivePush {
  if (text.length > LIVE_PUSH_BYTES_MAX)
    throw invalidInput('push', `at most ${LIVE_PUSH_BYTES_MAX} bytes`, `${text.length} bytes`)
  let v: Record<string, unknown>
  try {
    v = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw invalidInput('push', 'JSON', text.slice(0, 30))
  }
  if (v === null || typeof v !== 'object') throw invalidInput('push', 'an object', text.slice(0, 30))
  if (!isNum(v['at'])) throw invalidInput('push.at', 'a time in ms', v['at'])
  if (v['type'] === 'error') {
    if (typeof v['message'] !== 'string') throw invalidInput('push.message', 'a string', v['message'])
    return { type: 'error', at: v['at'], message: v['message'] }
  }
  if (v['type'] !== 'status') throw invalidInput('push.type', '"status" or "error"', v['type'])
  if (!isNum(v['peers'])) throw invalidInput('push.peers', 'a number', v['peers'])
  if (!Array.isArray(v['groups'])) throw invalidInput('push.groups', 'an array', v['groups'])
  const groups = (v['groups'] as Record<string, unknown>[]).map((g, i) => {
    for (const k of ['groupId', 'height', 'pendingTxs', 'txSum']) {
      if (!isNum(g?.[k])) throw invalidInput(`push.groups[${i}].${k}`, 'a number', g?.[k])
    }
    if (g['view'] !== null && !isNum(g['view']))
      throw invalidInput(`push.groups[${i}].view`, 'a number or null', g['view'])
    return {
      groupId: g['groupId'] as number,
      height: g['height'] as number,
      pendingTxs: g['pendingTxs'] as number,
      view: g['view'] as number | null,
      txSum: g['txSum'] as number,
    }
  })
  return { type: 'status', at: v['at'], peers: v['peers'], groups }
}
