import { useState } from 'preact/hooks'
import {
  cnsAbiEntry,
  type DecodedCall,
  decodeInput,
  decodeLog,
  type LogJSON,
  lookupCns,
  parseAbiJson,
  quantityToNumber,
  readAccountStatus,
  readGovernance,
  type SignedBlockJSON,
  SYSTEM_CONFIG_KEYS,
  verifyBlockSignatures,
} from '../src/index.js'
import type { LiveState } from './app.js'
import { TpsChart } from './chart.js'
import { Async, Hex, KeyValues, Link, Table, Time, useExplorer, useLoad } from './components.js'

const hexOf = (n: number) => `0x${n.toString(16)}`
const num = (v: unknown) => Number(v)
/** Rows of the blocks list page. */
const BLOCKS_PAGE_SIZE = 20
/** Blocks shown on the overview. */
const OVERVIEW_BLOCKS = 8

interface BlockJSON extends SignedBlockJSON {
  readonly number: string
  readonly parentHash: string
  readonly timestamp: string
  readonly sealer: string
  readonly gasUsed: string
  readonly gasLimit: string
  readonly stateRoot: string
  readonly transactionsRoot: string
  readonly receiptsRoot: string
  readonly dbHash: string
  readonly extraData: readonly string[]
  readonly transactions: readonly (string | TxJSON)[]
}

interface TxJSON {
  readonly hash: string
  readonly from: string
  readonly to: string | null
  readonly input: string
  readonly nonce: string
  readonly gas: string
  readonly gasPrice?: string
  readonly value?: string
  readonly blockNumber: string
  readonly blockHash: string
  readonly transactionIndex: string
  readonly blockLimit?: string
  readonly chainId?: string
  readonly groupId?: string
}

interface ReceiptJSON {
  readonly status: string
  readonly gasUsed: string
  readonly contractAddress: string
  readonly output: string
  readonly logs: readonly LogJSON[]
  readonly message?: string
  readonly statusMsg?: string
}

function liveGroup(live: LiveState, groupId: number) {
  return live.last?.groups.find((g) => g.groupId === groupId)
}

function BlockRows(props: {
  readonly blocks: readonly BlockJSON[]
  readonly caption: string
  readonly testId: string
}) {
  return (
    <Table
      caption={props.caption}
      testId={props.testId}
      head={['Number', 'Hash', 'Sealer', 'Transactions', 'Time']}
      rows={props.blocks.map((b) => ({
        key: b.hash,
        cells: [
          <Link key="n" to={`/block/${num(b.number)}`} label={`Block ${num(b.number)}`}>
            {num(b.number)}
          </Link>,
          <Link key="h" to={`/block/${b.hash}`}>
            <Hex value={b.hash} />
          </Link>,
          `#${num(b.sealer)}`,
          b.transactions.length,
          <Time key="t" ms={num(b.timestamp)} />,
        ],
      }))}
      empty="No blocks yet."
    />
  )
}

async function loadBlocks(
  rpc: ReturnType<typeof useExplorer>['rpc'],
  groupId: number,
  top: number,
  count: number,
): Promise<BlockJSON[]> {
  const numbers: number[] = []
  for (let n = top; n >= 0 && numbers.length < count; n--) numbers.push(n)
  const answers = await rpc.batch(
    numbers.map((n) => ({ method: 'getBlockByNumber', params: [groupId, hexOf(n), false] })),
  )
  return answers.map((a) => {
    if (a instanceof Error) throw a
    return a as BlockJSON
  })
}

