import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { consoleHistoryMax, createConsole, parseSql, tokenize } from '../src/console/index.js'
import { createAccount, createClient, createHttpTransport } from '../src/index.js'
import examples from './fixtures/fisco-api-examples.json' with { type: 'json' }
import { FakeChain } from './support/fake-chain.js'
import { startHttpNode } from './support/servers.js'

const storeAbi = [
  {
    type: 'function',
    name: 'set',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'v', type: 'string' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'get',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'string' }],
  },
  {
    type: 'function',
    name: 'fail',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'reason', type: 'string' }],
    outputs: [],
  },
  { type: 'event', name: 'Set', inputs: [{ name: 'v', type: 'string', indexed: false }], anonymous: false },
]
const bin = '6080604052348015600f57600080fd5b50603f80601d6000396000f3fe'
const nodeA = 'ab'.repeat(64)

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

async function setup() {
  const chain = new FakeChain()
  const node = await startHttpNode(chain)
  const client = createClient({
    transport: createHttpTransport({ url: node.url }),
    account: createAccount('ecdsa'),
    pollIntervalMs: 10,
  })
  const dir = await mkdtemp(join(tmpdir(), 'sdk-console-'))
  await writeFile(join(dir, 'Store.abi'), JSON.stringify(storeAbi))
  await writeFile(join(dir, 'Store.bin'), bin)
  closers.push(
    () => node.close(),
    () => rm(dir, { recursive: true, force: true }),
  )
  let out = ''
  let err = ''
  const make = (script: string[]) =>
    createConsole({
      client,
      input: Readable.from(script.map((l) => `${l}\n`).join('')),
      output: { write: (t: string) => (out += t) },
      errorOutput: { write: (t: string) => (err += t) },
    })
  return { chain, client, dir, make, out: () => out, err: () => err }
}

