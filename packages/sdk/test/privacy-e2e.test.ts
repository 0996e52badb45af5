/**
 * `@consortia/sdk/privacy` against a running reference node (issue 16): a Solidity contract that
 * calls FISCO's privacy precompiles (0x5003 paillierAdd, 0x5004 groupSigVerify, 0x5005
 * ringSigVerify), compiled with solc-js, deployed and called through the SDK with arguments built
 * by the SDK's privacy exports; and the precompiles called directly through `privacyPrecompiles`.
 * Skipped when the reference node is absent.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createCryptoSuite } from '@consortia/crypto'
import solc from 'solc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Client,
  createAccount,
  createClient,
  createHttpTransport,
  deploy,
  isSDKError,
} from '../src/index.js'
import {
  bbs04Join,
  bbs04Setup,
  bbs04Sign,
  GROUP_SIG_PRECOMPILED_ABI,
  generatePaillierKeyPair,
  groupSigVerifyArgs,
  lsagSign,
  PAILLIER_PRECOMPILED_ABI,
  PRIVACY_PRECOMPILED,
  paillierAddArgs,
  paillierDecryptHex,
  paillierEncryptToHex,
  precompiledAddress,
  privacyPrecompiles,
  RING_SIG_PRECOMPILED_ABI,
  ringSigVerifyArgs,
} from '../src/privacy/index.js'

const bin = fileURLToPath(new URL('../../../examples/reference-node/bin/consortia.mjs', import.meta.url))

const PRIVACY_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
interface PaillierPrecompiled { function paillierAdd(string memory a, string memory b) external view returns (string memory); }
interface GroupSigPrecompiled {
  function groupSigVerify(string memory s, string memory m, string memory gpk, string memory p) external view returns (bool);
}
interface RingSigPrecompiled { function ringSigVerify(string memory s, string memory m, string memory p) external view returns (bool); }
contract Privacy {
  string public total;
  uint256 public ballots;
  function add(string calldata a, string calldata b) external view returns (string memory) {
    return PaillierPrecompiled(address(0x5003)).paillierAdd(a, b);
  }
  function vote(string calldata encryptedVote) external {
    total = bytes(total).length == 0 ? encryptedVote : PaillierPrecompiled(address(0x5003)).paillierAdd(total, encryptedVote);
  }
  function groupVerify(string calldata s, string calldata m, string calldata gpk, string calldata p) external view returns (bool) {
    return GroupSigPrecompiled(address(0x5004)).groupSigVerify(s, m, gpk, p);
  }
  function ringBallot(string calldata s, string calldata m, string calldata p) external {
    require(RingSigPrecompiled(address(0x5005)).ringSigVerify(s, m, p), "not signed by the ring");
    ballots += 1;
  }
}
`

const privacyAbi = [
  {
    type: 'function',
    name: 'add',
    stateMutability: 'view',
    inputs: [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string' },
    ],
    outputs: [{ name: '', type: 'string' }],
  },
  {
    type: 'function',
    name: 'vote',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'encryptedVote', type: 'string' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'total',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'string' }],
  },
  {
    type: 'function',
    name: 'groupVerify',
    stateMutability: 'view',
    inputs: [
      { name: 's', type: 'string' },
      { name: 'm', type: 'string' },
      { name: 'gpk', type: 'string' },
      { name: 'p', type: 'string' },
    ],
    outputs: [{ name: '', type: 'bool' }],
  },
  {
    type: 'function',
    name: 'ringBallot',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 's', type: 'string' },
      { name: 'm', type: 'string' },
      { name: 'p', type: 'string' },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'ballots',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'uint256' }],
  },
] as const

function compilePrivacy(): string {
  const input = {
    language: 'Solidity',
    sources: { 'Privacy.sol': { content: PRIVACY_SOL } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: { 'Privacy.sol': { Privacy: { evm: { bytecode: { object: string } } } } }
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  return `0x${output.contracts['Privacy.sol'].Privacy.evm.bytecode.object}`
}

/** Five consecutive free ports below the ephemeral range, from this helper's port seed (28000). */
async function freePorts(): Promise<number[]> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
    })
  for (let base = 28_300 + (process.pid % 50) * 10; base < 32_000; base += 500) {
    const ports = [0, 1, 2, 3, 4].map((k) => base + k)
    if ((await Promise.all(ports.map(free))).every(Boolean)) return ports
  }
  throw new Error('no free ports')
}

const secp = createCryptoSuite('ecdsa')
const ringKeys = [1, 2, 3].map((i) => secp.hash(new TextEncoder().encode(`sdk privacy ring ${i}`)))
const ring = ringKeys.map((k) => Uint8Array.of(0x04, ...secp.publicKey(k)))