/** Chain overview: groups, height, TPS chart, pool, view and leader, peers, latest blocks. */
export function OverviewPage(props: { readonly live: LiveState }) {
  const { rpc, groupId } = useExplorer()
  const g = liveGroup(props.live, groupId)
  const height = g?.height
  const consensus = useLoad(async () => {
    const [status, sealers] = await rpc.batch([
      { method: 'getConsensusStatus', params: [groupId] },
      { method: 'getSealerList', params: [groupId] },
    ])
    const sealerList = sealers instanceof Error ? [] : (sealers as string[])
    const first = status instanceof Error ? undefined : (status as Record<string, unknown>[])[0]
    return { first, sealerList, failure: status instanceof Error ? status.message : undefined }
  }, [groupId, height])
  const blocks = useLoad(
    async () => (height === undefined ? [] : loadBlocks(rpc, groupId, height, OVERVIEW_BLOCKS)),
    [groupId, height],
  )
  const series = props.live.series.get(groupId)
  const data = series?.data() ?? [[], [], []]

  let leader: string = '—'
  const c = consensus.data?.first
  if (c !== undefined) {
    const n = consensus.data!.sealerList.length
    if (typeof c['leaderId'] === 'string')
      leader = `#${String(c['leaderIdx'])} ${String(c['leaderId']).slice(0, 16)}…`
    else if (n > 0 && typeof c['currentView'] === 'number' && typeof c['highestblockNumber'] === 'number') {
      const idx = (c['highestblockNumber'] + 1 + c['currentView']) % n
      leader = `#${idx} ${consensus.data!.sealerList[idx]?.slice(0, 16) ?? ''}…`
    }
  }

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Chain overview</h1>
      <dl class="cards">
        <div class="card">
          <dt>Groups</dt>
          <dd data-testid="groups">{props.live.last?.groups.map((x) => x.groupId).join(', ') ?? '—'}</dd>
        </div>
        <div class="card">
          <dt>Block height</dt>
          <dd data-testid="height">{height ?? '—'}</dd>
        </div>
        <div class="card">
          <dt>Transactions</dt>
          <dd data-testid="tx-total">{g?.txSum ?? '—'}</dd>
        </div>
        <div class="card">
          <dt>Pending transactions</dt>
          <dd data-testid="pending">{g?.pendingTxs ?? '—'}</dd>
        </div>
        <div class="card">
          <dt>Consensus view</dt>
          <dd data-testid="view">{g === undefined ? '—' : g.view === null ? 'n/a (Raft)' : g.view}</dd>
        </div>
        <div class="card">
          <dt>Leader (next block)</dt>
          <dd data-testid="leader">{leader}</dd>
        </div>
        <div class="card">
          <dt>Peers</dt>
          <dd data-testid="peers">{props.live.last?.peers ?? '—'}</dd>
        </div>
      </dl>
      <h2>Throughput</h2>
      <TpsChart data={data} average={series?.average() ?? 0} />
      <h2>Latest blocks</h2>
      <Async state={blocks} what="the latest blocks">
        {(list) => (
          <BlockRows blocks={list} caption={`Latest blocks of group ${groupId}`} testId="latest-blocks" />
        )}
      </Async>
      {consensus.data?.failure !== undefined && (
        <p class="note">Consensus status: {consensus.data.failure}</p>
      )}
    </section>
  )
}

/** Blocks list, newest first, paged. */
export function BlocksPage(props: { readonly live: LiveState }) {
  const { rpc, groupId } = useExplorer()
  const head = liveGroup(props.live, groupId)?.height
  const [pinned, setPinned] = useState<number | undefined>(undefined)
  const top = pinned ?? head
  const blocks = useLoad(
    async () =>
      loadBlocks(
        rpc,
        groupId,
        top ?? quantityToNumber(await rpc.call<string>('getBlockNumber', [groupId]), 'getBlockNumber'),
        BLOCKS_PAGE_SIZE,
      ),
    [groupId, top],
  )
  return (
    <section aria-labelledby="blocks-title">
      <h1 id="blocks-title">Blocks</h1>
      <div class="pager">
        <button
          type="button"
          disabled={pinned === undefined}
          onClick={() => {
            const next = (pinned ?? 0) + BLOCKS_PAGE_SIZE
            setPinned(head !== undefined && next >= head ? undefined : next)
          }}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={top === undefined || top < BLOCKS_PAGE_SIZE}
          onClick={() => setPinned(Math.max(0, (top ?? 0) - BLOCKS_PAGE_SIZE))}
        >
          Older
        </button>
        <span>{pinned === undefined ? 'Following the head (live)' : `From block ${pinned}`}</span>
      </div>
      <Async state={blocks} what="blocks">
        {(list) => <BlockRows blocks={list} caption={`Blocks of group ${groupId}`} testId="blocks" />}
      </Async>
    </section>
  )
}

