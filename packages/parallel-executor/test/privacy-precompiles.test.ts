import { readFileSync } from 'node:fs'
import {
  BBS04_ORDER,
  BBS04_PARAM_INFO,
  bbs04Join,
  bbs04PublicKeyToHex,
  bbs04Setup,
  bbs04Sign,
  bbs04SignatureToHex,
  generatePaillierKeyPair,
  groupSigVerifyArgs,
  LSAG_PARAM_INFO,
  lsagSign,
  lsagSignatureToString,
  PRIVACY_PRECOMPILED,
  paillierAddArgs,
  paillierDecryptHex,
  paillierEncryptToHex,
  type RandomSource,
  ringSigVerifyArgs,
} from '@consortia/crypto/privacy'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  type Abi,
  decodeAbiParameters,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  parseAbi,
} from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { numberToAddress } from '../src/bytes.js'
import { createSerialExecutor, PrecompiledAddress, PrivacyPrecompiledCode } from '../src/index.js'
import {
  ALICE,
  blockContext,
  ecdsa,
  hex,
  sm,
  storageWorld,
  transaction,
  type World,
} from './helpers/chain.js'
import { type Compiled, compile } from './helpers/solc.js'

/** FISCO-BCOS/paillier-lib testAdd.cpp vector (source named in the file). */
const FISCO_ADD = JSON.parse(
  readFileSync(new URL('./fixtures/fisco-paillier-add.json', import.meta.url), 'utf8'),
) as { cipher1: string; cipher2: string; cipher3: string }

/** Deterministic random source: SHA-256 in counter mode over a seed (tests only). */
function seededRandom(seed: string): RandomSource {
  let counter = 0
  return (length) => {
    const out = new Uint8Array(length)
    for (let offset = 0; offset < length; offset += 32) {
      const block = sha256(new TextEncoder().encode(`${seed}/${counter++}`))
      out.set(block.subarray(0, Math.min(32, length - offset)), offset)
    }
    return out
  }
}

