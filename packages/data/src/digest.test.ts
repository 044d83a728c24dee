// The string-returning SHA-256 and what is built on it: CIDs from content, CAR headers read
// without the generic decoder.
import { sha256 } from '@welkin/crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseHeader } from './car-format.js'
import { readCarSync } from './car-read.js'
import { encodeCar } from './car-write.js'
import { decodeCbor } from './cbor-decode.js'
import { encodeCbor } from './cbor-encode.js'
import { CID, cidFromDigestString, cidView, DAG_CBOR, RAW } from './cid.js'
import { cidForCbor, cidForRaw } from './cid-for.js'
import { digestEquals, sha256Latin1, sha256Latin1Portable } from './digest.js'
import { cidArb } from './testing.js'
import { encodeUtf8 } from './utf8.js'

const latin1 = (b: Uint8Array) => String.fromCharCode(...b)

describe('sha256Latin1', () => {
  it('is SHA-256, one character per byte; strings are hashed as UTF-8', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        (b, s) => {
          expect(sha256Latin1(b)).toBe(latin1(sha256(b)))
          expect(sha256Latin1(s)).toBe(latin1(sha256(encodeUtf8(s))))
          // What browsers get.
          expect(sha256Latin1Portable(b)).toBe(sha256Latin1(b))
          expect(sha256Latin1Portable(s)).toBe(sha256Latin1(s))
        },
      ),
      { numRuns: 200 },
    )
    // FIPS 180-2 example "abc".
    expect(Buffer.from(sha256Latin1('abc'), 'latin1').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })

  it('hashes views, not their whole buffer', () => {
    const buf = new Uint8Array([9, 1, 2, 3, 9])
    expect(sha256Latin1(buf.subarray(1, 4))).toBe(latin1(sha256(new Uint8Array([1, 2, 3]))))
  })

  it('compares with digests inside larger buffers', () => {
    const d = sha256Latin1('x')
    const buf = new Uint8Array(40)
    buf.set(sha256(encodeUtf8('x')), 5)
    expect(digestEquals(d, buf, 5)).toBe(true)
    buf[36] ^= 1
    expect(digestEquals(d, buf, 5)).toBe(false)
  })
})

describe('CIDs from digest strings and views', () => {
  it('match CID.create', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom(DAG_CBOR, RAW),
        (d, code) => {
          const cid = cidFromDigestString(code, latin1(d))
          expect(cid.equals(CID.create(code, d))).toBe(true)
          expect(cid.toString()).toBe(CID.create(code, d).toString())
        },
      ),
    )
    const bytes = new Uint8Array([7, 7, 7])
    expect(cidForRaw(bytes).equals(CID.create(RAW, sha256(bytes)))).toBe(true)
    expect(cidForCbor(bytes).equals(CID.create(DAG_CBOR, sha256(bytes)))).toBe(true)
  })

  it('view blessed CIDs in place and refuse anything else', () => {
    fc.assert(
      fc.property(cidArb, fc.nat(8), (cid, at) => {
        const buf = new Uint8Array(at + 40)
        buf.set(cid.bytes, at)
        const view = cidView(buf, at)!
        expect(view.equals(cid)).toBe(true)
        buf[at + 4] ^= 1
        expect(view.equals(cid)).toBe(false)
        expect(cidView(buf, at + 5)).toBeNull()
        expect(cidView(buf, buf.length - 35)).toBeNull()
      }),
    )
  })
})

describe('CAR header fast path', () => {
  it('reads a single-root header as the generic decoder does, and leaves the rest to it', () => {
    fc.assert(
      fc.property(cidArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (root, at, v) => {
        const header = encodeCbor({ version: 1, roots: [root] })
        expect(parseHeader(header, 0).map(String)).toEqual([root.toString()])
        const mutated = header.slice()
        mutated[at % header.length] = v
        let want: CID[] | string
        try {
          const h = decodeCbor(mutated) as { version?: unknown; roots?: unknown }
          // A header is only valid with CIDs for roots: `roots: [[-11, bytes]]` decodes as CBOR
          // but is no CAR header (a mutated tag byte gives exactly that).
          const roots = Array.isArray(h.roots) && h.roots.every((r) => r instanceof CID)
          want = h.version === 1 && roots ? (h.roots as CID[]) : 'bad'
        } catch {
          want = 'bad'
        }
        let got: CID[] | string
        try {
          got = parseHeader(mutated, 0)
        } catch {
          got = 'bad'
        }
        if (typeof want === 'string' || typeof got === 'string') expect(got).toEqual(want)
        else expect(got.map(String)).toEqual(want.map(String))
      }),
      { numRuns: 1000 },
    )
  })
})

describe('CID map keys', () => {
  it('are the same however the CID was made', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom(DAG_CBOR, RAW),
        (d, code) => {
          const made = CID.create(code, d)
          const fromDigest = cidFromDigestString(code, latin1(d))
          const parsed = CID.parse(made.toString())
          expect(fromDigest.key).toBe(made.key)
          expect(parsed.key).toBe(made.key)
          expect(made.key).toBe(code === DAG_CBOR ? latin1(d) : `r${latin1(d)}`)
        },
      ),
    )
  })

  it('of blocks read from a CAR match keys computed from the bytes', () => {
    const blocks = [new Uint8Array([1, 2, 3]), encodeCbor({ a: 1 })]
    const cids = [cidForRaw(blocks[0]), cidForCbor(blocks[1])]
    const car = encodeCar(
      [cids[1]],
      blocks.map((bytes, i) => ({ cid: cids[i], bytes })),
    )
    const read = readCarSync(car).blocks
    for (const [i, cid] of cids.entries()) {
      expect(read.get(CID.parse(cid.toString()))).toEqual(blocks[i])
      expect([...read.cids()][i].key).toBe(CID.decode(cid.bytes).key)
    }
  })
})