/** Block detail: header, sealer, signature list checked in the page, transactions. */
export function BlockPage(props: { readonly id: string }) {
  const { rpc, groupId, suite, abis } = useExplorer()
  const block = useLoad(async () => {
    const isHash = props.id.startsWith('0x') && props.id.length === 66
    const b = isHash
      ? await rpc.call<BlockJSON | null>('getBlockByHash', [groupId, props.id, true])
      : await rpc.call<BlockJSON | null>('getBlockByNumber', [
          groupId,
          hexOf(quantityToNumber(props.id, 'block number')),
          true,
        ])
    if (b === null) throw new Error(`no block ${props.id} in group ${groupId}`)
    return b
  }, [groupId, props.id])
  return (
    <section aria-labelledby="block-title">
      <h1 id="block-title">Block {props.id.startsWith('0x') ? <Hex value={props.id} /> : props.id}</h1>
      <Async state={block} what="the block">
        {(b) => {
          const checks = verifyBlockSignatures(b, suite)
          const sealerIndex = num(b.sealer)
          const valid = checks.filter((c) => c.status === 'valid').length
          const txs = b.transactions.filter((t): t is TxJSON => typeof t !== 'string')
          return (
            <>
              <div class="pager">
                {num(b.number) > 0 && (
                  <Link to={`/block/${num(b.number) - 1}`}>← Block {num(b.number) - 1}</Link>
                )}
                <Link to={`/block/${num(b.number) + 1}`}>Block {num(b.number) + 1} →</Link>
              </div>
              <KeyValues
                caption="Header"
                rows={[
                  [
                    'Number',
                    <span key="n" data-testid="block-number">
                      {num(b.number)}
                    </span>,
                  ],
                  [
                    'Hash',
                    <code key="h" data-testid="block-hash">
                      {b.hash}
                    </code>,
                  ],
                  [
                    'Parent',
                    <Link key="p" to={`/block/${b.parentHash}`}>
                      <code>{b.parentHash}</code>
                    </Link>,
                  ],
                  ['Time', <Time key="t" ms={num(b.timestamp)} />],
                  [
                    'Sealer',
                    <span key="s">
                      #{sealerIndex}{' '}
                      <Hex value={b.sealerList[sealerIndex] ?? '(not in the sealer list)'} keep={16} />
                    </span>,
                  ],
                  ['Gas used / limit', `${num(b.gasUsed)} / ${num(b.gasLimit)}`],
                  ['State root', <code key="sr">{b.stateRoot}</code>],
                  ['Transactions root', <code key="tr">{b.transactionsRoot}</code>],
                  ['Receipts root', <code key="rr">{b.receiptsRoot}</code>],
                  ['DB hash', <code key="db">{b.dbHash}</code>],
                  ['Extra data', b.extraData.length === 0 ? '—' : b.extraData.join(', ')],
                ]}
              />
              <h2>
                Signatures ({valid} of {checks.length} valid
                {suite === 'sm' ? ', SM2' : ', secp256k1'})
              </h2>
              <Table
                caption="Signature list, each checked against the block hash and the sealer's node ID"
                testId="signatures"
                head={['Sealer index', 'Node ID', 'Check']}
                rows={checks.map((c) => ({
                  key: String(c.index),
                  cells: [
                    c.index,
                    <Hex key="id" value={c.nodeId || '—'} keep={16} />,
                    <span key="st" class={`sig sig-${c.status}`} title={c.reason}>
                      {c.status}
                      {c.reason === undefined ? '' : ` (${c.reason})`}
                    </span>,
                  ],
                }))}
                empty="No signatures (the genesis block has none)."
              />
              <h2>Sealer list</h2>
              <ol class="ids" start={0}>
                {b.sealerList.map((id) => (
                  <li key={id}>
                    <code>{id}</code>
                  </li>
                ))}
              </ol>
              <h2>Transactions ({txs.length})</h2>
              <Table
                caption={`Transactions of block ${num(b.number)}`}
                testId="block-txs"
                head={['#', 'Hash', 'From', 'To', 'Call']}
                rows={txs.map((t) => {
                  const entry = t.to === null ? undefined : abis.get(t.to)
                  const call = entry === undefined ? undefined : decodeInput(entry.abi, t.input)
                  return {
                    key: t.hash,
                    cells: [
                      num(t.transactionIndex),
                      <Link key="h" to={`/tx/${t.hash}`} label={`Transaction ${t.hash}`}>
                        <Hex value={t.hash} />
                      </Link>,
                      <Link key="f" to={`/account/${t.from}`}>
                        <Hex value={t.from} />
                      </Link>,
                      t.to === null ? (
                        'contract creation'
                      ) : (
                        <Link key="to" to={`/account/${t.to}`}>
                          <Hex value={t.to} />
                        </Link>
                      ),
                      call?.name ?? (t.input.length >= 10 ? t.input.slice(0, 10) : '—'),
                    ],
                  }
                })}
                empty="No transactions (an empty block)."
              />
            </>
          )
        }}
      </Async>
    </section>
  )
}

