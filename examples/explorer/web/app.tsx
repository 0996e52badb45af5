import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import {
  type AbiEntry,
  classifySearch,
  createAbiBook,
  createExplorerRpc,
  createTpsSeries,
  type LivePush,
  parseLivePush,
  type TpsSeries,
} from '../src/index.js'
import { Ctx, type ExplorerContext } from './components.js'
import {
  AccountPage,
  BlockPage,
  BlocksPage,
  ConfigPage,
  GovernancePage,
  NodesPage,
  OverviewPage,
  TxPage,
} from './pages.js'

const ABI_STORAGE_KEY = 'consortia-explorer-abis'
const GROUP_STORAGE_KEY = 'consortia-explorer-group'
/** Longest wait between reconnect attempts of the live WebSocket (ms). */
const LIVE_RETRY_MS_MAX = 5000

/** The current route: `#/path/arg`. */
function useRoute(): string[] {
  const parse = () =>
    (location.hash.replace(/^#\/?/, '') || '')
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent)
  const [route, setRoute] = useState(parse)
  useEffect(() => {
    const on = () => {
      setRoute(parse())
      document.getElementById('main')?.focus()
    }
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return route
}

/** Live state from `/ws`. */
export interface LiveState {
  readonly connection: 'connecting' | 'live' | 'down'
  readonly last: Extract<LivePush, { type: 'status' }> | undefined
  readonly error: string | undefined
  readonly series: ReadonlyMap<number, TpsSeries>
  /** Increments on each status push (for re-rendering charts). */
  readonly tick: number
}

function useLive(): LiveState {
  const [state, setState] = useState<LiveState>({
    connection: 'connecting',
    last: undefined,
    error: undefined,
    series: new Map(),
    tick: 0,
  })
  const series = useRef(new Map<number, TpsSeries>())
  useEffect(() => {
    let ws: WebSocket | undefined
    let stopped = false
    let retryMs = 500
    let timer: number | undefined
    const connect = () => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
      ws = new WebSocket(url)
      ws.onmessage = (ev) => {
        let push: LivePush
        try {
          push = parseLivePush(String(ev.data))
        } catch (err) {
          setState((s) => ({ ...s, error: `bad live update: ${(err as Error).message}` }))
          return
        }
        retryMs = 500
        if (push.type === 'error') {
          setState((s) => ({ ...s, connection: 'live', error: push.message }))
          return
        }
        for (const g of push.groups) {
          let s = series.current.get(g.groupId)
          if (s === undefined) {
            s = createTpsSeries()
            series.current.set(g.groupId, s)
          }
          s.push({ at: push.at, txSum: g.txSum, height: g.height })
        }
        setState((s) => ({
          connection: 'live',
          last: push,
          error: undefined,
          series: series.current,
          tick: s.tick + 1,
        }))
      }
      ws.onclose = () => {
        if (stopped) return
        setState((s) => ({
          ...s,
          connection: 'down',
          error: s.error ?? 'the explorer server closed the live connection (node stopped?)',
        }))
        timer = window.setTimeout(connect, retryMs)
        retryMs = Math.min(LIVE_RETRY_MS_MAX, retryMs * 2)
      }
    }
    connect()
    return () => {
      stopped = true
      if (timer !== undefined) window.clearTimeout(timer)
      ws?.close()
    }
  }, [])
  return state
}

function loadAbis(): AbiEntry[] {
  try {
    const raw = localStorage.getItem(ABI_STORAGE_KEY)
    return raw === null ? [] : (JSON.parse(raw) as AbiEntry[])
  } catch {
    return []
  }
}

/** Navigates to an app route. */
function go(path: string): void {
  location.hash = `#${path}`
}

function SearchBox(props: { readonly ctx: ExplorerContext }) {
  const [text, setText] = useState('')
  const [message, setMessage] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const target = classifySearch(text)
    setMessage('')
    if (target.kind === 'invalid') return setMessage(target.reason)
    if (target.kind === 'block') return go(`/block/${target.number}`)
    if (target.kind === 'address') return go(`/account/${target.address}`)
    setBusy(true)
    try {
      const { rpc, groupId } = props.ctx
      const [tx, block] = await rpc.batch([
        { method: 'getTransactionByHash', params: [groupId, target.hash] },
        { method: 'getBlockByHash', params: [groupId, target.hash, false] },
      ])
      if (tx !== null && tx !== undefined && !(tx instanceof Error)) go(`/tx/${target.hash}`)
      else if (block !== null && block !== undefined && !(block instanceof Error)) go(`/block/${target.hash}`)
      else setMessage(`no block or transaction ${target.hash.slice(0, 12)}… in group ${groupId}`)
    } catch (err) {
      setMessage((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <search>
      <form class="search" onSubmit={submit}>
        <label for="search-input">Search</label>
        <input
          id="search-input"
          type="search"
          placeholder="Block number, hash or address"
          value={text}
          maxLength={200}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          aria-describedby="search-message"
        />
        <button type="submit" disabled={busy}>
          Go
        </button>
        <p id="search-message" class="search-message" role="status">
          {message}
        </p>
      </form>
    </search>
  )
}

const NAV: readonly [string, string][] = [
  ['', 'Overview'],
  ['blocks', 'Blocks'],
  ['nodes', 'Nodes'],
  ['config', 'System config'],
  ['governance', 'Governance'],
]

/** The explorer shell: header, navigation, search, live status, error state and the routed page. */
export function App() {
  const route = useRoute()
  const live = useLive()
  const rpc = useMemo(() => createExplorerRpc(), [])
  const abis = useMemo(() => createAbiBook(loadAbis()), [])
  const [groupId, setGroupId] = useState(() => Number(localStorage.getItem(GROUP_STORAGE_KEY) ?? '1') || 1)
  const [suite, setSuite] = useState<'ecdsa' | 'sm'>('ecdsa')
  const [unreachable, setUnreachable] = useState<string | undefined>(undefined)

  useEffect(() => {
    rpc
      .call<Record<string, string>>('getClientVersion', [])
      .then((v) => setSuite((v['FISCO-BCOS Version'] ?? '').endsWith(' gm') ? 'sm' : 'ecdsa'))
      .catch((err: Error) => setUnreachable(err.message))
  }, [rpc])
  // A good live push clears an RPC failure; a failing one raises it.
  useEffect(() => {
    if (live.connection === 'live' && live.error === undefined) setUnreachable(undefined)
  }, [live.connection, live.error, live.tick])
  const groups = live.last?.groups.map((g) => g.groupId) ?? []
  useEffect(() => {
    const first = groups[0]
    if (first !== undefined && !groups.includes(groupId)) setGroupId(first)
  }, [groups.join(','), groupId])

  const reportUnreachable = useCallback((reason: string) => setUnreachable(reason), [])
  const saveAbis = useCallback(() => {
    try {
      localStorage.setItem(ABI_STORAGE_KEY, JSON.stringify(abis.entries()))
    } catch {
      // Storage full or disabled: the ABI stays known for this page only.
    }
  }, [abis])
  const ctx: ExplorerContext = { rpc, groupId, suite, abis, saveAbis, reportUnreachable }
  const problem = live.error ?? unreachable
  const down = live.connection === 'down' || problem !== undefined

  const [page, arg] = route
  let content = <OverviewPage live={live} />
  if (page === 'blocks') content = <BlocksPage live={live} />
  else if (page === 'block' && arg !== undefined) content = <BlockPage id={arg} />
  else if (page === 'tx' && arg !== undefined) content = <TxPage hash={arg} />
  else if (page === 'account' && arg !== undefined) content = <AccountPage address={arg} />
  else if (page === 'nodes') content = <NodesPage />
  else if (page === 'config') content = <ConfigPage />
  else if (page === 'governance') content = <GovernancePage />
  else if (page !== undefined) content = <p role="alert">Unknown page “{route.join('/')}”.</p>

  return (
    <Ctx.Provider value={ctx}>
      <button
        type="button"
        class="skip"
        onClick={(e) => {
          e.preventDefault()
          document.getElementById('main')?.focus()
        }}
      >
        Skip to content
      </button>
      <header class="top">
        <div class="brand">
          <a href="#/">Consortia explorer</a>
          <span class={`live live-${down ? 'down' : live.connection}`} role="status" aria-live="polite">
            {down ? 'Node unreachable' : live.connection === 'live' ? 'Live' : 'Connecting…'}
          </span>
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}>
                <a href={`#/${to}`} aria-current={(page ?? '') === to ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="tools">
          <label for="group-select">Group</label>
          <select
            id="group-select"
            value={String(groupId)}
            onChange={(e) => {
              const g = Number((e.target as HTMLSelectElement).value)
              setGroupId(g)
              localStorage.setItem(GROUP_STORAGE_KEY, String(g))
            }}
          >
            {(groups.length === 0 ? [groupId] : groups).map((g) => (
              <option key={g} value={String(g)}>
                {g}
              </option>
            ))}
          </select>
          <SearchBox ctx={ctx} />
        </div>
      </header>
      {down && (
        <section class="error-state" role="alert" aria-labelledby="error-title" data-testid="node-error">
          <h2 id="error-title">The node cannot be reached</h2>
          <p>
            {problem ?? 'The live connection to the explorer server is closed.'} The explorer keeps retrying;
            data below may be stale.
          </p>
          <button type="button" onClick={() => location.reload()}>
            Reload
          </button>
        </section>
      )}
      <main id="main" tabIndex={-1}>
        {content}
      </main>
      <footer>
        Served by the Consortia reference node · group {groupId} · {suite === 'sm' ? 'SM (OSCCA)' : 'ECDSA'}{' '}
        chain
      </footer>
    </Ctx.Provider>
  )
}