describe('console', () => {
  it('runs a script: node queries, deploy, call, config, nodes, permissions, CRUD; exit code 0', async () => {
    const { make, dir, out, err, chain } = await setup()
    const c = make([
      '# a comment',
      'getBlockNumber',
      'getSealerList',
      'getObserverList',
      'getPeers',
      `deploy ${dir}/Store.abi ${dir}/Store.bin`,
      'getBlockByNumber 8',
      'setSystemConfigByKey tx_count_limit 2000',
      'getSystemConfigByKey tx_count_limit',
      `addSealer ${nodeA}`,
      `removeNode ${nodeA}`,
      `addObserver ${nodeA}`,
      'grantDeployAndCreateManager 0x1111111111111111111111111111111111111111',
      'listDeployAndCreateManager',
      'create table t_demo(name varchar, item_id varchar, item_name varchar, primary key(name))',
      'insert into t_demo (name, item_id, item_name) values (fruit, 1, apple)',
      'insert into t_demo (name, item_id, item_name) values (fruit, 2, "banana split")',
      'select * from t_demo where name = fruit and item_id = 2',
      'update t_demo set item_name = orange where name = fruit and item_id = 1',
      'select item_name from t_demo where name = fruit',
      'delete from t_demo where name = fruit and item_id = 2',
      'select * from t_demo where name = fruit',
      'history',
    ])
    const code = await c.run()
    expect(err()).toBe('')
    expect(code).toBe(0)
    const text = out()
    expect(text).toContain('7\n')
    for (const id of examples.examples.getSealerList.response.result) expect(text).toContain(id)
    expect(text).toMatch(/contract address: 0x[0-9a-f]{40}/)
    expect(chain.config.get('tx_count_limit')).toBe('2000')
    expect(text).toContain('2000\n')
    expect(chain.observers).toContain(nodeA)
    expect(chain.permissions.get('_sys_tables_')).toEqual(['0x1111111111111111111111111111111111111111'])
    expect(text).toContain('"item_name": "banana split"')
    expect(text).toContain('Update OK: 1 row(s) affected.')
    expect(text).toContain('Remove OK: 1 row(s) affected.')
    expect(chain.tables.get('t_demo')!.rows).toEqual([{ name: 'fruit', item_id: '1', item_name: 'orange' }])
    expect(text).toMatch(/\d+ {2}history/)
  })

  it('call: view by call, write by transaction with decoded events, by ABI file or session address', async () => {
    const { make, dir, out } = await setup()
    const c = make([])
    await c.execute(`deploy ${dir}/Store.abi ${dir}/Store.bin`)
    const address = /contract address: (0x[0-9a-f]{40})/.exec(out())![1]!
    const w = await c.execute(`call ${dir}/Store.abi ${address} set "hello world"`)
    expect(w.ok).toBe(true)
    expect(w.text).toContain('"event": "Set"')
    expect((await c.execute(`call ${address} get`)).text).toBe('hello world')
  })

  it('a failing command prints the error with the FISCO status and stops the script with exit code 1', async () => {
    const { make, dir, out, err } = await setup()
    const c = make([`deploy ${dir}/Store.abi ${dir}/Store.bin`, 'getBlockNumber'])
    expect(await c.run()).toBe(0)
    const address = /contract address: (0x[0-9a-f]{40})/.exec(out())![1]!
    const c2 = make([`call ${dir}/Store.abi ${address} fail "out of stock"`, 'getSealerList'])
    expect(await c2.run()).toBe(1)
    expect(err()).toContain('out of stock')
    expect(err()).toContain('[status 22 RevertInstruction]')
    expect(c2.history()).toEqual([`call ${dir}/Store.abi ${address} fail "out of stock"`]) // stopped after the error
    const c3 = make(['noSuchCommand'])
    expect(await c3.run()).toBe(1)
    expect(err()).toContain('a known command')
    const c4 = make(['setSystemConfigByKey tx_count_limit abc'])
    expect(await c4.run()).toBe(1)
    expect(err()).toContain('[code -51300]')
  })

  it('continueOnError keeps going and still reports failure; quit ends the script', async () => {
    const { client } = await setup()
    let out = ''
    const c = createConsole({
      client,
      input: Readable.from('bad\ngetBlockNumber\nquit\ngetBlockNumber\n'),
      output: { write: (t: string) => (out += t) },
      continueOnError: true,
    })
    expect(await c.run()).toBe(1)
    expect(out.match(/^7$/gm)).toHaveLength(1)
  })

  it('help lists commands and shows usage', async () => {
    const { make, out } = await setup()
    const c = make([])
    expect((await c.execute('help')).text).toContain('getSealerList')
    expect((await c.execute('help deploy')).text).toContain('deploy <abiFile> <binFile>')
    expect(c.commands).toEqual(
      expect.arrayContaining([
        'grantNodeManager',
        'revokeCNSManager',
        'listSysConfigManager',
        'select',
        'create',
      ]),
    )
    expect(out()).toContain('getBlockNumber')
  })

  it(`history keeps at most consoleHistoryMax (${consoleHistoryMax}) lines`, async () => {
    const { make } = await setup()
    const c = make([])
    for (let i = 0; i < consoleHistoryMax + 3; i++) await c.execute(`help h${i}`)
    expect(c.history()).toHaveLength(consoleHistoryMax)
    expect(c.history()[0]).toBe('help h3')
  })

  it('parses words and SQL', () => {
    expect(tokenize(`call a.abi 0x1 set "hello world" 'x y' z`)).toEqual([
      'call',
      'a.abi',
      '0x1',
      'set',
      'hello world',
      'x y',
      'z',
    ])
    expect(() => tokenize('set "open')).toThrow(/unclosed/)
    expect(parseSql('select * from t where name = fruit and age >= 3 limit 2, 5')).toEqual({
      kind: 'select',
      table: 't',
      columns: '*',
      where: {
        conditions: [
          { field: 'name', op: 'eq', value: 'fruit' },
          { field: 'age', op: 'ge', value: '3' },
        ],
        limit: [2, 5],
      },
    })
    expect(() => parseSql('create table t(a varchar)')).toThrow(/primary key/)
  })

  it('the session address book drops the oldest contract past contractsMax', async () => {
    const { client, dir } = await setup()
    let out = ''
    const c = createConsole({ client, output: { write: (t: string) => (out += t) }, contractsMax: 2 })
    for (let i = 0; i < 3; i++) await c.execute(`deploy ${dir}/Store.abi ${dir}/Store.bin`)
    const addresses = [...out.matchAll(/contract address: (0x[0-9a-f]{40})/g)].map((m) => m[1]!)
    expect(addresses).toHaveLength(3)
    expect((await c.execute(`call ${addresses[0]} get`)).ok).toBe(false)
    expect((await c.execute(`call ${addresses[2]} get`)).ok).toBe(true)
  })
})
