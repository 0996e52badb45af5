/**
 * The explorer in a real browser (Debian's Chromium driven by playwright-core) against a running
 * 4-node chain whose node 0 serves it: overview and live height, a block with its signature
 * list, a transaction decoded with an uploaded ABI, search by hash, the other pages, and the
 * error state when the node stops or is unreachable. Screenshots go to `test-artifacts/`.
 * With CI set, a missing Chromium fails the test instead of skipping it.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createCryptoSuite, nodeIdFromHex } from '@consortia/crypto'
import { createHttpForwarder, startExplorerServer } from '@consortia/reference-node'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildExplorerBundle, type ExplorerChain, freePorts, PING_ABI, startExplorerChain } from './chain.js'

const CHROMIUM = process.env['CONSORTIA_CHROMIUM'] ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url))

describe('chromium', () => {
  it('is installed when CI is set (the browser test must not be skipped in CI)', () => {
    if (process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') {
      expect(
        haveChromium,
        `Chromium not found at ${CHROMIUM}; .ci/run installs it (apt-get install chromium)`,
      ).toBe(true)
    }
  })
})

describe.skipIf(!haveChromium)('explorer in Chromium against a 4-node chain', () => {
  let chain: ExplorerChain
  let browser: Browser
  let page: Page
  const external: string[] = []
  let origin = ''

  const shot = async (p: Page, name: string) => {
    await p.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true })
  }
  const heightOf = async (p: Page) => Number((await p.getByTestId('height').textContent()) ?? 'NaN')

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    const [, started] = await Promise.all([buildExplorerBundle(), startExplorerChain(4)])
    chain = started
    origin = new URL(chain.explorerUrl).origin
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.on('request', (r) => {
      const url = r.url()
      if (!url.startsWith(origin) && !url.startsWith('data:')) external.push(url)
    })
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await chain?.close()
  })

  it('loads the overview and sees the height increase', async () => {
    await page.goto(chain.explorerUrl)
    await expect.poll(() => heightOf(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(0)
    const first = await heightOf(page)
    await chain.sendPing(1n)
    await expect.poll(() => heightOf(page), { timeout: 30_000 }).toBeGreaterThan(first)
    await expect.poll(async () => (await page.getByTestId('peers').textContent()) ?? '').toBe('3')
    expect(await page.getByTestId('groups').textContent()).toBe('1')
    expect(await page.locator('.live').textContent()).toBe('Live')
    expect(await page.locator('.u-wrap canvas').count()).toBeGreaterThan(0)
    await shot(page, 'overview')
  })

  it('opens a block and checks its signature list like the test does', async () => {
    const sent = await chain.sendPing(42n)
    await page.goto(`${chain.explorerUrl}#/blocks`)
    const link = page.getByRole('link', { name: `Block ${sent.callBlock}`, exact: true })
    await expect.poll(() => link.count(), { timeout: 30_000 }).toBeGreaterThan(0)
    await link.first().click()
    await page.getByTestId('block-number').waitFor()
    expect(await page.getByTestId('block-number').textContent()).toBe(String(sent.callBlock))
    const block = await chain.rpc.call<{
      hash: string
      sealerList: string[]
      signatureList: { index: string; signature: string }[]
    }>('getBlockByNumber', [1, `0x${sent.callBlock.toString(16)}`, true])
    expect(await page.getByTestId('block-hash').textContent()).toBe(block.hash)
    // The page's verdicts must match an independent check with @consortia/crypto.
    const suite = createCryptoSuite('ecdsa')
    const hash = Uint8Array.from(Buffer.from(block.hash.slice(2), 'hex'))
    const expected = block.signatureList.map((s) => {
      const sig = Uint8Array.from(Buffer.from(s.signature.slice(2), 'hex'))
      const key = nodeIdFromHex(block.sealerList[Number(s.index)]!)
      return suite.verify(hash, sig, key) ? 'valid' : 'invalid'
    })
    expect(expected.length).toBeGreaterThanOrEqual(3)
    const verdicts = await page.locator('[data-testid=signatures] tbody .sig').allTextContents()
    expect(verdicts.map((v) => v.split(' ')[0])).toEqual(expected)
    expect(await page.locator('[data-testid=block-txs] tbody tr').count()).toBeGreaterThan(0)
    await shot(page, 'block')

    // From the block to its transaction, then decode it with an uploaded ABI.
    await page.getByRole('link', { name: `Transaction ${sent.callHash}` }).click()
    await page.getByTestId('tx-hash').waitFor()
    expect(await page.getByTestId('tx-hash').textContent()).toBe(sent.callHash)
    expect(await page.getByTestId('receipt-status').textContent()).toContain('0x0')
    await page.getByLabel('ABI JSON').fill(JSON.stringify(PING_ABI))
    await page.getByRole('button', { name: 'Use this ABI' }).click()
    await page.getByRole('table', { name: 'Decoded input: ping' }).waitFor()
    const decodedEvent = page.getByRole('table', { name: `Event 0 of ${sent.contract}: Ping` })
    await decodedEvent.waitFor()
    expect(await decodedEvent.locator('td code').textContent()).toBe('42')
    await shot(page, 'transaction')
  })

  it('decodes a transaction with the ABI registered in CNS', async () => {
    const sent = await chain.sendPing(9n)
    await chain.registerCns('Ping', '1.0', sent.contract, JSON.stringify(PING_ABI))
    await page.goto(`${chain.explorerUrl}#/tx/${sent.callHash}`)
    // Forget the ABI the previous test uploaded (the page keeps its ABI book in localStorage and
    // matches by selector), so only the CNS lookup below can decode this transaction.
    await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear(),
    )
    await page.reload()
    await page.getByTestId('tx-hash').waitFor()
    expect(await page.getByRole('table', { name: 'Decoded input: ping' }).count()).toBe(0)
    await page.getByLabel('CNS name').fill('Ping')
    await page.getByRole('button', { name: 'Look up in CNS' }).click()
    await page.getByRole('table', { name: 'Decoded input: ping' }).waitFor()
    expect(await page.getByText('ABI (from cns:Ping@1.0)').count()).toBe(1)
    await shot(page, 'transaction-cns')
  })

  it('searches by transaction hash, block hash and address', async () => {
    const sent = await chain.sendPing(7n)
    await page.goto(chain.explorerUrl)
    const search = page.getByRole('searchbox', { name: 'Search' })
    await search.fill(sent.callHash)
    await search.press('Enter')
    await page.waitForURL(`**#/tx/${sent.callHash}`)
    await page.getByTestId('tx-hash').waitFor()

    const block = await chain.rpc.call<{ hash: string }>('getBlockByNumber', [1, '0x1', false])
    await search.fill(block.hash)
    await search.press('Enter')
    await page.waitForURL(`**#/block/${block.hash}`)
    await expect.poll(() => page.getByTestId('block-number').textContent()).toBe('1')

    await search.fill(sent.contract)
    await search.press('Enter')
    await page.waitForURL(`**#/account/${sent.contract}`)
    await expect.poll(() => page.getByTestId('account-kind').textContent()).toBe('contract')
    await shot(page, 'account')

    await search.fill('0x1234')
    await search.press('Enter')
    await page.waitForURL('**#/block/4660')
    await search.fill('not a hash')
    await search.press('Enter')
    await expect
      .poll(() => page.locator('#search-message').textContent())
      .toContain('expected a block number')
  })

  it('shows nodes with roles, system config and governance', async () => {
    await page.goto(`${chain.explorerUrl}#/nodes`)
    const roles = page.locator('[data-testid=node-roles] tbody tr')
    await expect.poll(() => roles.count(), { timeout: 20_000 }).toBe(4)
    expect(await roles.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('sealer')]))
    expect(await page.locator('[data-testid=peers] tbody tr').count()).toBe(3)
    await shot(page, 'nodes')

    await page.getByRole('link', { name: 'System config' }).click()
    const limit = page.getByRole('row', { name: /tx_count_limit/ })
    await limit.waitFor()
    expect(await limit.textContent()).toMatch(/tx_count_limit\d+/)
    await shot(page, 'config')

    await page.getByRole('link', { name: 'Governance' }).click()
    await page.getByRole('table', { name: 'Committee' }).waitFor()
    expect(await page.getByRole('row', { name: /Threshold/ }).textContent()).toMatch(/Threshold\d+/)
    await shot(page, 'governance')
  })

  it('is usable by keyboard and on a narrow screen', async () => {
    const narrow = await browser.newPage({ viewport: { width: 390, height: 800 } })
    await narrow.goto(chain.explorerUrl)
    await narrow.getByTestId('height').waitFor()
    // Nothing wider than the viewport except inside scrollable table wrappers.
    const overflow = await narrow.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
    expect(overflow).toBeLessThanOrEqual(0)
    await narrow.keyboard.press('Tab')
    expect(await narrow.evaluate<string>('document.activeElement?.textContent')).toBe('Skip to content')
    await shot(narrow, 'narrow')
    await narrow.close()
  })

  it('made no request outside the node it was served by', () => {
    expect(external).toEqual([])
  })

  it('shows an error state for an unreachable node', async () => {
    const [port] = await freePorts(1)
    // Nothing listens on `port`: the explorer's upstream is unreachable.
    const standalone = await startExplorerServer({
      host: '127.0.0.1',
      port: 0,
      rpc: createHttpForwarder(`http://127.0.0.1:${port}`, { timeoutMs: 2000 }),
      pollMs: 200,
    })
    const p = await browser.newPage()
    try {
      await p.goto(`http://127.0.0.1:${standalone.port}/`)
      await p.getByTestId('node-error').waitFor({ timeout: 20_000 })
      expect(await p.getByTestId('node-error').textContent()).toContain('The node cannot be reached')
      expect(await p.locator('.live').textContent()).toBe('Node unreachable')
      await shot(p, 'unreachable')
    } finally {
      await p.close()
      await standalone.close()
    }
  })

  it('shows an error state when the node serving it stops', async () => {
    await page.goto(chain.explorerUrl)
    await page.getByTestId('height').waitFor()
    await expect.poll(() => page.locator('.live').textContent()).toBe('Live')
    expect(await page.getByTestId('node-error').count()).toBe(0)
    await chain.stop(0)
    await page.getByTestId('node-error').waitFor({ timeout: 20_000 })
    // The page is not blank: the last data stays, under the error banner.
    expect(await page.getByRole('heading', { name: 'Chain overview' }).count()).toBe(1)
    await shot(page, 'node-stopped')
  })
})