function Decoded(props: { readonly call: DecodedCall; readonly caption: string }) {
  return (
    <Table
      caption={`${props.caption}: ${props.call.name}`}
      head={['Name', 'Type', 'Value']}
      rows={props.call.args.map((a, i) => ({
        key: `${a.name}${i}`,
        cells: [a.name, a.type, <code key="v">{a.value}</code>],
      }))}
      empty="No arguments."
    />
  )
}

/** Register an ABI for an address: paste/upload JSON, or look a name up in CNS. */
function AbiPanel(props: { readonly address: string; readonly onChange: () => void }) {
  const { rpc, groupId, abis, saveAbis } = useExplorer()
  const [text, setText] = useState('')
  const [name, setName] = useState('')
  const [message, setMessage] = useState('')
  const known = abis.get(props.address)
  const useText = (json: string) => {
    try {
      abis.set({ address: props.address, source: 'upload', abi: parseAbiJson(json) })
      saveAbis()
      setMessage('ABI saved for this address.')
      props.onChange()
    } catch (err) {
      setMessage((err as Error).message)
    }
  }
  const fromCns = async (ev: Event) => {
    ev.preventDefault()
    try {
      const entries = await lookupCns(rpc, groupId, name.trim())
      const match = entries.find(
        (e) => e.address.toLowerCase().replace(/^0x/, '') === props.address.toLowerCase().slice(2),
      )
      if (match === undefined) {
        setMessage(
          entries.length === 0
            ? `CNS has no contract named "${name}"`
            : `CNS "${name}" is at ${entries.map((e) => `${e.address} (v${e.version})`).join(', ')}, not this address`,
        )
        return
      }
      abis.set(cnsAbiEntry(match))
      saveAbis()
      setMessage(`ABI of ${match.name} v${match.version} from CNS saved.`)
      props.onChange()
    } catch (err) {
      setMessage((err as Error).message)
    }
  }
  return (
    <details class="abi-panel" open={known === undefined}>
      <summary>ABI {known === undefined ? '(unknown: add one to decode)' : `(from ${known.source})`}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          useText(text)
        }}
      >
        <label for="abi-text">ABI JSON</label>
        <textarea
          id="abi-text"
          rows={4}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <label for="abi-file">or a file</label>
        <input
          id="abi-file"
          type="file"
          accept=".json,.abi,application/json"
          onChange={async (e) => {
            const file = (e.target as HTMLInputElement).files?.[0]
            if (file !== undefined) useText(await file.text())
          }}
        />
        <button type="submit">Use this ABI</button>
      </form>
      <form onSubmit={fromCns}>
        <label for="cns-name">CNS name</label>
        <input id="cns-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit">Look up in CNS</button>
      </form>
      <p role="status" class="note">
        {message}
      </p>
    </details>
  )
}

