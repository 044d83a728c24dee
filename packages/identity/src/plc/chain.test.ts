import { P256Keypair, Secp256k1Keypair } from '@welkin/crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { PlcOpError } from '../errors.js'
import { base64urlDecodeStrict, base64urlEncode } from './base64url.js'
import { assureValidNextOp, type ChainEntry, RECOVERY_WINDOW_MS } from './chain.js'
import {
  cidForOp,
  createGenesisOp,
  createLegacyCreateOp,
  createTombstoneOp,
  didForGenesisOp,
  signPlcOp,
  updateHandleOp,
  updateRotationKeysOp,
} from './create.js'
import { opToData } from './normalize.js'
import { toDer, toHighS } from './testing.js'
import type { PlcOp, PlcOperation } from './types.js'

const HOUR = 3_600_000

let recovery: Secp256k1Keypair
let rotation: P256Keypair
let signing: Secp256k1Keypair
let did: string
let genesis: PlcOperation

beforeAll(async () => {
  recovery = await Secp256k1Keypair.create()
  rotation = await P256Keypair.create()
  signing = await Secp256k1Keypair.create()
  const created = await createGenesisOp(
    {
      rotationKeys: [recovery.did(), rotation.did()],
      signingKey: signing.did(),
      handle: 'alice.test',
      pds: 'https://pds.test',
    },
    rotation,
  )
  did = created.did
  genesis = created.op
})

function entry(op: PlcOp, ageMs = 0, nullified = false): ChainEntry {
  return {
    cid: cidForOp(op),
    operation: op,
    nullified,
    createdAt: new Date(Date.now() - ageMs).toISOString(),
  }
}

function rejection(fn: () => unknown): PlcOpError {
  try {
    fn()
  } catch (err) {
    if (err instanceof PlcOpError) return err
    throw err
  }
  throw new Error('expected a PlcOpError, but the operation was accepted')
}

function withSig(op: PlcOp, sig: Uint8Array | string): PlcOp {
  return { ...op, sig: typeof sig === 'string' ? sig : base64urlEncode(sig) }
}

function sigBytes(op: PlcOp): Uint8Array {
  return base64urlDecodeStrict(op.sig) as Uint8Array
}

describe('genesis', () => {
  it('accepts a genesis op for the DID it hashes to, signed by one of its rotation keys', () => {
    const accepted = assureValidNextOp(did, [], genesis)
    expect(accepted.signer).toBe(rotation.did())
    expect(accepted.nullified).toEqual([])
    expect(did).toMatch(/^did:plc:[a-z2-7]{24}$/)
  })

  it('refuses a genesis op submitted for another DID, or a longer prefix of its hash', () => {
    const other = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
    expect(rejection(() => assureValidNextOp(other, [], genesis)).code).toBe('GenesisHashMismatch')
    expect(rejection(() => assureValidNextOp(`${did}a`, [], genesis)).code).toBe('MalformedOperation')
  })

  it('refuses a genesis op signed by a key that is not one of its rotation keys', async () => {
    const resigned = await signPlcOp(stripSig(genesis), signing)
    const err = rejection(() => assureValidNextOp(didForGenesisOp(resigned), [], resigned))
    expect(err.code).toBe('InvalidSignature')
  })

  it('refuses a tombstone or a non-null prev as the first op', async () => {
    const t = await createTombstoneOp(cidForOp(genesis), rotation)
    expect(rejection(() => assureValidNextOp(did, [], t)).code).toBe('MisorderedOperation')
    // A well-formed, correctly signed update sent as the first op of a DID nobody registered.
    const update = await updateHandleOp(genesis, rotation, 'early.test')
    const err = rejection(() => assureValidNextOp(did, [], update))
    expect(err.code).toBe('MisorderedOperation')
    expect(err.message).toContain('prev: null')
  })

  it('accepts the legacy create format and reads it like the public directory', async () => {
    const { did: legacyDid, op } = await createLegacyCreateOp(
      { signingKey: signing.did(), recoveryKey: recovery.did(), handle: 'old.test', service: 'pds.test' },
      signing,
    )
    expect(assureValidNextOp(legacyDid, [], op).signer).toBe(signing.did())
    expect(opToData(legacyDid, op)).toEqual({
      did: legacyDid,
      rotationKeys: [recovery.did(), signing.did()],
      verificationMethods: { atproto: signing.did() },
      alsoKnownAs: ['at://old.test'],
      services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://pds.test' } },
    })
    // An update after a legacy genesis is authorised by its recovery key.
    const up = await updateHandleOp(op, recovery, 'new.test')
    expect(assureValidNextOp(legacyDid, [entry(op)], up).signer).toBe(recovery.did())
  })
})

