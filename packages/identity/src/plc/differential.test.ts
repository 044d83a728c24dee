// Differential test against the reference implementation, @did-plc/lib 0.0.4: random op
// sequences (valid updates, forks, tombstones, and every kind of malformed or forged op) are
// judged by both, and the verdicts must agree. Where the current did:plc spec is stricter than
// that library version, Welkin follows the spec; those cases are listed in DIVERGENT and
// checked to diverge only in the documented direction.
import { createRequire } from 'node:module'
import * as ref from '@did-plc/lib'
import { type Keypair, P256Keypair, Secp256k1Keypair, sha256 } from '@welkin/crypto'
import { base32Encode, encodeCbor } from '@welkin/data'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { PlcOpError } from '../errors.js'
import { assureValidNextOp, type ChainEntry } from './chain.js'
import { cidForOp, didForGenesisOp, signPlcOp } from './create.js'
import {
  FIELD_MUTATIONS,
  type FieldMutation,
  fieldMutation,
  SIG_MUTATIONS,
  type SigMutation,
  sigMutation,
} from './testing.js'
import type { PlcOp, UnsignedPlcOp } from './types.js'

const requireFromLib = createRequire(createRequire(import.meta.url).resolve('@did-plc/lib'))
const RefCID = requireFromLib('multiformats/cid').CID as { parse(s: string): unknown }

const HOUR = 3_600_000

/** Mutations where Welkin follows the current spec and the 0.0.4 reference does not. */
const DIVERGENT = {
  // Welkin refuses what the reference accepts:
  highSP256: 'reference verifies P-256 with WebCrypto, which accepts high-S',
  derK256: 'reference decodes k256 signatures as DER first',
  paddedSig: 'reference strips "=" padding, so one signature had several op CIDs',
  longDid: 'reference accepts any DID that is a prefix (>= 24 chars) of the hash',
  dupRotationKeys: 'spec: rotation keys with no duplication',
  manyVerificationMethods: 'spec v0.2: at most 10 verificationMethods',
  oversized: 'spec: 7500-byte DAG-CBOR limit',
  extraField: 'reference ignores unknown fields',
  base58Prev: 'reference parses prev in any multibase',
  // Welkin accepts what the reference refuses:
  ed25519VerificationMethod: 'spec v0.2: any syntactically valid did:key in verificationMethods',
} as const
type Divergent = keyof typeof DIVERGENT
const WELKIN_ACCEPTS_MORE: readonly Divergent[] = ['ed25519VerificationMethod']

interface Step {
  kind: 'update' | 'tombstone'
  /** Index into the active chain of the op to follow, counted from the end (0 = latest). */
  back: number
  /** Which key signs: the followed op's first or last rotation key, any of ours, or an outsider. */
  signerMode: 'first' | 'last' | 'any' | 'outsider'
  anyKey: number
  rotation: number[]
  field: FieldMutation
  sig: SigMutation
  ageHours: number
}

let keys: Keypair[]
let p256Index: number

beforeAll(async () => {
  keys = [
    await Secp256k1Keypair.create(),
    await Secp256k1Keypair.create(),
    await P256Keypair.create(),
    await Secp256k1Keypair.create(),
  ]
  p256Index = 2
})

/** The DID with 25 instead of 24 hash characters: a longer prefix of the same hash. */
function longDidFor(op: PlcOp): string {
  return `did:plc:${base32Encode(sha256(encodeCbor(op as never))).slice(0, 25)}`
}

function stripSig(op: PlcOp): UnsignedPlcOp {
  const { sig: _sig, ...rest } = op
  return rest as UnsignedPlcOp
}

async function welkinVerdict(
  did: string,
  chain: ChainEntry[],
  op: unknown,
): Promise<{ ok: boolean; nullified: string[] }> {
  try {
    return { ok: true, nullified: assureValidNextOp(did, chain, op).nullified }
  } catch (err) {
    if (!(err instanceof PlcOpError)) throw err
    return { ok: false, nullified: [] }
  }
}

