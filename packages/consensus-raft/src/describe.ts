import type { RaftMessage } from './types.js'

/** One-line description of a Raft message, for logs, traces and scripted tests. */
export function describeRaftMessage(m: RaftMessage<unknown>): string {
  switch (m.type) {
    case 'vote':
      return `${m.pre ? 'pre-vote' : 'vote'} term=${m.term} last=${m.lastIndex}/${m.lastTerm}`
    case 'vote-response':
      return `${m.pre ? 'pre-vote' : 'vote'}-${m.granted ? 'granted' : 'rejected'} term=${m.term}`
    case 'append': {
      const ents = m.entries
        .map((e) => `${e.index}/${e.term}${e.block === undefined ? '' : `:h${e.block.number}`}`)
        .join(',')
      return `append term=${m.term} prev=${m.prevIndex}/${m.prevTerm} commit=${m.commit}${ents === '' ? '' : ` entries=[${ents}]`}`
    }
    case 'append-response':
      return `append-${m.success ? 'ok' : 'reject'} term=${m.term} index=${m.index}`
    case 'snapshot':
      return `snapshot term=${m.term} index=${m.snapshot.index}/${m.snapshot.term} height=${m.snapshot.height}`
  }
}
