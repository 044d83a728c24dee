// @welkin/crypto against the raw primitives it wraps, measured in the same run: libsecp256k1
// ecdsaVerify on a pre-hashed digest with a pre-parsed (uncompressed) key, node:crypto SHA-256,
// node:crypto P-256 verify with a KeyObject; sign against raw sign; the pure-JS backend against
// the native ceiling of its curve. Run: node --import tsx bench/crypto.bench.ts  (about 20 s)
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto'
import { createRequire } from 'node:module'
import {
  nativeBackend,
  P256Keypair,
  type PublicKey,
  parsePublicKey,
  pureBackend,
  Secp256k1Keypair,
  sha256,
  verifyDigestSync,
} from '@welkin/crypto'
import { heading, type Measurement, measure, report } from './harness.js'

interface RawSecp256k1 {
  publicKeyConvert(pubkey: Uint8Array, compressed: boolean): Uint8Array
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array }
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean
}
const raw = createRequire(import.meta.url)('secp256k1/bindings') as RawSecp256k1

const SECONDS = 1.2
// A typical signed commit: a few hundred bytes of DAG-CBOR.
const message = new Uint8Array(300).map((_, i) => (i * 31 + 7) & 0xff)
const digest = sha256(message)

const k256 = Secp256k1Keypair.createSync()
const k256Sig = k256.signSync(message)
const k256Priv = k256.export()
const k256Full = raw.publicKeyConvert(k256.publicKeyBytes(), false)

const p256 = P256Keypair.createSync()
const p256Sig = p256.signSync(message)
const rawP256Keys = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const rawP256Sig = nodeSign('sha256', message, { key: rawP256Keys.privateKey, dsaEncoding: 'ieee-p1363' })
const rawP256Verify = { key: createPublicKey(rawP256Keys.privateKey), dsaEncoding: 'ieee-p1363' as const }
const rawP256Sign = { key: rawP256Keys.privateKey, dsaEncoding: 'ieee-p1363' as const }

function check(label: string, ok: boolean): void {
  if (!ok) throw new Error(`bench setup: ${label} did not verify`)
}

function keysFor(backend: typeof nativeBackend): { k: PublicKey; p: PublicKey } {
  return { k: parsePublicKey(k256.did(), { backend }), p: parsePublicKey(p256.did(), { backend }) }
}
const native = keysFor(nativeBackend)
const pure = keysFor(pureBackend)
check('raw k256', raw.ecdsaVerify(k256Sig, digest, k256Full))
check('raw p256', nodeVerify('sha256', message, rawP256Verify, rawP256Sig))
check('native k256', native.k.verifySync(message, k256Sig))
check('native p256', native.p.verifySync(message, p256Sig))
check('pure k256', pure.k.verifySync(message, k256Sig))
check('pure p256', pure.p.verifySync(message, p256Sig))

async function run(name: string, fn: (i: number) => unknown, seconds = SECONDS): Promise<Measurement> {
  return measure(name, fn, { seconds, warmupOps: 100 })
}

heading(`crypto: native ${JSON.stringify(nativeBackend.implementations)}`)

const rawSha = await run('raw node:crypto sha256 (300 B)', () =>
  createHash('sha256').update(message).digest(),
)
report(rawSha)
report(await run('welkin sha256 (300 B)', () => sha256(message)), rawSha)

const rawK256 = await run('raw libsecp256k1 ecdsaVerify (digest)', () =>
  raw.ecdsaVerify(k256Sig, digest, k256Full),
)
report(rawK256)
report(await run('welkin k256 verifyDigestSync', () => verifyDigestSync(native.k, digest, k256Sig)), rawK256)
report(
  await run('welkin k256 PublicKey.verifySync (hash+verify)', () => native.k.verifySync(message, k256Sig)),
  rawK256,
)

const rawP256 = await run('raw node:crypto P-256 verify', () =>
  nodeVerify('sha256', message, rawP256Verify, rawP256Sig),
)
report(rawP256)
report(await run('welkin p256 PublicKey.verifySync', () => native.p.verifySync(message, p256Sig)), rawP256)

const rawK256Sign = await run('raw libsecp256k1 ecdsaSign (digest)', () => raw.ecdsaSign(digest, k256Priv))
report(rawK256Sign)
report(await run('welkin k256 signSync (hash+sign)', () => k256.signSync(message)), rawK256Sign)
const rawP256SignM = await run('raw node:crypto P-256 sign', () => nodeSign('sha256', message, rawP256Sign))
report(rawP256SignM)
report(await run('welkin p256 signSync', () => p256.signSync(message)), rawP256SignM)

report(await run('pure-JS k256 PublicKey.verifySync', () => pure.k.verifySync(message, k256Sig)), rawK256)
report(await run('pure-JS p256 PublicKey.verifySync', () => pure.p.verifySync(message, p256Sig)), rawP256)