async function refVerdict(did: string, chain: ChainEntry[], op: unknown): Promise<boolean> {
  // The reference server's POST handler checks the shape before the library's rules.
  if (!ref.def.compatibleOpOrTombstone.safeParse(op).success) return false
  const ops = chain
    .filter((e) => !e.nullified)
    .map((e) => ({
      did,
      operation: e.operation,
      cid: RefCID.parse(e.cid),
      nullified: false,
      createdAt: new Date(e.createdAt),
    }))
  try {
    await ref.assureValidNextOp(did, ops as never, op as never)
    return true
  } catch {
    return false
  }
}

function divergenceOf(step: {
  kind: Step['kind']
  field: FieldMutation
  sig: SigMutation
  signer: number
}): Divergent | undefined {
  if (step.sig === 'highS' && step.signer === p256Index) return 'highSP256'
  if (step.sig === 'der' && step.signer !== p256Index) return 'derK256'
  // Standard base64 of a signature with no '+' or '/' is base64url plus padding.
  if (step.sig === 'padded' || step.sig === 'standardBase64') return 'paddedSig'
  // A plc_operation relabelled as a tombstone is a tombstone with unknown fields.
  if (step.field === 'typeChanged' && step.kind === 'update') return 'extraField'
  if (step.field in DIVERGENT) return step.field as Divergent
  return undefined
}

const seen = { agreeAccept: 0, agreeReject: 0, diverged: 0, forks: 0 }

async function judge(did: string, chain: ChainEntry[], op: unknown, divergent: Divergent | undefined) {
  const w = await welkinVerdict(did, chain, op)
  const r = await refVerdict(did, chain, op)
  if (w.ok === r) seen[r ? 'agreeAccept' : 'agreeReject']++
  else seen.diverged++
  if (w.ok && r && w.nullified.length > 0) seen.forks++
  if (w.ok !== r) {
    const context = JSON.stringify({ op, divergent }).slice(0, 600)
    expect(divergent, `verdicts differ (welkin ${w.ok}, reference ${r}): ${context}`).toBeDefined()
    const welkinShouldAccept = WELKIN_ACCEPTS_MORE.includes(divergent!)
    expect(w.ok, `divergence ${divergent} in the wrong direction: ${context}`).toBe(welkinShouldAccept)
  }
  // A divergent op is not appended: both sides must keep judging the same chain.
  return { ok: w.ok && r, nullified: w.nullified }
}

const stepArb = fc.record<Step>({
  kind: fc.constantFrom('update', 'update', 'update', 'tombstone'),
  back: fc.constantFrom(0, 0, 1, 1, 2),
  signerMode: fc.constantFrom('first', 'first', 'last', 'last', 'any', 'outsider'),
  anyKey: fc.integer({ min: 0, max: 3 }),
  rotation: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 3 }),
  field: fc.oneof(
    { weight: 6, arbitrary: fc.constant<FieldMutation>('none') },
    { weight: 4, arbitrary: fc.constantFrom(...FIELD_MUTATIONS) },
  ),
  sig: fc.oneof(
    { weight: 7, arbitrary: fc.constant<SigMutation>('none') },
    { weight: 3, arbitrary: fc.constantFrom(...SIG_MUTATIONS) },
  ),
  ageHours: fc.constantFrom(0, 0, 1, 1, 71, 73, 200),
})

function pickSigner(step: Step, followed: PlcOp): number {
  const rot =
    followed.type === 'plc_operation'
      ? followed.rotationKeys
      : followed.type === 'create'
        ? [followed.recoveryKey, followed.signingKey]
        : []
  const byDid = (did: string | undefined) =>
    Math.max(
      0,
      keys.findIndex((k) => k.did() === did),
    )
  if (step.signerMode === 'first') return byDid(rot[0])
  if (step.signerMode === 'last') return byDid(rot[rot.length - 1])
  if (step.signerMode === 'outsider') return 3
  return step.anyKey
}

const genesisArb = fc.record({
  rotation: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
  signer: fc.integer({ min: 0, max: 3 }),
  legacy: fc.boolean(),
  didMutation: fc.constantFrom('none', 'none', 'none', 'none', 'longDid', 'otherDid', 'upper'),
})