/** Transaction and receipt detail, with the input and events decoded when the ABI is known. */
export function TxPage(props: { readonly hash: string }) {
  const { rpc, groupId, abis } = useExplorer()
  const [abiTick, setAbiTick] = useState(0)
  const loaded = useLoad(async () => {
    const [tx, receipt] = await rpc.batch([
      { method: 'getTransactionByHash', params: [groupId, props.hash] },
      { method: 'getTransactionReceipt', params: [groupId, props.hash] },
    ])
    if (tx instanceof Error) throw tx
    if (tx === null) throw new Error(`no transaction ${props.hash} in group ${groupId}`)
    return {
      tx: tx as TxJSON,
      receipt: receipt instanceof Error || receipt === null ? undefined : (receipt as ReceiptJSON),
    }
  }, [groupId, props.hash])
  return (
    <section aria-labelledby="tx-title">
      <h1 id="tx-title">
        Transaction <Hex value={props.hash} />
      </h1>
      <Async state={loaded} what="the transaction">
        {({ tx, receipt }) => {
          void abiTick
          const target = tx.to ?? receipt?.contractAddress ?? ''
          const entry = target === '' ? undefined : abis.get(target)
          const call = entry === undefined || tx.to === null ? undefined : decodeInput(entry.abi, tx.input)
          return (
            <>
              <KeyValues
                caption="Transaction"
                rows={[
                  [
                    'Hash',
                    <code key="h" data-testid="tx-hash">
                      {tx.hash}
                    </code>,
                  ],
                  [
                    'Block',
                    <Link key="b" to={`/block/${num(tx.blockNumber)}`}>
                      {num(tx.blockNumber)}
                    </Link>,
                  ],
                  ['Index', num(tx.transactionIndex)],
                  [
                    'From',
                    <Link key="f" to={`/account/${tx.from}`}>
                      <code>{tx.from}</code>
                    </Link>,
                  ],
                  [
                    'To',
                    tx.to === null ? (
                      'contract creation'
                    ) : (
                      <Link key="t" to={`/account/${tx.to}`}>
                        <code>{tx.to}</code>
                      </Link>
                    ),
                  ],
                  ['Nonce', <code key="n">{tx.nonce}</code>],
                  ['Gas', num(tx.gas)],
                  ['Block limit', tx.blockLimit === undefined ? '—' : num(tx.blockLimit)],
                  [
                    'Input',
                    <code key="i" class="wrap">
                      {tx.input}
                    </code>,
                  ],
                ]}
              />
              {call !== undefined && <Decoded call={call} caption="Decoded input" />}
              <h2>Receipt</h2>
              {receipt === undefined ? (
                <p>No receipt yet.</p>
              ) : (
                <>
                  <KeyValues
                    caption="Receipt"
                    rows={[
                      [
                        'Status',
                        <span key="s" data-testid="receipt-status">
                          {receipt.status} {receipt.statusMsg ?? receipt.message ?? ''}
                        </span>,
                      ],
                      ['Gas used', num(receipt.gasUsed)],
                      [
                        'Contract created',
                        /^0x0{40}$/.test(receipt.contractAddress) ? (
                          '—'
                        ) : (
                          <Link key="c" to={`/account/${receipt.contractAddress}`}>
                            <code>{receipt.contractAddress}</code>
                          </Link>
                        ),
                      ],
                      [
                        'Output',
                        <code key="o" class="wrap">
                          {receipt.output}
                        </code>,
                      ],
                    ]}
                  />
                  <h2>Events ({receipt.logs.length})</h2>
                  {receipt.logs.map((log, i) => {
                    const e = abis.get(log.address)
                    const d = e === undefined ? undefined : decodeLog(e.abi, log)
                    return d !== undefined ? (
                      <Decoded key={i} call={d} caption={`Event ${i} of ${log.address}`} />
                    ) : (
                      <KeyValues
                        key={i}
                        caption={`Event ${i} (ABI unknown)`}
                        rows={[
                          ['Address', log.address],
                          ['Topics', log.topics.join(', ')],
                          ['Data', log.data],
                        ]}
                      />
                    )
                  })}
                </>
              )}
              {target !== '' && <AbiPanel address={target} onChange={() => setAbiTick((t) => t + 1)} />}
            </>
          )
        }}
      </Async>
    </section>
  )
}

