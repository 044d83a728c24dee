// @welkin/data hot paths against @ipld/dag-cbor + multiformats (the reference JS stack) and
// the raw sha256 ceiling, measured in the same run. Run: node --import tsx bench/data.bench.ts
import { createHash } from 'node:crypto'
import * as ipld from '@ipld/dag-cbor'
import {
  CID,
  cidForCbor,
  cidForRaw,
  type DataValue,
  dataToBlock,
  decodeCbor,
  encodeCar,
  encodeCbor,
  readCarStream,
  readCarSync,
  SYNC_SLICE_LIMITS,
} from '@welkin/data'
import { heading, measure, report } from './harness.js'

const SECONDS = 0.8

// Deterministic pseudo-random bytes so runs compare.
let seed = 42
function rand(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0
    out[i] = seed >>> 24
  }
  return out
}
const fakeCid = () => cidForCbor(rand(40))
const TID_CHARS = '234567abcdefghijklmnopqrstuvwxyz'
const tid = () => Array.from(rand(13), (b) => TID_CHARS[b & 31]).join('')

function post(i: number): DataValue {
  return {
    $type: 'app.bsky.feed.post',
    text: `Post number ${i}: the relay verifies commits faster than we can read them. Café ☕ #atproto`,
    langs: ['en'],
    createdAt: '2024-11-21T07:51:12.345Z',
    facets: [
      {
        $type: 'app.bsky.richtext.facet',
        index: { byteStart: 80, byteEnd: 88 },
        features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'atproto' }],
      },
    ],
    reply: {
      root: {
        uri: `at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/${tid()}`,
        cid: fakeCid().toString(),
      },
      parent: {
        uri: `at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/${tid()}`,
        cid: fakeCid().toString(),
      },
    },
    embed: {
      $type: 'app.bsky.embed.images',
      images: [
        {
          alt: 'a photo',
          image: { $type: 'blob', ref: cidForRaw(rand(64)), mimeType: 'image/jpeg', size: 734_211 },
          aspectRatio: { width: 2000, height: 1500 },
        },
      ],
    },
  }
}

/** An MST node as the repo spec lays it out: left link plus entries with prefix-compressed keys. */
function mstNode(entries: number): DataValue {
  const keys = Array.from({ length: entries }, () => `app.bsky.feed.post/${tid()}`).sort()
  let prev = ''
  const e = keys.map((key) => {
    let p = 0
    while (p < prev.length && key[p] === prev[p]) p++
    prev = key
    return {
      p,
      k: new TextEncoder().encode(key.slice(p)),
      v: fakeCid(),
      t: rand(1)[0] < 64 ? fakeCid() : null,
    }
  })
  return { l: fakeCid(), e }
}

// @ipld/dag-cbor needs its own CID objects: decoding our bytes with it yields exactly those.
const asIpld = (v: DataValue) => ipld.decode(encodeCbor(v))

async function cborBenches(): Promise<void> {
  for (const [name, value] of [
    ['post record', post(1)],
    ['MST node (16 entries)', mstNode(16)],
  ] as const) {
    const bytes = encodeCbor(value)
    const theirs = asIpld(value)
    if (Buffer.compare(ipld.encode(theirs), bytes) !== 0) throw new Error(`${name}: encodings differ`)
    heading(`DAG-CBOR ${name}, ${bytes.length} bytes`)
    const baseDec = await measure('@ipld/dag-cbor decode', () => ipld.decode(bytes), { seconds: SECONDS })
    const oursDec = await measure('welkin decodeCbor', () => decodeCbor(bytes), { seconds: SECONDS })
    report(baseDec)
    report(oursDec, baseDec)
    const baseEnc = await measure('@ipld/dag-cbor encode', () => ipld.encode(theirs), { seconds: SECONDS })
    const oursEnc = await measure('welkin encodeCbor', () => encodeCbor(value), { seconds: SECONDS })
    report(baseEnc)
    report(oursEnc, baseEnc)
  }
}

function sha256Ceiling(blocks: Uint8Array[]): void {
  for (const b of blocks) createHash('sha256').update(b).digest()
}