describe('differential: Welkin vs @did-plc/lib 0.0.4', () => {
  it('agrees on random op sequences, except the documented spec divergences', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(genesisArb, fc.array(stepArb, { minLength: 1, maxLength: 8 }), async (g, rawSteps) => {
        // Older ops first: ages along the chain never increase.
        const steps = rawSteps.map((s, i) => ({
          ...s,
          ageHours: [...rawSteps].map((x) => x.ageHours).sort((a, b) => b - a)[i],
        }))
        const rotation = g.rotation.map((i) => keys[i].did())
        const signer = keys[g.signer]
        let genesis: PlcOp
        if (g.legacy) {
          genesis = await signPlcOp(
            {
              type: 'create',
              signingKey: rotation[0],
              recoveryKey: rotation[rotation.length - 1],
              handle: 'legacy.test',
              service: 'pds.test',
              prev: null,
            },
            signer,
          )
        } else {
          genesis = await signPlcOp(
            {
              type: 'plc_operation',
              rotationKeys: rotation,
              verificationMethods: { atproto: keys[3].did() },
              alsoKnownAs: ['at://alice.test'],
              services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://pds.test' } },
              prev: null,
            },
            signer,
          )
        }
        const realDid = didForGenesisOp(genesis as never)
        const did =
          g.didMutation === 'longDid'
            ? longDidFor(genesis)
            : g.didMutation === 'otherDid'
              ? `${realDid.slice(0, -1)}${realDid.endsWith('a') ? 'b' : 'a'}`
              : g.didMutation === 'upper'
                ? realDid.toUpperCase()
                : realDid
        const longDid = g.didMutation === 'longDid'
        const first = await judge(did, [], genesis, longDid ? 'longDid' : undefined)
        if (!first.ok) return
        const chain: ChainEntry[] = [
          {
            cid: cidForOp(genesis),
            operation: genesis,
            nullified: false,
            createdAt: new Date(Date.now() - 300 * HOUR).toISOString(),
          },
        ]
        for (const step of steps) {
          const active = chain.filter((e) => !e.nullified)
          const follow = active[Math.max(0, active.length - 1 - step.back)]
          const followOp = follow.operation
          let unsigned: Record<string, unknown>
          if (step.kind === 'tombstone') {
            unsigned = { type: 'plc_tombstone', prev: follow.cid }
          } else {
            const base =
              followOp.type === 'plc_operation'
                ? followOp
                : followOp.type === 'create'
                  ? {
                      rotationKeys: [followOp.recoveryKey, followOp.signingKey],
                      verificationMethods: { atproto: followOp.signingKey },
                    }
                  : { rotationKeys: rotation, verificationMethods: { atproto: keys[3].did() } }
            unsigned = {
              type: 'plc_operation',
              rotationKeys: step.rotation.map((i) => keys[i].did()),
              verificationMethods: base.verificationMethods,
              alsoKnownAs: [`at://h${chain.length}.test`],
              services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://pds.test' } },
              prev: follow.cid,
            }
          }
          const mutated = fieldMutation(
            unsigned,
            step.field,
            keys.map((k) => k.did()),
          )
          const signer = pickSigner(step, followOp)
          const signed = await signPlcOp(mutated as never, keys[signer])
          const op = sigMutation(signed as never, step.sig, keys[signer].jwtAlg)
          const verdict = await judge(realDid, chain, op, divergenceOf({ ...step, signer }))
          if (verdict.ok) {
            for (const e of chain) if (verdict.nullified.includes(e.cid)) e.nullified = true
            chain.push({
              cid: cidForOp(op as never),
              operation: op as never,
              nullified: false,
              createdAt: new Date(Date.now() - step.ageHours * HOUR).toISOString(),
            })
          }
        }
      }),
      { numRuns: 160 },
    )
    // The generator must reach both verdicts and the recovery rules, or the test proves little.
    expect(seen.agreeAccept).toBeGreaterThan(50)
    expect(seen.agreeReject).toBeGreaterThan(100)
  })

  it('agrees on forks: who may nullify what, and until when', { timeout: 120_000 }, async () => {
    const before = seen.forks
    let rejected = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ signer: fc.integer({ min: 0, max: 2 }), ageHours: fc.constantFrom(0, 2, 70, 74) }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.record({
          back: fc.integer({ min: 1, max: 4 }),
          signer: fc.integer({ min: 0, max: 2 }),
          tombstone: fc.boolean(),
        }),
        async (history, fork) => {
          const rotation = keys.slice(0, 3).map((k) => k.did())
          const fields = {
            rotationKeys: rotation,
            verificationMethods: { atproto: keys[3].did() },
            services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://pds.test' } },
          }
          const genesis = await signPlcOp(
            { type: 'plc_operation', ...fields, alsoKnownAs: ['at://g.test'], prev: null },
            keys[0],
          )
          const did = didForGenesisOp(genesis)
          const ages = history.map((h) => h.ageHours).sort((a, b) => b - a)
          const chain: ChainEntry[] = [
            {
              cid: cidForOp(genesis),
              operation: genesis,
              nullified: false,
              createdAt: new Date(Date.now() - 100 * HOUR).toISOString(),
            },
          ]
          for (const [i, h] of history.entries()) {
            const prev = chain[chain.length - 1].cid
            const op = await signPlcOp(
              { type: 'plc_operation', ...fields, alsoKnownAs: [`at://h${i}.test`], prev },
              keys[h.signer],
            )
            chain.push({
              cid: cidForOp(op),
              operation: op,
              nullified: false,
              createdAt: new Date(Date.now() - ages[i] * HOUR).toISOString(),
            })
          }
          const follow = chain[Math.max(0, chain.length - 1 - fork.back)]
          const unsigned = fork.tombstone
            ? { type: 'plc_tombstone' as const, prev: follow.cid }
            : { type: 'plc_operation' as const, ...fields, alsoKnownAs: ['at://fork.test'], prev: follow.cid }
          const op = await signPlcOp(unsigned, keys[fork.signer])
          const verdict = await judge(did, chain, op, undefined)
          if (!verdict.ok) rejected++
        },
      ),
      { numRuns: 150 },
    )
    expect(seen.forks - before).toBeGreaterThan(10)
    expect(rejected).toBeGreaterThan(10)
  })

  it.each(Object.keys(DIVERGENT) as Divergent[])('documents the divergence %s', async (name) => {
    // Each divergent case alone, on an otherwise valid update: the verdicts really differ.
    const [a, , p] = keys
    const genesis = await signPlcOp(
      {
        type: 'plc_operation',
        rotationKeys: [a.did(), p.did()],
        verificationMethods: { atproto: keys[3].did() },
        alsoKnownAs: ['at://alice.test'],
        services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://pds.test' } },
        prev: null,
      },
      a,
    )
    const did = didForGenesisOp(genesis)
    if (name === 'longDid') {
      const long = longDidFor(genesis)
      expect(await refVerdict(long, [], genesis)).toBe(true)
      expect((await welkinVerdict(long, [], genesis)).ok).toBe(false)
      return
    }
    const chain: ChainEntry[] = [
      { cid: cidForOp(genesis), operation: genesis, nullified: false, createdAt: new Date().toISOString() },
    ]
    const signerIndex = name === 'highSP256' ? p256Index : 0
    const sigMutations: Partial<Record<Divergent, SigMutation>> = {
      highSP256: 'highS',
      derK256: 'der',
      paddedSig: 'padded',
    }
    const sig = sigMutations[name] ?? 'none'
    const field = (sig === 'none' ? name : 'none') as FieldMutation
    const step = { field, sig, signer: signerIndex }
    const unsigned = fieldMutation(
      { ...stripSig(genesis), prev: chain[0].cid, alsoKnownAs: ['at://bob.test'] },
      step.field,
      keys.map((k) => k.did()),
    )
    const op = sigMutation(
      (await signPlcOp(unsigned as never, keys[signerIndex])) as never,
      step.sig,
      keys[signerIndex].jwtAlg,
    )
    const w = (await welkinVerdict(did, chain, op)).ok
    const r = await refVerdict(did, chain, op)
    expect(w).not.toBe(r)
    expect(w).toBe(WELKIN_ACCEPTS_MORE.includes(name))
  })
})