/** Account or contract: code, account and contract status, ABI. */
export function AccountPage(props: { readonly address: string }) {
  const { rpc, groupId, abis } = useExplorer()
  const [, setAbiTick] = useState(0)
  const loaded = useLoad(async () => {
    if (!/^0x[0-9a-fA-F]{40}$/.test(props.address))
      throw new Error(`expected a 20-byte 0x address, got "${props.address}"`)
    const [code, status] = await Promise.all([
      rpc.call<string>('getCode', [groupId, props.address]),
      readAccountStatus(rpc, groupId, props.address),
    ])
    return { code, status }
  }, [groupId, props.address])
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">
        Account <code>{props.address}</code>
      </h1>
      <Async state={loaded} what="the account">
        {({ code, status }) => {
          const isContract = code !== '0x' && code !== ''
          const entry = abis.get(props.address)
          const functions = entry?.abi.filter((f) => f.type === 'function') ?? []
          return (
            <>
              <KeyValues
                caption="Account"
                rows={[
                  [
                    'Kind',
                    <span key="k" data-testid="account-kind">
                      {isContract ? 'contract' : 'account (no code)'}
                    </span>,
                  ],
                  ['Code size', `${Math.max(0, (code.length - 2) / 2)} bytes`],
                  ['Account status', status.account],
                  ['Contract status', isContract ? status.contract : '—'],
                ]}
              />
              {functions.length > 0 && (
                <Table
                  caption="Functions (from the ABI)"
                  head={['Name', 'Inputs', 'Mutability']}
                  rows={functions.map((f, i) => {
                    const fn = f as {
                      name: string
                      inputs: readonly { type: string }[]
                      stateMutability?: string
                    }
                    return {
                      key: `${fn.name}${i}`,
                      cells: [fn.name, fn.inputs.map((x) => x.type).join(', '), fn.stateMutability ?? ''],
                    }
                  })}
                />
              )}
              {isContract && <AbiPanel address={props.address} onChange={() => setAbiTick((t) => t + 1)} />}
              {isContract && (
                <details>
                  <summary>Bytecode</summary>
                  <code class="wrap">{code}</code>
                </details>
              )}
            </>
          )
        }}
      </Async>
    </section>
  )
}

