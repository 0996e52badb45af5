import { describe, expect, it } from 'vitest'

// The README's example, run as a test so it stays true.
describe('README example', () => {
  it('three in-memory nodes elect a leader and commit blocks', async () => {
    const { createSeededRandom } = await import('@consortia/testkit')
    const { createRaftEngine, mergeRaftPersist } = await import('../src/index.js')
    type Block = {
      number: number
      hash: Uint8Array
      parentHash: Uint8Array
      txCount: number
      payload: string
    }
    type Msg = import('../src/index.js').RaftMessage<string>

    // --- README example starts ---
    const ids = ['node-a', 'node-b', 'node-c']
    const genesis = { number: 0, hash: new Uint8Array(32) }
    const nodes = ids.map((self, i) => ({
      engine: createRaftEngine<string>(
        { sealers: ids, self, head: genesis },
        { random: createSeededRandom(i + 1) },
      ),
      storage: undefined as import('../src/index.js').RaftPersistedState<string> | undefined,
      chain: [] as Block[],
      shouldPropose: false,
    }))
    const wire: { from: number; to: number; body: Msg }[] = []

    // The host loop: persist → send → commit → advance.
    function drive(i: number) {
      const node = nodes[i]!
      while (node.engine.hasReady()) {
        const rd = node.engine.ready()
        if (rd.persist) node.storage = mergeRaftPersist(node.storage, rd.persist)
        for (const m of rd.messages) {
          for (let to = 0; to < ids.length; to++) {
            if (to !== i && (m.to === 'all' || m.to === to)) wire.push({ from: i, to, body: m.body })
          }
        }
        for (const c of rd.committed) node.chain.push(c.block as Block)
        node.shouldPropose = rd.shouldPropose
        node.engine.advance(rd)
      }
    }

    for (let tick = 0; tick < 200; tick++) {
      nodes.forEach((node, i) => {
        node.engine.tick()
        drive(i)
        if (node.shouldPropose) {
          const parent = node.chain.at(-1) ?? genesis
          const number = parent.number + 1
          const hash = new Uint8Array(32).fill(number)
          node.engine.propose({
            number,
            hash,
            parentHash: parent.hash,
            txCount: 1,
            payload: `block ${number}`,
          })
          drive(i)
        }
      })
      for (const { from, to, body } of wire.splice(0)) {
        nodes[to]!.engine.step({ from, body })
        drive(to)
      }
    }
    // --- README example ends ---

    const heights = nodes.map((n) => n.chain.length)
    const common = Math.min(...heights)
    expect(common).toBeGreaterThan(50)
    const payloads = nodes.map((n) => n.chain.slice(0, common).map((b) => b.payload))
    expect(payloads[1]).toEqual(payloads[0])
    expect(payloads[2]).toEqual(payloads[0])
  })
})