async function carBenches(): Promise<void> {
  // A repository-like CAR: records plus MST nodes, ~1 MB.
  const blocks = []
  for (let i = 0; i < 1500; i++) blocks.push(dataToBlock(post(i)))
  for (let i = 0; i < 150; i++) blocks.push(dataToBlock(mstNode(16)))
  const car = encodeCar([blocks[0].cid], blocks)
  const mb = car.length / 1e6
  heading(`CAR read, ${blocks.length} blocks, ${mb.toFixed(2)} MB`)
  const raw = blocks.map((b) => b.bytes)
  // Each call reads the whole CAR, so a few warm-up calls are enough.
  const whole = { seconds: SECONDS, warmupOps: 5 }
  const ceiling = await measure('sha256 of every block (ceiling)', () => sha256Ceiling(raw), whole)
  const sync = await measure('welkin readCarSync', () => readCarSync(car), whole)
  const chunks: Uint8Array[] = []
  for (let i = 0; i < car.length; i += 65536) chunks.push(car.subarray(i, i + 65536))
  const streamed = await measure(
    'welkin readCarStream (64 KiB chunks)',
    async () => {
      for await (const _ of readCarStream(chunks).blocks) {
        // drain
      }
    },
    whole,
  )
  const mbps = (m: typeof sync) => ({ ...m, opsPerSec: m.opsPerSec * mb })
  report(mbps(ceiling), undefined, 'MB/s')
  report(mbps(sync), mbps(ceiling), 'MB/s')
  report(mbps(streamed), mbps(ceiling), 'MB/s')

  // The relay's per-commit work in this package: read the CAR slice, decode commit + MST path.
  const commit = dataToBlock({
    did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz',
    version: 3,
    data: fakeCid(),
    rev: tid(),
    prev: null,
    sig: rand(64),
  })
  const path = [mstNode(16), mstNode(16), mstNode(8), mstNode(4)].map(dataToBlock)
  const slice = encodeCar([commit.cid], [commit, ...path, dataToBlock(post(7))])
  heading(`Firehose commit slice, ${slice.length} bytes (target: 20,000/s per core)`)
  const sliceRaw = [commit, ...path].map((b) => b.bytes)
  const sliceCeiling = await measure('sha256 of the slice blocks (ceiling)', () => sha256Ceiling(sliceRaw), {
    seconds: SECONDS,
  })
  const perCommit = await measure(
    'readCarSync + decode commit and MST nodes',
    () => {
      const { roots, blocks } = readCarSync(slice, SYNC_SLICE_LIMITS)
      decodeCbor(blocks.get(roots[0])!)
      for (const b of path) decodeCbor(blocks.get(b.cid)!)
    },
    { seconds: SECONDS },
  )
  report(sliceCeiling)
  report(perCommit, sliceCeiling, 'commits/s')
}

async function cidBenches(): Promise<void> {
  const cids = Array.from({ length: 1024 }, fakeCid)
  const strings = cids.map(String)
  const binaries = cids.map((c) => c.bytes)
  const MfCID = (
    asIpld(cids[0]) as {
      constructor: { parse(s: string): { toString(): string }; decode(b: Uint8Array): { toString(): string } }
    }
  ).constructor
  heading('CID parse / format')
  const baseParse = await measure('multiformats CID.parse', (i) => MfCID.parse(strings[i & 1023]), {
    seconds: SECONDS,
  })
  const oursParse = await measure('welkin CID.parse', (i) => CID.parse(strings[i & 1023]), {
    seconds: SECONDS,
  })
  report(baseParse)
  report(oursParse, baseParse)
  // Format from fresh binary CIDs so neither side answers from its string cache.
  const baseFmt = await measure(
    'multiformats decode + toString',
    (i) => MfCID.decode(binaries[i & 1023]).toString(),
    {
      seconds: SECONDS,
    },
  )
  const oursFmt = await measure(
    'welkin decode + toString',
    (i) => CID.decode(binaries[i & 1023]).toString(),
    {
      seconds: SECONDS,
    },
  )
  report(baseFmt)
  report(oursFmt, baseFmt)
}

await cborBenches()
await carBenches()
await cidBenches()