/** Nodes of the chain with their role in each group, and this node's peers. */
export function NodesPage() {
  const { rpc, groupId } = useExplorer()
  const loaded = useLoad(async () => {
    const [info, groups, peers] = await rpc.batch([
      { method: 'getNodeInfo', params: [] },
      { method: 'getGroupList', params: [] },
      { method: 'getPeers', params: [groupId] },
    ])
    if (groups instanceof Error) throw groups
    const ids = groups as number[]
    const perGroup = await rpc.batch(
      ids.flatMap((g) => [
        { method: 'getSealerList', params: [g] },
        { method: 'getObserverList', params: [g] },
      ]),
    )
    const roles = new Map<string, Map<number, string>>()
    ids.forEach((g, i) => {
      const sealers = perGroup[2 * i]
      const observers = perGroup[2 * i + 1]
      for (const [list, role] of [
        [sealers, 'sealer'],
        [observers, 'observer'],
      ] as const) {
        if (!Array.isArray(list)) continue
        for (const id of list as string[]) {
          const m = roles.get(id) ?? new Map<number, string>()
          m.set(g, role)
          roles.set(id, m)
        }
      }
    })
    return {
      info: info instanceof Error ? undefined : (info as Record<string, string>),
      ids,
      roles,
      peers:
        peers instanceof Error
          ? []
          : (peers as {
              NodeID?: string
              nodeId?: string
              IPAndPort?: string
              ipAndPort?: string
              Agency?: string
            }[]),
    }
  }, [groupId])
  return (
    <section aria-labelledby="nodes-title">
      <h1 id="nodes-title">Nodes</h1>
      <Async state={loaded} what="the nodes">
        {({ info, ids, roles, peers }) => (
          <>
            {info !== undefined && (
              <KeyValues
                caption="This node"
                rows={Object.entries(info).map(([k, v]) => [
                  k,
                  typeof v === 'string' && v.length > 40 ? <Hex value={v} keep={16} /> : String(v),
                ])}
              />
            )}
            <Table
              caption="Roles per group"
              testId="node-roles"
              head={['Node ID', ...ids.map((g) => `Group ${g}`)]}
              rows={[...roles.entries()].map(([id, m]) => ({
                key: id,
                cells: [
                  <span key="id">
                    <Hex value={id} keep={16} />
                    {info?.['NodeID'] === id ? ' (this node)' : ''}
                  </span>,
                  ...ids.map((g) => m.get(g) ?? '—'),
                ],
              }))}
            />
            <Table
              caption={`Connected peers (group ${groupId})`}
              testId="peers"
              head={['Node ID', 'Address', 'Agency']}
              rows={peers.map((p, i) => ({
                key: `${p.NodeID ?? p.nodeId ?? i}`,
                cells: [
                  <Hex key="id" value={p.NodeID ?? p.nodeId ?? ''} keep={16} />,
                  p.IPAndPort ?? p.ipAndPort ?? '',
                  p.Agency ?? '',
                ],
              }))}
              empty="No peers connected."
            />
          </>
        )}
      </Async>
    </section>
  )
}

/** System config of the group (`getSystemConfigByKey` for every FISCO key). */
export function ConfigPage() {
  const { rpc, groupId } = useExplorer()
  const loaded = useLoad(async () => {
    const values = await rpc.batch(
      SYSTEM_CONFIG_KEYS.map((k) => ({ method: 'getSystemConfigByKey', params: [groupId, k] })),
    )
    return SYSTEM_CONFIG_KEYS.map((k, i) => {
      const v = values[i]
      return [k, v instanceof Error ? `(${v.message})` : String(v)] as [string, string]
    })
  }, [groupId])
  return (
    <section aria-labelledby="config-title">
      <h1 id="config-title">System config</h1>
      <Async state={loaded} what="the system config">
        {(rows) => <KeyValues caption={`System config of group ${groupId}`} rows={rows} />}
      </Async>
    </section>
  )
}

/** Governance: committee with weights and open votes, threshold, operators. */
export function GovernancePage() {
  const { rpc, groupId } = useExplorer()
  const loaded = useLoad(() => readGovernance(rpc, groupId), [groupId])
  return (
    <section aria-labelledby="gov-title">
      <h1 id="gov-title">Governance</h1>
      <Async state={loaded} what="the governance tables">
        {(g) => (
          <>
            <KeyValues
              caption="Voting"
              rows={[
                ['Threshold', g.threshold],
                ['Open threshold votes', g.thresholdVotes ?? 'none'],
              ]}
            />
            <Table
              caption="Committee"
              testId="committee"
              head={['Address', 'From block', 'Weight', 'Open votes']}
              rows={g.committee.map((m) => ({
                key: m.address,
                cells: [<code key="a">{m.address}</code>, m.enableNum, m.weight ?? '', m.votes ?? 'none'],
              }))}
              empty="No committee: every account may govern (FISCO's default until a member is granted)."
            />
            <Table
              caption="Operators"
              testId="operators"
              head={['Address', 'From block']}
              rows={g.operators.map((o) => ({
                key: o.address,
                cells: [<code key="a">{o.address}</code>, o.enableNum],
              }))}
              empty="No operators."
            />
          </>
        )}
      </Async>
    </section>
  )
}
