// The direct node codec against the generic one: byte-identical writes, and a parser that never
// accepts what the generic path rejects, nor reads anything differently.
import { CID, DAG_CBOR, RAW } from '@welkin/data'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeNodeGeneric, encodeNodeGeneric } from './codec.js'
import { leadingZerosOnHash } from './key.js'
import { MST } from './mst.js'
import { type Entry, MstNode, withGap } from './node.js'
import { parseNode } from './wire.js'
import { writeNode } from './wire-write.js'

const cidArb = (codes: number[]) =>
  fc
    .tuple(fc.constantFrom(...codes), fc.uint8Array({ minLength: 32, maxLength: 32 }))
    .map(([code, digest]) => CID.create(code, digest))
const anyCid = cidArb([DAG_CBOR, RAW])
const nodeCidArb = cidArb([DAG_CBOR])

// Keys sharing collection prefixes (long common prefixes), some long enough for 1- and 2-byte
// length heads, and the edge characters of the allowed set.
const rkeyChars = 'abcz0239.-_~:ABZ'
const keyArb = fc
  .tuple(
    fc.constantFrom('app.bsky.feed.post', 'app.bsky.feed.like', 'a.b', 'c', 'com.example.x'),
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.string({ unit: fc.constantFrom(...rkeyChars), minLength: 1, maxLength: 14 }),
      },
      {
        weight: 3,
        arbitrary: fc.string({ unit: fc.constantFrom(...rkeyChars), minLength: 20, maxLength: 40 }),
      },
      {
        weight: 1,
        arbitrary: fc.string({ unit: fc.constantFrom(...rkeyChars), minLength: 250, maxLength: 300 }),
      },
    ),
  )
  .map(([c, r]) => `${c}/${r}`)
  .filter((k) => !/\/\.\.?$/.test(k))

interface NodeSpec {
  layer: number
  left: CID | null
  entries: { key: string; value: CID; right: CID | null }[]
}

const nodeSpecArb: fc.Arbitrary<NodeSpec> = fc
  .tuple(
    fc.integer({ min: 0, max: 3 }),
    fc.uniqueArray(keyArb, { maxLength: 8 }),
    fc.option(nodeCidArb),
    fc.array(fc.tuple(anyCid, fc.option(nodeCidArb)), { minLength: 8, maxLength: 8 }),
  )
  .map(([layer, keys, left, rest]) => {
    keys.sort()
    return {
      layer,
      left: layer === 0 ? null : left,
      entries: keys.map((key, i) => ({ key, value: rest[i][0], right: layer === 0 ? null : rest[i][1] })),
    }
  })

function build(spec: NodeSpec): MstNode {
  const stub = (cid: CID | null) => (cid === null ? null : MstNode.stub(cid, spec.layer - 1))
  return MstNode.build(
    spec.layer,
    stub(spec.left),
    spec.entries.map((e) => ({ key: e.key, value: e.value, right: stub(e.right) })),
  )
}

/** What a decoded node holds, in comparable form. */
function summary(layer: number, left: MstNode | null, entries: readonly Entry[]) {
  return {
    layer,
    left: left?.cid?.toString() ?? null,
    leftLayer: left?.layer ?? null,
    entries: entries.map((e) => [
      e.key,
      e.value.toString(),
      e.right?.cid?.toString() ?? null,
      e.right?.layer,
    ]),
  }
}

function generic(bytes: Uint8Array, layer: number, checkLayers: boolean) {
  const node = MstNode.stub(CID.create(DAG_CBOR, new Uint8Array(32)), layer)
  try {
    decodeNodeGeneric(node, bytes, { checkLayers, maxEntries: 1024 })
  } catch {
    return null
  }
  return summary(node.layer, node.left, node.entries!)
}

function fast(bytes: Uint8Array, layer: number, checkLayers: boolean) {
  const parsed = parseNode(bytes, layer, checkLayers, 1024)
  return parsed === null ? null : summary(parsed.layer, parsed.left, parsed.entries)
}

function mutate(bytes: Uint8Array, kind: number, at: number, value: number): Uint8Array {
  const i = at % (bytes.length + 1)
  switch (kind) {
    case 0: {
      const out = bytes.slice()
      if (i < out.length) out[i] = value
      return out
    }
    case 1: {
      const out = bytes.slice()
      if (i < out.length) out[i] ^= 1 << (value & 7)
      return out
    }
    case 2:
      return bytes.slice(0, i)
    case 3:
      return new Uint8Array([...bytes.subarray(0, i), value, ...bytes.subarray(i)])
    default:
      return new Uint8Array([...bytes.subarray(0, i), ...bytes.subarray(i + 1)])
  }
}