describe('updates', () => {
  it('accepts an update by any current rotation key and refuses the signing key', async () => {
    const chain = [entry(genesis)]
    expect(assureValidNextOp(did, chain, await updateHandleOp(genesis, recovery, 'b.test')).signer).toBe(
      recovery.did(),
    )
    expect(assureValidNextOp(did, chain, await updateHandleOp(genesis, rotation, 'b.test')).signer).toBe(
      rotation.did(),
    )
    const bySigning = await updateHandleOp(genesis, signing, 'b.test')
    expect(rejection(() => assureValidNextOp(did, chain, bySigning)).code).toBe('InvalidSignature')
  })

  it('refuses a wrong, missing or nullified prev', async () => {
    const up = await updateHandleOp(genesis, rotation, 'b.test')
    const chain = [entry(genesis), entry(up)]
    const unknownPrev = { ...up, prev: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' }
    const err = rejection(() => assureValidNextOp(did, chain, unknownPrev))
    expect(err.code).toBe('MisorderedOperation')
    expect(err.message).toContain('is not an operation of')
    const again = await signPlcOp({ ...stripSig(up), prev: null }, rotation)
    expect(rejection(() => assureValidNextOp(did, chain, again)).code).toBe('MisorderedOperation')
    const dead = [entry(genesis), entry(up, 0, true)]
    const afterDead = await updateHandleOp(up, rotation, 'c.test')
    expect(rejection(() => assureValidNextOp(did, dead, afterDead)).message).toContain('nullified')
  })

  it('refuses the same op twice', async () => {
    const up = await updateHandleOp(genesis, recovery, 'b.test')
    const err = rejection(() => assureValidNextOp(did, [entry(genesis), entry(up)], up))
    expect(err.message).toContain('already in the log')
  })

  it('applies the rotation keys of the op it follows, not the new ones', async () => {
    const rotated = await updateRotationKeysOp(genesis, rotation, [signing.did()])
    const chain = [entry(genesis), entry(rotated)]
    expect(assureValidNextOp(did, chain, await updateHandleOp(rotated, signing, 'c.test')).signer).toBe(
      signing.did(),
    )
    const byOld = await updateHandleOp(rotated, rotation, 'c.test')
    expect(rejection(() => assureValidNextOp(did, chain, byOld)).code).toBe('InvalidSignature')
  })
})

function stripSig<T extends PlcOp>(op: T): Omit<T, 'sig'> {
  const { sig: _sig, ...rest } = op
  return rest
}

describe('signature encoding', () => {
  it('refuses high-S signatures on both curves, naming the reason', async () => {
    const byK = await updateHandleOp(genesis, recovery, 'b.test')
    const byP = await updateHandleOp(genesis, rotation, 'b.test')
    for (const [op, alg] of [
      [byK, 'ES256K'],
      [byP, 'ES256'],
    ] as const) {
      const high = withSig(op, toHighS(alg, sigBytes(op)))
      const err = rejection(() => assureValidNextOp(did, [entry(genesis)], high))
      expect(err.code).toBe('InvalidSignature')
      expect(err.message).toContain('high-S')
    }
  })

  it('refuses DER, padded, truncated and non-canonical base64url signatures', async () => {
    const op = await updateHandleOp(genesis, recovery, 'b.test')
    const bytes = sigBytes(op)
    const last = op.sig[op.sig.length - 1]
    const flippedBits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(last) ^ 1
    const cases = [
      withSig(op, toDer(bytes)),
      withSig(op, `${op.sig}==`),
      withSig(op, bytes.subarray(0, 63)),
      withSig(
        op,
        `${op.sig.slice(0, -1)}${'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[flippedBits]}`,
      ),
      withSig(op, op.sig.replace(/-/g, '+').replace(/_/g, '/')),
      withSig(op, ''),
    ]
    for (const bad of cases) {
      if (bad.sig === op.sig) continue
      expect(rejection(() => assureValidNextOp(did, [entry(genesis)], bad)).code).toBe('InvalidSignature')
    }
  })
})

describe('recovery and nullification', () => {
  it('lets a higher-priority key fork within 72 hours, nullifying the later ops', async () => {
    const byRotation = await updateHandleOp(genesis, rotation, 'mallory.test')
    const chain = [entry(genesis, 10 * HOUR), entry(byRotation, 71 * HOUR)]
    const recover = await updateHandleOp(genesis, recovery, 'alice.test')
    const accepted = assureValidNextOp(did, chain, recover)
    expect(accepted.nullified).toEqual([cidForOp(byRotation)])
    expect(accepted.signer).toBe(recovery.did())
  })

  it('refuses a fork by a key of equal or lower priority', async () => {
    const byRecovery = await updateHandleOp(genesis, recovery, 'b.test')
    const chain = [entry(genesis), entry(byRecovery)]
    const fork = await updateHandleOp(genesis, rotation, 'c.test')
    expect(rejection(() => assureValidNextOp(did, chain, fork)).code).toBe('InvalidSignature')
    const sameKey = await updateHandleOp(genesis, recovery, 'c.test')
    expect(rejection(() => assureValidNextOp(did, chain, sameKey)).code).toBe('InvalidSignature')
  })

  it('refuses a fork after the 72-hour window, judged from the first nullified op', async () => {
    const byRotation = await updateHandleOp(genesis, rotation, 'mallory.test')
    const later = await updateHandleOp(byRotation, rotation, 'mallory2.test')
    const chain = [
      entry(genesis, 100 * HOUR),
      entry(byRotation, RECOVERY_WINDOW_MS + HOUR),
      entry(later, HOUR),
    ]
    const recover = await updateHandleOp(genesis, recovery, 'alice.test')
    expect(rejection(() => assureValidNextOp(did, chain, recover)).code).toBe('LateRecovery')
    // The same fork judged at an earlier time is inside the window.
    const now = Date.now() - 2 * HOUR
    expect(assureValidNextOp(did, chain, recover, { now }).nullified).toHaveLength(2)
  })

  it('allows nothing after a tombstone but a recovery that nullifies it', async () => {
    const tomb = await createTombstoneOp(cidForOp(genesis), rotation)
    const chain = [entry(genesis), entry(tomb)]
    const after = await signPlcOp({ ...stripSig(genesis), prev: cidForOp(tomb) }, recovery)
    const err = rejection(() => assureValidNextOp(did, chain, after))
    expect(err.code).toBe('MisorderedOperation')
    expect(err.message).toContain('tombstone')
    const revive = await updateHandleOp(genesis, recovery, 'alice.test')
    expect(assureValidNextOp(did, chain, revive).nullified).toEqual([cidForOp(tomb)])
  })
})

describe('malformed operations', () => {
  async function signed(fields: Record<string, unknown>): Promise<PlcOp> {
    return signPlcOp({ ...stripSig(genesis), prev: cidForOp(genesis), ...fields } as never, rotation)
  }

  it.each([
    ['unknown field', { extra: 1 }, 'MalformedOperation', 'unknown field'],
    ['no rotation keys', { rotationKeys: [] }, 'MalformedOperation', 'at least one'],
    [
      'six rotation keys',
      { rotationKeys: ['a', 'b', 'c', 'd', 'e', 'f'] },
      'MalformedOperation',
      'at most 5',
    ],
    [
      'duplicate rotation keys',
      { rotationKeys: ['did:key:zQ3sh', 'did:key:zQ3sh'] },
      'MalformedOperation',
      'twice',
    ],
    ['non-string alias', { alsoKnownAs: [1] }, 'MalformedOperation', 'alsoKnownAs[0]'],
    ['rotation key not a did:key', { rotationKeys: ['zQ3shabc'] }, 'UnsupportedKey', 'not a did:key'],
    [
      'service without endpoint',
      { services: { atproto_pds: { type: 'x' } } },
      'MalformedOperation',
      'endpoint',
    ],
    ['prev not a CID', { prev: 'not-a-cid' }, 'MalformedOperation', 'CID'],
    ['too large', { alsoKnownAs: ['x'.repeat(8000)] }, 'OperationTooLarge', '7500'],
    [
      'eleven verification methods',
      {
        verificationMethods: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'did:key:z'])),
      },
      'MalformedOperation',
      'at most 10',
    ],
  ])('refuses %s', async (_name, fields, code, text) => {
    const op = await signed(fields)
    const err = rejection(() => assureValidNextOp(did, [entry(genesis)], op))
    expect(err.code).toBe(code)
    expect(err.message).toContain(text)
  })

  it.each([
    null,
    [],
    'op',
    42,
    { type: 'plc_operation' },
    { type: 'nope' },
    { ...{ type: 'plc_tombstone', prev: null, sig: '' } },
  ])('refuses %j with a MalformedOperation', (value) => {
    expect(rejection(() => assureValidNextOp(did, [entry(genesis)], value)).code).toBe('MalformedOperation')
  })

  it('accepts any syntactically valid did:key as a verification method, but refuses garbage', async () => {
    // An ed25519 did:key (multicodec 0xed): allowed since did:plc spec v0.2.
    const ed = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
    const op = await signed({ verificationMethods: { atproto: signing.did(), other: ed } })
    expect(assureValidNextOp(did, [entry(genesis)], op).signer).toBe(rotation.did())
    const bad = await signed({ verificationMethods: { atproto: 'did:key:z0OIl' } })
    expect(rejection(() => assureValidNextOp(did, [entry(genesis)], bad)).code).toBe('UnsupportedKey')
  })
})
