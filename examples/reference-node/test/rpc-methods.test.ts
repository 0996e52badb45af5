import { merkleProofFromJSON, merkleRoot, verifyMerkleProof } from '@consortia/crypto'
import { receiptHash } from '@consortia/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startRpcServer } from '../src/rpc/http-server.js'
import { RPC_METHODS } from '../src/rpc/methods.js'
import { hexOf, rpc, STORE_INIT, STORE_RUNTIME, startTestChain, type TestChain } from './rpc-helpers.js'

const word = (n: number) => n.toString(16).padStart(64, '0')

describe('FISCO JSON-RPC on a single-node PBFT chain', () => {
  let chain: TestChain
  let server: RunningServer
  let port: number
  let deployHash: string
  let setHash: string
  let contract: string
  let deployRaw: Uint8Array

  beforeAll(async () => {
    chain = await startTestChain()
    server = await startRpcServer({ host: '127.0.0.1', port: 0, node: chain.node })
    port = server.port
    const deploy = chain.signTx({ nonce: 1n, to: null, data: Buffer.from(STORE_INIT, 'hex') })
    deployRaw = deploy
    const sent = await rpc(port, 'sendRawTransaction', [1, `0x${hexOf(deploy)}`])
    deployHash = sent['result'] as string
    await chain.waitForHeight(1)
    const receipt = (await rpc(port, 'getTransactionReceipt', [1, deployHash]))['result'] as Record<
      string,
      string
    >
    contract = receipt['contractAddress']!
    const set = chain.signTx({
      nonce: 2n,
      to: Buffer.from(contract.slice(2), 'hex'),
      data: Buffer.from(word(0x2a), 'hex'),
    })
    setHash = (await rpc(port, 'sendRawTransaction', ['1', hexOf(set)]))['result'] as string
    await chain.waitForHeight(2)
  })

  afterAll(async () => {
    await server?.close()
    await chain?.close()
  })

  it('answers the node-global methods', async () => {
    const v = (await rpc(port, 'getClientVersion', []))['result'] as Record<string, string>
    expect(v['Chain Id']).toBe('1')
    expect(v['Supported Version']).toBe('2.9.0')
    expect(v['FISCO-BCOS Version']).toBe('2.9.0')
    expect((await rpc(port, 'getClientVersion', [1]))['result']).toEqual(v)
    expect((await rpc(port, 'getGroupList', []))['result']).toEqual([1])
    const info = (await rpc(port, 'getNodeInfo', []))['result'] as Record<string, unknown>
    expect(info).toEqual({
      Agency: 'agency',
      IPAndPort: '127.0.0.1:30300',
      Node: 'node0',
      NodeID: hexOf(chain.node.nodeId),
      Topic: [],
    })
    expect((await rpc(port, 'queryPeers', []))['result']).toEqual([])
  })

  it('deploys a contract and stores a value through sendRawTransaction', async () => {
    expect(deployHash).toMatch(/^0x[0-9a-f]{64}$/)
    const receipt = (await rpc(port, 'getTransactionReceipt', [1, deployHash]))['result'] as Record<
      string,
      unknown
    >
    expect(receipt['status']).toBe('0x0')
    expect(receipt['blockNumber']).toBe('0x1')
    expect(receipt['to']).toBe(`0x${'0'.repeat(40)}`)
    expect(contract).not.toBe(`0x${'0'.repeat(40)}`)
    expect((await rpc(port, 'getCode', [1, contract]))['result']).toBe(`0x${STORE_RUNTIME}`)

    const setReceipt = (await rpc(port, 'getTransactionReceipt', [1, setHash]))['result'] as Record<
      string,
      unknown
    >
    expect(setReceipt['status']).toBe('0x0')
    expect(setReceipt['from']).toBe('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
    expect(setReceipt['logs']).toEqual([{ address: contract, data: '0x', topics: [`0x${word(0x2a)}`] }])

    const call = await rpc(port, 'call', [
      1,
      { from: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', to: contract, value: '0x0', data: '0x' },
    ])
    expect(call['result']).toEqual({ currentBlockNumber: '0x2', output: `0x${word(0x2a)}`, status: '0x0' })
    // value as the integer 0, data absent
    const call2 = await rpc(port, 'call', [
      1,
      { from: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', to: contract, value: 0 },
    ])
    expect((call2['result'] as Record<string, unknown>)['output']).toBe(`0x${word(0x2a)}`)
  })

  it('serves blocks, headers and transactions by number, hash and index', async () => {
    expect((await rpc(port, 'getBlockNumber', [1]))['result']).toBe('0x2')
    const hash = (await rpc(port, 'getBlockHashByNumber', [1, '0x1']))['result'] as string
    const byNumber = (await rpc(port, 'getBlockByNumber', [1, '1', true]))['result'] as Record<
      string,
      unknown
    >
    const byHash = (await rpc(port, 'getBlockByHash', [1, hash, true]))['result'] as Record<string, unknown>
    expect(byHash).toEqual(byNumber)
    expect(byNumber['hash']).toBe(hash)
    expect(byNumber['number']).toBe('0x1')
    expect(byNumber['sealerList']).toEqual([hexOf(chain.node.nodeId)])
    const txs = byNumber['transactions'] as Record<string, unknown>[]
    expect(txs.map((t) => t['hash'])).toEqual([deployHash])
    const signatures = byNumber['signatureList'] as { index: string; signature: string }[]
    expect(signatures.length).toBe(1)
    // The certificate: one 65-byte ECDSA signature by sealer 0 over the bare block hash, as
    // FISCO writes signatureList (the full SDK check is in fisco-signatures.test.ts).
    expect(signatures[0]!.index).toBe('0x0')
    expect(signatures[0]!.signature).toMatch(/^0x[0-9a-f]{130}$/)
    const bytes = (x: string) => Uint8Array.from(Buffer.from(x.replace(/^0x/, ''), 'hex'))
    expect(chain.suite.verify(bytes(hash), bytes(signatures[0]!.signature), chain.node.nodeId)).toBe(true)

    const hashesOnly = (await rpc(port, 'getBlockByNumber', [1, 1, false]))['result'] as Record<
      string,
      unknown
    >
    expect(hashesOnly['transactions']).toEqual([deployHash])
    const header = (await rpc(port, 'getBlockHeaderByNumber', [1, '0x1', true]))['result'] as Record<
      string,
      unknown
    >
    expect(header['signatureList']).toEqual(byNumber['signatureList'])
    expect(header).not.toHaveProperty('transactions')
    const headerNoSigs = (await rpc(port, 'getBlockHeaderByHash', [1, hash, false]))['result'] as Record<
      string,
      unknown
    >
    expect(headerNoSigs).not.toHaveProperty('signatureList')
    expect(headerNoSigs['transactionsRoot']).toBe(header['transactionsRoot'])

    const tx = (await rpc(port, 'getTransactionByHash', [1, deployHash]))['result'] as Record<string, unknown>
    expect(tx).toEqual(txs[0])
    expect(tx['blockLimit']).toMatch(/^0x[0-9a-f]+$/)
    expect((tx['signature'] as Record<string, string>)['v']).toMatch(/^0x[01]$/)
    expect((await rpc(port, 'getTransactionByBlockHashAndIndex', [1, hash, '0x0']))['result']).toEqual(tx)
    expect((await rpc(port, 'getTransactionByBlockNumberAndIndex', [1, '0x1', 0]))['result']).toEqual(tx)
  })

  it('counts transactions and reads system config, sealers, consensus and sync status', async () => {
    expect((await rpc(port, 'getTotalTransactionCount', [1]))['result']).toEqual({
      blockNumber: '0x2',
      failedTxSum: '0x0',
      txSum: '0x2',
    })
    expect((await rpc(port, 'getSystemConfigByKey', [1, 'tx_count_limit']))['result']).toBe('1000')
    expect((await rpc(port, 'getSystemConfigByKey', [1, 'tx_gas_limit']))['result']).toBe('300000000')
    expect((await rpc(port, 'getSystemConfigByKey', [1, 'consensus_timeout']))['result']).toBe('3')
    const id = hexOf(chain.node.nodeId)
    expect((await rpc(port, 'getSealerList', [1]))['result']).toEqual([id])
    expect((await rpc(port, 'getEpochSealersList', [1]))['result']).toEqual([id])
    expect((await rpc(port, 'getObserverList', [1]))['result']).toEqual([])
    expect((await rpc(port, 'getGroupPeers', [1]))['result']).toEqual([id])
    expect((await rpc(port, 'getNodeIDList', [1]))['result']).toEqual([id])
    expect((await rpc(port, 'getPeers', [1]))['result']).toEqual([])
    expect((await rpc(port, 'getPbftView', [1]))['result']).toMatch(/^0x[0-9a-f]+$/)

    const [status, views] = (await rpc(port, 'getConsensusStatus', [1]))['result'] as [
      Record<string, unknown>,
      unknown[],
    ]
    expect(status['nodeNum']).toBe(1)
    expect(status['node_index']).toBe(0)
    expect(status['sealer.0']).toBe(id)
    expect(status['highestblockNumber']).toBe(2)
    expect(status['protocolId']).toBe(65544)
    expect(views).toEqual([{ nodeId: id, view: status['currentView'] }])

    const sync = (await rpc(port, 'getSyncStatus', [1]))['result'] as Record<string, unknown>
    const genesis = (await rpc(port, 'getBlockHashByNumber', [1, 0]))['result']
    const head = (await rpc(port, 'getBlockHashByNumber', [1, 2]))['result']
    expect(sync).toMatchObject({
      blockNumber: 2,
      genesisHash: genesis,
      isSyncing: false,
      knownHighestNumber: 2,
      knownLatestHash: head,
      latestHash: head,
      nodeId: id,
      peers: [],
      txPoolSize: '0',
    })
  })

  it('returns Merkle proofs that verify against the block roots', async () => {
    const r = (await rpc(port, 'getTransactionByHashWithProof', [1, setHash]))['result'] as Record<
      string,
      unknown
    >
    const block = (await rpc(port, 'getBlockByNumber', [1, 2, false]))['result'] as Record<string, string>
    const h = (s: string) => Buffer.from(s.slice(2), 'hex')
    expect((r['transaction'] as Record<string, unknown>)['hash']).toBe(setHash)
    expect(
      verifyMerkleProof(
        chain.suite,
        h(block['transactionsRoot']!),
        0,
        h(setHash),
        merkleProofFromJSON(r['txProof']),
      ),
    ).toBe(true)
    const rr = (await rpc(port, 'getTransactionReceiptByHashWithProof', [1, setHash]))['result'] as Record<
      string,
      unknown
    >
    const stored = await chain.backend.receipt(h(setHash))
    const leaf = receiptHash(stored!.receipt, chain.suite.hash)
    expect(
      verifyMerkleProof(
        chain.suite,
        h(block['receiptsRoot']!),
        0,
        leaf,
        merkleProofFromJSON(rr['receiptProof']),
      ),
    ).toBe(true)
    expect(merkleRoot(chain.suite, [leaf])).toEqual(Uint8Array.from(h(block['receiptsRoot']!)))
    expect(rr['transactionReceipt']).toEqual(
      (await rpc(port, 'getTransactionReceipt', [1, setHash]))['result'],
    )
  })

  it('returns batch receipts, plain and zlib+base64', async () => {
    const plain = (await rpc(port, 'getBatchReceiptsByBlockNumberAndRange', [1, '0x2', '0', '-1', false]))[
      'result'
    ] as Record<string, unknown>
    const blockHash = (await rpc(port, 'getBlockHashByNumber', [1, 2]))['result']
    expect(plain['blockInfo']).toMatchObject({ blockHash, blockNumber: '0x2', receiptsCount: '0x1' })
    expect((plain['transactionReceipts'] as Record<string, unknown>[])[0]!['transactionHash']).toBe(setHash)
    const packed = (await rpc(port, 'getBatchReceiptsByBlockHashAndRange', [1, blockHash, '0', '1', true]))[
      'result'
    ]
    const { inflateSync } = await import('node:zlib')
    expect(JSON.parse(inflateSync(Buffer.from(packed as string, 'base64')).toString())).toEqual(plain)
    const empty = (await rpc(port, 'getBatchReceiptsByBlockNumberAndRange', [1, '0x2', '1', '-1', false]))[
      'result'
    ] as Record<string, unknown>
    expect(empty['transactionReceipts']).toEqual([])
  })

  it('answers null for unknown transactions and FISCO errors for unknown blocks and indexes', async () => {
    const unknown = `0x${'ab'.repeat(32)}`
    expect((await rpc(port, 'getTransactionByHash', [1, unknown]))['result']).toBeNull()
    expect((await rpc(port, 'getTransactionReceipt', [1, unknown]))['result']).toBeNull()
    expect((await rpc(port, 'getBlockByHash', [1, unknown, false]))['error']).toMatchObject({ code: -40003 })
    expect((await rpc(port, 'getBlockByNumber', [1, '0x99', false]))['error']).toMatchObject({ code: -40004 })
    expect((await rpc(port, 'getBlockHashByNumber', [1, 100]))['error']).toMatchObject({ code: -40004 })
    expect((await rpc(port, 'getBlockHeaderByNumber', [1, 100, false]))['error']).toMatchObject({
      code: -40004,
    })
    expect((await rpc(port, 'getTransactionByBlockNumberAndIndex', [1, 1, '0x5']))['error']).toMatchObject({
      code: -40005,
    })
    expect((await rpc(port, 'getSystemConfigByKey', [1, 'no_such_key']))['error']).toMatchObject({
      code: -40008,
    })
    expect((await rpc(port, 'call', [1, { to: contract, data: '0x' }]))['error']).toMatchObject({
      code: -40006,
    })
  })

  it('refuses replayed and foreign transactions with the FISCO status in the error', async () => {
    const again = await rpc(port, 'sendRawTransaction', [1, `0x${hexOf(deployRaw)}`])
    expect(again['error']).toMatchObject({ code: -32603, data: { status: '0x2711' } }) // 10001 AlreadyInChain
    const sameNonce = chain.signTx({ nonce: 1n, to: null, data: new Uint8Array(1) })
    expect((await rpc(port, 'sendRawTransaction', [1, hexOf(sameNonce)]))['error']).toMatchObject({
      data: { status: '0xf' }, // 15 NonceCheckFail
    })
    const otherGroup = chain.signTx({ nonce: 99n, to: null, data: new Uint8Array(0), groupId: 2n })
    const foreign = await rpc(port, 'sendRawTransaction', [1, hexOf(otherGroup)])
    expect(foreign['error']).toMatchObject({ code: -32603, data: { status: '0x2713' } }) // 10003 InvalidGroupId
    const expired = chain.signTx({ nonce: 98n, to: null, data: new Uint8Array(0), blockLimit: 1n })
    expect((await rpc(port, 'sendRawTransaction', [1, hexOf(expired)]))['error']).toMatchObject({
      data: { status: '0x10' },
    })
    const garbage = await rpc(port, 'sendRawTransaction', [1, '0xc0'])
    expect(garbage['error']).toMatchObject({ code: -32603, data: { status: '0x2715' } }) // 10005 MalformedTx
  })

  it('answers the group-admin and peer-config methods with FISCO codes when the node has no manager', async () => {
    for (const m of ['startGroup', 'stopGroup', 'removeGroup', 'recoverGroup', 'queryGroupStatus']) {
      const r = (await rpc(port, m, [2]))['result'] as Record<string, unknown>
      expect(r['code']).toBe('0x1')
      expect(typeof r['message']).toBe('string')
    }
    const gen = (
      await rpc(port, 'generateGroup', [2, { timestamp: '1', sealers: [hexOf(chain.node.nodeId)] }])
    )['result'] as Record<string, unknown>
    expect(gen['code']).toBe('0x1')
    expect(
      ((await rpc(port, 'addPeers', [['127.0.0.1:30301']]))['result'] as Record<string, unknown>)['code'],
    ).toBe('0x1')
  })

  it('lists every method of the FISCO 2.x API', () => {
    for (const m of [
      'getClientVersion',
      'getNodeInfo',
      'getBlockNumber',
      'getPbftView',
      'getSealerList',
      'getObserverList',
      'getEpochSealersList',
      'getConsensusStatus',
      'getSyncStatus',
      'getPeers',
      'getGroupPeers',
      'getNodeIDList',
      'getGroupList',
      'getBlockByHash',
      'getBlockByNumber',
      'getBlockHeaderByHash',
      'getBlockHeaderByNumber',
      'getBlockHashByNumber',
      'getTransactionByHash',
      'getTransactionByBlockHashAndIndex',
      'getTransactionByBlockNumberAndIndex',
      'getTransactionReceipt',
      'getPendingTransactions',
      'getPendingTxSize',
      'getCode',
      'getTotalTransactionCount',
      'getSystemConfigByKey',
      'call',
      'sendRawTransaction',
      'sendRawTransactionAndGetProof',
      'getTransactionByHashWithProof',
      'getTransactionReceiptByHashWithProof',
      'getBatchReceiptsByBlockNumberAndRange',
      'getBatchReceiptsByBlockHashAndRange',
      'generateGroup',
      'startGroup',
      'stopGroup',
      'removeGroup',
      'recoverGroup',
      'queryGroupStatus',
      'addPeers',
      'erasePeers',
      'queryPeers',
    ]) {
      expect(RPC_METHODS).toContain(m)
    }
  })
})