describe('MST wire codec', () => {
  it('writes exactly what the generic encoder writes', () => {
    fc.assert(
      fc.property(nodeSpecArb, (spec) => {
        const node = build(spec)
        expect(writeNode(node)).toEqual(encodeNodeGeneric(node))
      }),
      { numRuns: 300 },
    )
  })

  it('parses what the generic decoder parses, the same way, at a known layer and as a root', () => {
    fc.assert(
      fc.property(nodeSpecArb, (spec) => {
        const bytes = encodeNodeGeneric(build(spec))
        const want = generic(bytes, spec.layer, false)
        expect(want).not.toBeNull()
        expect(fast(bytes, spec.layer, false)).toEqual(want)
        // As a root the layer comes from the first key (and an empty root cannot link down).
        expect(fast(bytes, -1, false)).toEqual(generic(bytes, -1, false))
      }),
      { numRuns: 500 },
    )
  })

  it('never accepts mutated bytes the generic path rejects, nor reads them differently', () => {
    let accepted = 0
    fc.assert(
      fc.property(
        nodeSpecArb,
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.boolean(),
        (spec, edits, asRoot) => {
          let bytes = encodeNodeGeneric(build(spec))
          for (const [kind, at, value] of edits) bytes = mutate(bytes, kind, at, value)
          const layer = asRoot ? -1 : spec.layer
          const got = fast(bytes, layer, false)
          if (got === null) return
          accepted++
          expect(generic(bytes, layer, false)).toEqual(got)
        },
      ),
      { numRuns: 3000 },
    )
    // Mutations inside digests keep a node valid: the comparison above did run.
    expect(accepted).toBeGreaterThan(100)
  })

  it('checks key layers like the generic path', () => {
    const keys = Array.from(
      { length: 300 },
      (_, i) => `app.bsky.feed.post/3k${String(i * 7919).padStart(11, 'a')}`,
    )
    const tree = MST.fromEntries(keys.map((key) => ({ key, cid: CID.create(RAW, new Uint8Array(32)) })))
    const { blocks } = tree.getUnstoredBlocks()
    for (const { bytes } of blocks) {
      expect(fast(bytes, -1, true)).toEqual(generic(bytes, -1, true))
      let layers = 0
      for (let layer = 0; layer < 16; layer++) {
        const want = generic(bytes, layer, true)
        expect(fast(bytes, layer, true)).toEqual(want)
        if (want !== null) layers++
      }
      // A node holding keys fits one layer only; an empty inner node, any but 0.
      expect(layers).toBe(bytes[3] === 0x80 ? 15 : 1)
    }
    expect(keys.some((k) => leadingZerosOnHash(k) > 0)).toBe(true)
  })

  it('refuses non-canonical forms the generic decoder refuses', () => {
    const spec: NodeSpec = {
      layer: 1,
      left: null,
      entries: [
        { key: 'a.b/c', value: CID.create(RAW, new Uint8Array(32)), right: null },
        { key: 'a.b/d', value: CID.create(DAG_CBOR, new Uint8Array(32)), right: null },
      ],
    }
    const bytes = encodeNodeGeneric(build(spec))
    const hex = Buffer.from(bytes).toString('hex')
    const variants = [
      hex.replace('a4616b45', 'a4616b5805'), // key length in a 1-byte head
      hex.replace('617000', '61701800'), // p = 0 in a 1-byte head
      hex.replace(/^a2616582/, 'a261659802'), // entry count in a 1-byte head
      hex.replace(/^a2616582/, 'a261659f').concat('ff'), // indefinite-length array
    ]
    for (const v of variants) {
      const b = new Uint8Array(Buffer.from(v, 'hex'))
      expect(b).not.toEqual(bytes)
      expect(fast(b, 1, false)).toBeNull()
      expect(generic(b, 1, false)).toBeNull()
    }
  })

  it('writes edited copies of parsed nodes exactly, copying unchanged entries', () => {
    fc.assert(
      fc.property(
        nodeSpecArb.filter((s) => s.entries.length > 0 && s.layer > 0),
        fc.nat(),
        keyArb,
        nodeCidArb,
        (spec, at, extra, link) => {
          const parsed = parseNode(encodeNodeGeneric(build(spec)), spec.layer, false, 1024)!
          const node = MstNode.build(parsed.layer, parsed.left, parsed.entries)
          const i = at % parsed.entries.length
          const stub = MstNode.stub(link, spec.layer - 1)
          const edits: MstNode[] = [
            node,
            withGap(node, i, stub),
            withGap(node, i + 1, stub),
            MstNode.build(
              node.layer,
              node.left,
              parsed.entries.filter((_, j) => j !== i),
            ),
            MstNode.build(node.layer, node.left, parsed.entries.slice(i)),
          ]
          if (!parsed.entries.some((e) => e.key === extra)) {
            const entries = [...parsed.entries, { key: extra, value: link, right: null }]
            entries.sort((a, b) => (a.key < b.key ? -1 : 1))
            edits.push(MstNode.build(node.layer, node.left, entries))
          }
          for (const edited of edits) expect(writeNode(edited)).toEqual(encodeNodeGeneric(edited))
        },
      ),
      { numRuns: 150 },
    )
  })
})