describe.skipIf(!existsSync(bin))('@consortia/sdk/privacy against a running reference node', () => {
  let root: string
  let proc: ChildProcess | undefined
  let client: Client

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sdk-privacy-'))
    const ports = await freePorts()
    const built = spawnSync(
      process.execPath,
      [
        bin,
        'build-chain',
        '-l',
        '127.0.0.1:1',
        '-o',
        join(root, 'nodes'),
        '-p',
        ports.join(','),
        '--tick-ms',
        '20',
      ],
      { encoding: 'utf8' },
    )
    if (built.status !== 0) throw new Error(`build-chain failed: ${built.stderr}`)
    let stderr = ''
    const child = spawn(process.execPath, [bin, 'start', join(root, 'nodes', '127.0.0.1', 'node0')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    proc = child
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    const transport = createHttpTransport({
      url: `http://127.0.0.1:${ports[2]}`,
      retries: 0,
      timeoutMs: 1000,
    })
    const deadline = Date.now() + 90_000
    for (;;) {
      try {
        await transport.request('getBlockNumber', [1])
        break
      } catch {
        if (child.exitCode !== null) throw new Error(`node exited: ${stderr}`)
        if (Date.now() > deadline) throw new Error(`node did not answer: ${stderr}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    client = createClient({
      transport: createHttpTransport({ url: `http://127.0.0.1:${ports[2]}` }),
      account: createAccount('ecdsa'),
      groupId: 1,
      chainId: 1,
    })
  }, 120_000)

  afterAll(async () => {
    await client?.close()
    if (proc !== undefined && proc.exitCode === null) {
      const exited = new Promise((r) => proc?.once('exit', r))
      proc.kill('SIGTERM')
      await exited
    }
    rmSync(root, { recursive: true, force: true })
  }, 30_000)

  it('exports the builders and ABIs at FISCO addresses', () => {
    expect(precompiledAddress(PRIVACY_PRECOMPILED.paillier.address)).toBe(`0x${'0'.repeat(36)}5003`)
    expect(PAILLIER_PRECOMPILED_ABI[0].name).toBe('paillierAdd')
    expect(GROUP_SIG_PRECOMPILED_ABI[0].inputs).toHaveLength(4)
    expect(RING_SIG_PRECOMPILED_ABI[0].inputs).toHaveLength(3)
  })

  it('a Solidity contract adds Paillier ciphertexts, verifies ring and group signatures', async () => {
    const { contract } = await deploy(client, { abi: privacyAbi, bytecode: compilePrivacy() })

    // 0x5003 through the contract: a view call and an encrypted tally written on chain.
    const paillier = generatePaillierKeyPair({ bits: 2048 })
    const a = paillierEncryptToHex(paillier.publicKey, 20n)
    const b = paillierEncryptToHex(paillier.publicKey, 22n)
    expect(paillierDecryptHex(paillier.privateKey, await contract.read('add', paillierAddArgs(a, b)))).toBe(
      42n,
    )
    for (const v of [3n, 4n, -2n]) await contract.write('vote', [paillierEncryptToHex(paillier.publicKey, v)])
    expect(paillierDecryptHex(paillier.privateKey, await contract.read('total'))).toBe(5n)

    // 0x5005: a ring member's ballot counts; the same signature on another message reverts.
    const ballot = lsagSign('ballot for proposal 7', ring, ringKeys[1]!)
    const w = await contract.write('ringBallot', ringSigVerifyArgs('ballot for proposal 7', ballot))
    expect(w.receipt.status).toBe(0)
    expect(await contract.read('ballots')).toBe(1n)
    const forged = ringSigVerifyArgs('ballot for proposal 8', ballot)
    const failure = await contract.write('ringBallot', forged).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSDKError(failure, 'SDK_TX_FAILED')).toBe(true)
    expect(String(failure)).toContain('not signed by the ring')
    expect(await contract.read('ballots')).toBe(1n)

    // 0x5004: a member's signature verifies under its group, not under another group.
    const group = bbs04Setup()
    const member = bbs04Join(group.publicKey, group.issuerSecret)
    const signature = bbs04Sign(group.publicKey, member, 'audit report 2026-11')
    expect(
      await contract.read(
        'groupVerify',
        groupSigVerifyArgs(group.publicKey, 'audit report 2026-11', signature),
      ),
    ).toBe(true)
    expect(
      await contract.read(
        'groupVerify',
        groupSigVerifyArgs(bbs04Setup().publicKey, 'audit report 2026-11', signature),
      ),
    ).toBe(false)
  }, 120_000)

  it('calls the precompiles directly through privacyPrecompiles', async () => {
    const p = privacyPrecompiles(client)
    const keys = generatePaillierKeyPair({ bits: 2048 })
    const sum = await p.paillier.read(
      'paillierAdd',
      paillierAddArgs(paillierEncryptToHex(keys.publicKey, 1000n), paillierEncryptToHex(keys.publicKey, -1n)),
    )
    expect(paillierDecryptHex(keys.privateKey, sum)).toBe(999n)
    const signature = lsagSign('direct', ring, ringKeys[0]!)
    expect(await p.ringSig.read('ringSigVerify', ringSigVerifyArgs('direct', signature))).toBe(true)
    expect(await p.ringSig.read('ringSigVerify', ringSigVerifyArgs('other', signature))).toBe(false)
    const group = bbs04Setup()
    const member = bbs04Join(group.publicKey, group.issuerSecret)
    const gs = bbs04Sign(group.publicKey, member, 'direct')
    expect(await p.groupSig.read('groupSigVerify', groupSigVerifyArgs(group.publicKey, 'direct', gs))).toBe(
      true,
    )
  }, 60_000)
})
