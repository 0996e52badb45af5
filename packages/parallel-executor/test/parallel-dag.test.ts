import { describe, expect, it } from 'vitest'
import { buildDAG, NodeKind } from '../src/index.js'

describe('transaction DAG (FISCO TxDAG)', () => {
  it('links each transaction to the last earlier one holding each of its keys', () => {
    const dag = buildDAG([['a', 'b'], ['c'], ['b', 'c'], ['a'], ['d']], 'dag')
    expect([...dag.kinds]).toEqual([0, 0, 0, 0, 0])
    expect([...dag.predecessors]).toEqual([0, 0, 2, 1, 0])
    expect(dag.successors[0]).toEqual([2, 3])
    expect(dag.successors[1]).toEqual([2])
    expect(dag.successors[2]).toBeUndefined()
    expect(dag.edges).toBe(3)
  })

  it('makes transactions without keys barriers in dag mode and speculative in optimistic mode', () => {
    const keys = [['a'], undefined, ['a'], [], ['b']]
    const dag = buildDAG(keys, 'dag')
    expect([...dag.kinds]).toEqual([
      NodeKind.Keyed,
      NodeKind.Barrier,
      NodeKind.Keyed,
      NodeKind.Barrier,
      NodeKind.Keyed,
    ])
    // After a barrier only the barrier is a predecessor: the key history starts over.
    expect([...dag.predecessors]).toEqual([0, 0, 1, 0, 1])
    expect(dag.successors[1]).toEqual([2])
    expect(dag.successors[3]).toEqual([4])
    const optimistic = buildDAG(keys, 'optimistic')
    expect([...optimistic.kinds]).toEqual([0, 2, 0, 2, 0])
    expect([...optimistic.predecessors]).toEqual([0, 0, 1, 0, 0])
    expect(optimistic.successors[0]).toEqual([2])
  })

  it('does not link a transaction to itself when it lists a key twice', () => {
    const dag = buildDAG([['a'], ['a', 'a'], ['a']], 'dag')
    expect([...dag.predecessors]).toEqual([0, 1, 1])
    expect(dag.edges).toBe(2)
  })

  it('chains a block where every transaction shares one key', () => {
    const dag = buildDAG(
      Array.from({ length: 100 }, () => ['hot']),
      'dag',
    )
    expect(dag.edges).toBe(99)
    for (let i = 1; i < 100; i++) expect(dag.predecessors[i]).toBe(1)
  })
})
