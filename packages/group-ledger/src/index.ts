/**
 * @consortia/group-ledger — one group's ledger, modelled on FISCO BCOS 2.x. This release holds
 * the transaction pool (`txpool/`): strict decoding, FISCO's admission checks in FISCO's order
 * with FISCO status codes, the sliding nonce window of the last 1000 blocks, count, memory and
 * per-sender limits, expiry, batch signer recovery on a worker pool, arrival-ordered sealing,
 * commit handling, and an optional KvStore journal so accepted transactions survive a crash.
 * The ledger (`ledger/`) holds the block store (blocks, indexes and receipts in FISCO's system
 * tables, committed in the same AMDB change set as the block's state) and the consensus driver:
 * the host loop around any `ConsensusEngine` (persist → send → commit → advance → verify →
 * propose), with PBFT and Raft wired by `pbftEngineFactory` and `raftEngineFactory`. Sync
 * (`sync/`) holds block sync (status, ranged download from several peers, certificate and
 * re-execution checks before commit, peer scoring), tx forwarding, and the group roles (sealer,
 * observer, free node) read from `_sys_consensus_`. The GroupManager (`manager/`) runs many
 * groups in one node, each in its own storage namespace over one shared transport, with
 * FISCO's dynamic group management (generate/start/stop/remove/recover, persisted statuses);
 * named failpoints of the commit path (`FAILPOINT_NAMES`, `CONSORTIA_FAILPOINTS`) let crash
 * tests kill a node at each commit stage.
 *
 * @example
 * ```ts
 * import { createCryptoSuite } from '@consortia/crypto'
 * import { createTxPool, NonceWindow } from '@consortia/group-ledger'
 *
 * const suite = createCryptoSuite('ecdsa')
 * const chain = { currentNumber: () => 0, hasTransaction: async () => false }
 * const pool = await createTxPool({ groupId: 1 }, { suite, chain, nonceWindow: new NonceWindow() })
 * const result = await pool.submit(raw) // { ok: true, hash, sender } or { ok: false, status: 15, reason: 'NONCE_IN_POOL', ... }
 * const block = pool.fetchForSealing({ txCountMax: 1000 })
 *
 * // The ledger around it (see README "Ledger"):
 * await writeGenesis(amdb, suite, { sealerList, timestamp })
 * const store = await openBlockStore({ amdb, suite })
 * const driver = await createConsensusDriver({
 *   groupId: 1, engine: pbftEngineFactory({ suite, privateKey }), executor, amdb, store, pool,
 *   nonceWindow, transport, suite, privateKey, consensusStore, clock,
 * })
 *
 * // Many groups in one node (see README "GroupManager"):
 * const manager = await createGroupManager({
 *   suite, privateKey, transport, clock, statusStore,
 *   storage: createDirectoryGroupStorage({ dataPath: './data' }), // data/group<N>
 *   executor: () => createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite }),
 * })
 * await manager.generateGroup({ groupId: 2, timestamp, sealers }) // STOPPED
 * await manager.startGroup(2) // RUNNING; manager.group(2) has its store, pool and driver
 * ```
 */

export * from './ledger/index.js'
export * from './manager/index.js'
export * from './sync/index.js'
export * from './txpool/index.js'
