// Runnable README example: node --conditions=source --import tsx examples/basic.ts
import {
  createCryptoSuite,
  createMerkleTree,
  createVerifyPool,
  nodeKeyFilesFromPrivateKey,
  readNodeKeyFiles,
  verifyMerkleProof,
} from '../src/index.js'

const suite = createCryptoSuite('sm') // or 'ecdsa'
const key = suite.randomPrivateKey()
const hash = suite.hash(new TextEncoder().encode('a transaction'))
const signature = suite.sign(hash, key) // r‖s‖pub, 128 bytes (ECDSA: r‖s‖v, 65)
const sender = suite.address(suite.recover(hash, signature))

const tree = createMerkleTree(suite, [hash, suite.hash(new Uint8Array(1))])
const proof = tree.proof(0)
if (!verifyMerkleProof(suite, tree.root, 0, hash, proof)) throw new Error('proof does not verify')

const files = nodeKeyFilesFromPrivateKey('sm2', key) // node.key (PKCS#8 PEM) and node.nodeid
const nodeKey = readNodeKeyFiles(files)

const pool = createVerifyPool({ suite, workers: 2 })
const [result] = await pool.recover([{ hash, signature }])
await pool.close()

console.log({
  sender: Buffer.from(sender).toString('hex'),
  root: Buffer.from(tree.root).toString('hex'),
  nodeIdMatches: Buffer.from(nodeKey.publicKey).equals(Buffer.from(suite.publicKey(key))),
  poolOk: result?.ok,
})