const PRIVACY_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
interface PaillierPrecompiled { function paillierAdd(string memory cipher1, string memory cipher2) external view returns (string memory); }
interface GroupSigPrecompiled {
  function groupSigVerify(string memory signature, string memory message, string memory gpkInfo, string memory paramInfo) external view returns (bool);
}
interface RingSigPrecompiled {
  function ringSigVerify(string memory signature, string memory message, string memory paramInfo) external view returns (bool);
}
contract Privacy {
  string public total;
  uint256 public ballots;
  function add(string calldata a, string calldata b) external view returns (string memory) {
    return PaillierPrecompiled(address(0x5003)).paillierAdd(a, b);
  }
  // An encrypted tally: nobody on chain learns the votes, the key holder decrypts the total.
  function vote(string calldata encryptedVote) external {
    total = bytes(total).length == 0 ? encryptedVote : PaillierPrecompiled(address(0x5003)).paillierAdd(total, encryptedVote);
  }
  function groupVerify(string calldata s, string calldata m, string calldata gpk, string calldata p) external view returns (bool) {
    return GroupSigPrecompiled(address(0x5004)).groupSigVerify(s, m, gpk, p);
  }
  // Anonymous ballot: counted only when a ring member signed it.
  function ringBallot(string calldata s, string calldata m, string calldata p) external {
    require(RingSigPrecompiled(address(0x5005)).ringSigVerify(s, m, p), "not signed by the ring");
    ballots += 1;
  }
  // FISCO returns an int256 code instead of the declared value on bad input: read it raw.
  function rawCode(address target, bytes calldata data) external view returns (int256) {
    (bool ok, bytes memory out) = target.staticcall(data);
    require(ok && out.length == 32, "call failed");
    return abi.decode(out, (int256));
  }
}
`

const PAILLIER = parseAbi(['function paillierAdd(string, string) view returns (string)'])
const GROUP_SIG = parseAbi(['function groupSigVerify(string, string, string, string) view returns (bool)'])
const RING_SIG = parseAbi(['function ringSigVerify(string, string, string) view returns (bool)'])
const at = (n: number) => numberToAddress(n)
const PAILLIER_AT = at(PrecompiledAddress.Paillier)
const GROUP_AT = at(PrecompiledAddress.GroupSig)
const RING_AT = at(PrecompiledAddress.RingSig)

it('uses the addresses and signatures the SDK helpers name', () => {
  expect(PRIVACY_PRECOMPILED.paillier).toEqual({
    address: PrecompiledAddress.Paillier,
    signature: 'paillierAdd(string,string)',
    returns: 'string',
  })
  expect(PRIVACY_PRECOMPILED.groupSig.address).toBe(0x5004)
  expect(PRIVACY_PRECOMPILED.ringSig.address).toBe(0x5005)
  expect(PrecompiledAddress.GroupSig).toBe(0x5004)
  expect(PrecompiledAddress.RingSig).toBe(0x5005)
})

let contract: Compiled
beforeAll(() => {
  contract = compile({ 'Privacy.sol': PRIVACY_SOL }).Privacy as Compiled
})

function call(abi: Abi, to: Uint8Array, functionName: string, args: readonly unknown[] = []) {
  return transaction({ from: ALICE, to, data: encodeFunctionData({ abi, functionName, args }) })
}

const out = (abi: Abi, functionName: string, output: Uint8Array): unknown =>
  decodeFunctionResult({ abi, functionName, data: hex(output) })
const int256 = (output: Uint8Array) => decodeAbiParameters([{ type: 'int256' }], hex(output))[0]

async function block(world: World, number: number, txs: ReturnType<typeof transaction>[]) {
  const executor = createSerialExecutor({}, { crypto: world.crypto, sm, tables: () => world.tables })
  return executor.execute(blockContext(number), txs, world.state)
}

async function deploy(world: World): Promise<Uint8Array> {
  const r = await block(world, 1, [
    transaction({
      from: ALICE,
      to: null,
      data: encodeDeployData({ abi: contract.abi, bytecode: contract.bytecode }),
    }),
  ])
  expect(r.receipts[0]?.status).toBe(0)
  return r.receipts[0]?.contractAddress as Uint8Array
}

const paillier = generatePaillierKeyPair({ bits: 2048 })
const group = bbs04Setup({ random: seededRandom('group') })
const member = bbs04Join(group.publicKey, group.issuerSecret, { random: seededRandom('member') })
const otherGroup = bbs04Setup({ random: seededRandom('other group') })
/** A secp256k1 key from a seed, and its 65-byte uncompressed public key (LSAG takes 33 or 65 bytes). */
const secpKey = (seed: string) => sha256(new TextEncoder().encode(seed))
const secpPublic = (key: Uint8Array) => Uint8Array.of(0x04, ...ecdsa.publicKey(key))
const ringKeys = [1, 2, 3].map((i) => secpKey(`ring ${i}`))
const ring = ringKeys.map(secpPublic)

describe('Paillier 0x5003 paillierAdd(string,string)', () => {
  it("reproduces FISCO paillier-lib's testAdd vector and adds fresh ciphertexts homomorphically", async () => {
    const world = await storageWorld()
    const random = seededRandom('paillier')
    const a = paillierEncryptToHex(paillier.publicKey, 20n, { random })
    const b = paillierEncryptToHex(paillier.publicKey, -5n, { random })
    const r = await block(world, 1, [
      call(PAILLIER, PAILLIER_AT, 'paillierAdd', [FISCO_ADD.cipher1, FISCO_ADD.cipher2]),
      call(PAILLIER, PAILLIER_AT, 'paillierAdd', paillierAddArgs(a, b)),
    ])
    expect(r.receipts.map((x) => x.status)).toEqual([0, 0])
    expect(out(PAILLIER, 'paillierAdd', r.receipts[0]!.output)).toBe(FISCO_ADD.cipher3)
    expect(
      paillierDecryptHex(paillier.privateKey, out(PAILLIER, 'paillierAdd', r.receipts[1]!.output) as string),
    ).toBe(15n)
  })

  it('returns -51600 (not a revert) for mismatched, unsupported and malformed ciphertexts', async () => {
    const world = await storageWorld()
    const other = generatePaillierKeyPair({ bits: 2048 })
    const small = generatePaillierKeyPair({ bits: 1024 })
    const c = paillierEncryptToHex(paillier.publicKey, 7n)
    const n = c.slice(4, 4 + 512)
    const cases: [string, string][] = [
      [c, paillierEncryptToHex(other.publicKey, 7n)], // two keys
      [c, c.slice(0, -2)], // truncated
      [`0101${c.slice(4)}`, c], // length prefix tampered
      [c, `${c.slice(0, 4)}00${c.slice(6)}`], // modulus tampered (leading zero byte)
      [paillierEncryptToHex(small.publicKey, 1n), paillierEncryptToHex(small.publicKey, 2n)], // FISCO: 2048/4096 only
      [c, `0100${n}${'0'.repeat(1024)}`], // c = 0
      [c, `0100${n}${n}${'0'.repeat(512)}`], // c = n·2^2048 shares the factor n: not a unit
      ['zz', c],
      ['', ''],
    ]
    const r = await block(
      world,
      1,
      cases.map((args) => call(PAILLIER, PAILLIER_AT, 'paillierAdd', args)),
    )
    expect(r.receipts.map((x) => [x.status, int256(x.output)])).toEqual(cases.map(() => [0, -51600n]))
    expect(PrivacyPrecompiledCode.InvalidCiphers).toBe(-51600)
  })

  it('adds a tampered but well-formed ciphertext to garbage: Paillier carries no integrity', async () => {
    const world = await storageWorld()
    const random = seededRandom('garbage')
    const a = paillierEncryptToHex(paillier.publicKey, 7n, { random })
    const flipped = `${a.slice(0, -1)}${a.at(-1) === '1' ? '3' : '1'}`
    const r = await block(world, 1, [call(PAILLIER, PAILLIER_AT, 'paillierAdd', [a, flipped])])
    expect(r.receipts[0]!.status).toBe(0)
    const sum = paillierDecryptHex(
      paillier.privateKey,
      out(PAILLIER, 'paillierAdd', r.receipts[0]!.output) as string,
    )
    expect(sum).not.toBe(14n)
  })

  it('charges VerifyGas (20,000) on success only', async () => {
    const world = await storageWorld()
    const c = paillierEncryptToHex(paillier.publicKey, 1n)
    // Same length and the same calldata bytes count: only the precompile's own gas differs.
    const broken = `${c.slice(0, 4)}00${c.slice(6)}`
    const r = await block(world, 1, [
      call(PAILLIER, PAILLIER_AT, 'paillierAdd', [c, c]),
      call(PAILLIER, PAILLIER_AT, 'paillierAdd', [c, broken]),
    ])
    const [ok, bad] = r.receipts
    expect(int256(bad!.output)).toBe(-51600n)
    expect(ok!.gasUsed - bad!.gasUsed).toBe(20_000n)
  })
})

describe('GroupSig 0x5004 groupSigVerify(string,string,string,string)', () => {
  it('verifies a member signature, rejects forged ones with false and malformed input with -51700', async () => {
    const world = await storageWorld()
    const message = 'invoice 42: pay 1,000 to supplier B'
    const signature = bbs04Sign(group.publicKey, member, message, { random: seededRandom('sign') })
    const valid = groupSigVerifyArgs(group.publicKey, message, signature)
    const gpk = bbs04PublicKeyToHex(group.publicKey)
    const forgedC = bbs04SignatureToHex({ ...signature, c: (signature.c + 1n) % BBS04_ORDER })
    const forgedS = bbs04SignatureToHex({ ...signature, sX: (signature.sX + 1n) % BBS04_ORDER })
    const sigHex = bbs04SignatureToHex(signature)
    const falses: (readonly string[])[] = [
      [sigHex, 'invoice 42: pay 9,000 to supplier B', gpk, BBS04_PARAM_INFO], // other message
      [forgedC, message, gpk, BBS04_PARAM_INFO],
      [forgedS, message, gpk, BBS04_PARAM_INFO],
      [sigHex, message, bbs04PublicKeyToHex(otherGroup.publicKey), BBS04_PARAM_INFO], // other group
    ]
    const malformed: (readonly string[])[] = [
      [sigHex.slice(0, -2), message, gpk, BBS04_PARAM_INFO], // truncated
      [`zz${sigHex.slice(2)}`, message, gpk, BBS04_PARAM_INFO], // not hex
      [`${'ff'.repeat(48)}${sigHex.slice(96)}`, message, gpk, BBS04_PARAM_INFO], // T1 not a point
      [sigHex, message, gpk.slice(0, 100), BBS04_PARAM_INFO], // short gpkInfo
      [sigHex, message, gpk, '{"curve":"pbc-a"}'], // other parameters
      [sigHex, message, gpk, 'not json'],
      ['', '', '', ''],
    ]
    const r = await block(world, 1, [
      call(GROUP_SIG, GROUP_AT, 'groupSigVerify', valid),
      ...falses.map((args) => call(GROUP_SIG, GROUP_AT, 'groupSigVerify', args)),
      ...malformed.map((args) => call(GROUP_SIG, GROUP_AT, 'groupSigVerify', args)),
    ])
    expect(r.receipts.every((x) => x.status === 0)).toBe(true)
    expect(out(GROUP_SIG, 'groupSigVerify', r.receipts[0]!.output)).toBe(true)
    for (let i = 1; i <= falses.length; i++)
      expect(out(GROUP_SIG, 'groupSigVerify', r.receipts[i]!.output)).toBe(false)
    const codes = r.receipts.slice(1 + falses.length).map((x) => int256(x.output))
    expect(codes).toEqual(malformed.map(() => -51700n))
  })
})

describe('RingSig 0x5005 ringSigVerify(string,string,string)', () => {
  it('verifies a ring member signature, rejects forged ones with false and malformed input with -51800', async () => {
    const world = await storageWorld()
    const message = 'ballot 7: yes'
    const signature = lsagSign(message, ring, ringKeys[1]!, { random: seededRandom('lsag') })
    const valid = ringSigVerifyArgs(message, signature)
    const outsider = secpPublic(secpKey('outsider'))
    const json = JSON.parse(valid[0]) as Record<string, string>
    const falses: (readonly string[])[] = [
      [valid[0], 'ballot 7: no', LSAG_PARAM_INFO], // other message
      [
        lsagSignatureToString({ ...signature, challenge: signature.challenge + 1n }),
        message,
        LSAG_PARAM_INFO,
      ],
      [
        lsagSignatureToString({ ...signature, ring: [ring[0]!, outsider, ring[2]!] }),
        message,
        LSAG_PARAM_INFO,
      ], // ring swapped
      [JSON.stringify({ ...json, s1: json.s2 }), message, LSAG_PARAM_INFO], // response copied
    ]
    const malformed: (readonly string[])[] = [
      ['{not json', message, LSAG_PARAM_INFO],
      [JSON.stringify({ ...json, num: '4' }), message, LSAG_PARAM_INFO], // count does not match
      [JSON.stringify({ ...json, Y: `02${'ff'.repeat(32)}` }), message, LSAG_PARAM_INFO], // key image off the curve
      [JSON.stringify({ ...json, pk0: json.pk1 }), message, LSAG_PARAM_INFO], // repeated ring key
      [valid[0], message, '{"p":"23","q":"11","g":"2"}'], // FISCO's Z*_p parameters: not ours
      ['', '', ''],
    ]
    const r = await block(world, 1, [
      call(RING_SIG, RING_AT, 'ringSigVerify', valid),
      ...falses.map((args) => call(RING_SIG, RING_AT, 'ringSigVerify', args)),
      ...malformed.map((args) => call(RING_SIG, RING_AT, 'ringSigVerify', args)),
    ])
    expect(r.receipts.every((x) => x.status === 0)).toBe(true)
    expect(out(RING_SIG, 'ringSigVerify', r.receipts[0]!.output)).toBe(true)
    for (let i = 1; i <= falses.length; i++)
      expect(out(RING_SIG, 'ringSigVerify', r.receipts[i]!.output)).toBe(false)
    expect(r.receipts.slice(1 + falses.length).map((x) => int256(x.output))).toEqual(
      malformed.map(() => -51800n),
    )
    // Gas grows with the ring: VerifyGas per member.
    expect(r.receipts[0]!.gasUsed).toBeGreaterThan(3n * 20_000n)
  })

  it('fails unknown selectors and undecodable arguments with -50101, like every precompile', async () => {
    const world = await storageWorld()
    const r = await block(world, 1, [
      transaction({ from: ALICE, to: RING_AT, data: '0x12345678' }),
      transaction({
        from: ALICE,
        to: GROUP_AT,
        data: `${encodeFunctionData({ abi: GROUP_SIG, functionName: 'groupSigVerify', args: ['a', 'b', 'c', 'd'] }).slice(0, 20)}` as `0x${string}`,
      }),
    ])
    expect(r.receipts.map((x) => int256(x.output))).toEqual([-50101n, -50101n])
  })
})

describe('mutated inputs (seeded): never a crash, never a false accept', () => {
  /** Replaces one character (from a hex-ish alphabet) or cuts the string, chosen by the seed. */
  function mutate(text: string, random: RandomSource): string {
    const [a, b, c] = random(3) as unknown as [number, number, number]
    const at = ((a << 8) | b) % Math.max(1, text.length)
    if (c % 5 === 0) return text.slice(0, at)
    const alphabet = '0123456789abcdefABCDEF{}":,x '
    return text.slice(0, at) + alphabet[c % alphabet.length] + text.slice(at + 1)
  }

  it('answers every mutation of valid group and ring signatures and ciphertexts with false or the code', async () => {
    const world = await storageWorld()
    const random = seededRandom('mutations')
    const message = 'mutated'
    const groupValid = groupSigVerifyArgs(
      group.publicKey,
      message,
      bbs04Sign(group.publicKey, member, message, { random: seededRandom('mv') }),
    )
    const ringValid = ringSigVerifyArgs(
      message,
      lsagSign(message, ring, ringKeys[2]!, { random: seededRandom('mr') }),
    )
    const c = paillierEncryptToHex(paillier.publicKey, 9n, { random })
    const cases: {
      abi: Abi
      to: Uint8Array
      fn: string
      args: string[]
      valid?: readonly string[]
      code: bigint
    }[] = []
    for (let i = 0; i < 12; i++) {
      const g = [...groupValid]
      g[i % 4] = mutate(g[i % 4]!, random)
      cases.push({
        abi: GROUP_SIG,
        to: GROUP_AT,
        fn: 'groupSigVerify',
        args: g,
        valid: groupValid,
        code: -51700n,
      })
      const r = [...ringValid]
      r[i % 3] = mutate(r[i % 3]!, random)
      cases.push({
        abi: RING_SIG,
        to: RING_AT,
        fn: 'ringSigVerify',
        args: r,
        valid: ringValid,
        code: -51800n,
      })
      cases.push({
        abi: PAILLIER,
        to: PAILLIER_AT,
        fn: 'paillierAdd',
        args: [mutate(c, random), c],
        code: -51600n,
      })
    }
    const r = await block(
      world,
      1,
      cases.map((x) => call(x.abi, x.to, x.fn, x.args)),
    )
    let rejected = 0
    cases.forEach((x, i) => {
      const receipt = r.receipts[i]!
      expect(receipt.status).toBe(0)
      if (x.valid === undefined) {
        // A mutated ciphertext either fails to parse (-51600) or adds: a string comes back.
        const isCode = receipt.output.length === 32 && int256(receipt.output) === x.code
        if (isCode) rejected++
        else expect(typeof out(x.abi, x.fn, receipt.output)).toBe('string')
        return
      }
      const value = int256(receipt.output)
      // true only when the mutation replaced a character by itself (the input is unchanged).
      const unchanged = x.args.every((v, j) => v === x.valid![j])
      expect(unchanged ? [1n] : [0n, x.code]).toContain(value)
      if (value === x.code) rejected++
    })
    expect(rejected).toBeGreaterThan(cases.length / 3)
  })
})

describe('privacy precompiles from Solidity', () => {
  it('keeps an encrypted tally, verifies group and ring signatures, and reads FISCO codes raw', async () => {
    const world = await storageWorld()
    const address = await deploy(world)
    const random = seededRandom('votes')
    const votes = [3n, 5n, 11n, -2n]
    const message = 'quarterly report signed by a member'
    const groupSignature = bbs04Sign(group.publicKey, member, message, { random: seededRandom('g2') })
    const ballot = lsagSign('ballot 9', ring, ringKeys[0]!, { random: seededRandom('b9') })
    const forgedBallot = lsagSignatureToString({ ...ballot, challenge: ballot.challenge ^ 1n })
    const raw = (target: Uint8Array, data: `0x${string}`) =>
      call(contract.abi, address, 'rawCode', [hex(target), data])
    const r = await block(world, 2, [
      ...votes.map((v) =>
        call(contract.abi, address, 'vote', [paillierEncryptToHex(paillier.publicKey, v, { random })]),
      ),
      call(contract.abi, address, 'total'),
      call(
        contract.abi,
        address,
        'groupVerify',
        groupSigVerifyArgs(group.publicKey, message, groupSignature),
      ),
      call(
        contract.abi,
        address,
        'groupVerify',
        groupSigVerifyArgs(otherGroup.publicKey, message, groupSignature),
      ),
      call(contract.abi, address, 'ringBallot', ringSigVerifyArgs('ballot 9', ballot)),
      call(contract.abi, address, 'ringBallot', [forgedBallot, 'ballot 9', LSAG_PARAM_INFO]),
      call(contract.abi, address, 'ballots'),
      raw(
        PAILLIER_AT,
        encodeFunctionData({ abi: PAILLIER, functionName: 'paillierAdd', args: ['00', 'zz'] }),
      ),
      raw(
        GROUP_AT,
        encodeFunctionData({
          abi: GROUP_SIG,
          functionName: 'groupSigVerify',
          args: ['00', 'm', '00', BBS04_PARAM_INFO],
        }),
      ),
      raw(
        RING_AT,
        encodeFunctionData({
          abi: RING_SIG,
          functionName: 'ringSigVerify',
          args: ['{}', 'm', LSAG_PARAM_INFO],
        }),
      ),
      // The typed call cannot decode an int256 code as a string: the caller reverts.
      call(contract.abi, address, 'add', ['zz', 'zz']),
    ])
    const statuses = r.receipts.map((x) => x.status)
    expect(statuses.slice(0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
    const total = out(contract.abi, 'total', r.receipts[4]!.output) as string
    expect(paillierDecryptHex(paillier.privateKey, total)).toBe(17n)
    expect(out(contract.abi, 'groupVerify', r.receipts[5]!.output)).toBe(true)
    expect(out(contract.abi, 'groupVerify', r.receipts[6]!.output)).toBe(false)
    expect(statuses[7]).toBe(0)
    expect(statuses[8]).not.toBe(0) // forged ballot: require fails
    expect(out(contract.abi, 'ballots', r.receipts[9]!.output)).toBe(1n)
    expect(r.receipts.slice(10, 13).map((x) => out(contract.abi, 'rawCode', x.output))).toEqual([
      -51600n,
      -51700n,
      -51800n,
    ])
    expect(statuses[13]).not.toBe(0)
  })
})
