import type { ComponentChildren } from 'preact'
import { createContext } from 'preact'
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks'
import { type AbiBook, type ExplorerRpc, isExplorerAppError, shortHex } from '../src/index.js'

/** What every page reads: the RPC client, the selected group, the chain's suite, the ABI book. */
export interface ExplorerContext {
  readonly rpc: ExplorerRpc
  readonly groupId: number
  readonly suite: 'ecdsa' | 'sm'
  readonly abis: AbiBook
  /** Saves the ABI book (localStorage) after a change. */
  readonly saveAbis: () => void
  /** Tells the shell the node cannot be reached (shows the error state). */
  readonly reportUnreachable: (reason: string) => void
}

/** The explorer context (set by `App`). */
export const Ctx = createContext<ExplorerContext | undefined>(undefined)

/** The explorer context; throws outside `App`. */
export function useExplorer(): ExplorerContext {
  const ctx = useContext(Ctx)
  if (ctx === undefined) throw new Error('useExplorer outside <App>')
  return ctx
}

/** State of an async load. */
export interface Loaded<T> {
  readonly data: T | undefined
  readonly error: string | undefined
  readonly loading: boolean
  readonly reload: () => void
}

/** Runs `load` when `deps` change; an unreachable node also raises the shell's error state. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const { reportUnreachable } = useExplorer()
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true })
  const [tick, setTick] = useState(0)
  const seq = useRef(0)
  useEffect(() => {
    const mine = ++seq.current
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (data) => {
        if (seq.current === mine) setState({ data, loading: false })
      },
      (err: unknown) => {
        if (seq.current !== mine) return
        const message = err instanceof Error ? err.message : String(err)
        if (isExplorerAppError(err, 'EXPLORER_UNREACHABLE')) reportUnreachable(message)
        setState({ error: message, loading: false })
      },
    )
  }, [...deps, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}

/** Shows a load's error, a busy line, or its content. */
export function Async<T>(props: {
  readonly state: Loaded<T>
  readonly what: string
  readonly children: (data: T) => ComponentChildren
}) {
  const { state, what } = props
  if (state.error !== undefined) {
    return (
      <div class="error-box" role="alert">
        <p>
          Could not load {what}: {state.error}
        </p>
        <button type="button" onClick={state.reload}>
          Retry
        </button>
      </div>
    )
  }
  if (state.data === undefined) {
    return (
      <p class="busy" aria-busy="true">
        Loading {what}…
      </p>
    )
  }
  return <>{props.children(state.data)}</>
}

/** A two-column key/value table. */
export function KeyValues(props: {
  readonly caption: string
  readonly rows: readonly [string, ComponentChildren][]
}) {
  return (
    <div class="table-wrap">
      <table class="kv">
        <caption>{props.caption}</caption>
        <tbody>
          {props.rows.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** A data table with a caption and column headers. */
export function Table(props: {
  readonly caption: string
  readonly head: readonly string[]
  readonly rows: readonly { key: string; cells: ComponentChildren[] }[]
  readonly empty?: string
  readonly testId?: string
}) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 ? (
            <tr>
              <td colSpan={props.head.length}>{props.empty ?? 'None.'}</td>
            </tr>
          ) : (
            props.rows.map((r) => (
              <tr key={r.key}>
                {r.cells.map((c, i) => (
                  <td key={i}>{c}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  )
}

/** A hex value shortened on screen, in full for screen readers and as the tooltip. */
export function Hex(props: { readonly value: string; readonly keep?: number }) {
  return (
    <code title={props.value}>
      <span aria-hidden="true">{shortHex(props.value, props.keep)}</span>
      <span class="sr-only">{props.value}</span>
    </code>
  )
}

/** A link inside the app (hash routing). */
export function Link(props: {
  readonly to: string
  readonly children: ComponentChildren
  readonly label?: string
}) {
  return (
    <a href={`#${props.to}`} aria-label={props.label}>
      {props.children}
    </a>
  )
}

/** A date and time from a ms timestamp (hex quantity or number). */
export function Time(props: { readonly ms: number }) {
  const d = new Date(props.ms)
  return <time dateTime={d.toISOString()}>{d.toLocaleString()}</time>
}
