// fast-check arbitraries for fuzzing the PDS's XRPC methods: parameters and JSON input shaped
// by each method's lexicon (following refs and unions), drawn from pools of values that mean
// something to the server under test (its DIDs, handles, CIDs) mixed with malformed ones. In
// `tidy` mode the request is what a sloppy client might send, so it reaches deep into the
// handler; in `wild` mode any part may be missing, repeated, of the wrong type or random JSON.
import type { Lexicons, LexXrpcDef } from '@welkin/lexicon'
import fc from 'fast-check'

/** Values of one kind: `good` ones name real things on the server under test, `bad` ones are malformed or unknown. */
export interface Pool {
  good: string[]
  bad: string[]
}

export interface Pools {
  dids: Pool
  handles: Pool
  cids: Pool
  rkeys: Pool
  collections: Pool
  uris: Pool
}

export type Mode = 'tidy' | 'wild'

/** A lexicon type definition as found inside documents (refs and unions included), read loosely. */
type TypeDef = { type: string } & Record<string, unknown>

const GARBAGE_STRINGS = [
  '',
  ' ',
  'null',
  'undefined',
  '\u0000',
  '..',
  '../../etc/passwd',
  '%00',
  '\u202e',
  'x'.repeat(3000),
]

/** Pools of `good` values from the server under test, with malformed and unknown ones added. */
export function defaultPools(good: { [K in keyof Pools]: string[] }): Pools {
  return {
    dids: {
      good: good.dids,
      bad: [
        'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
        'did:web:localhost',
        'did:web:example.com',
        'did:x',
        'did:plc:',
        `did:plc:${'a'.repeat(2100)}`,
      ],
    },
    handles: {
      good: good.handles,
      bad: ['nobody.test', 'a.b', 'handle', 'UPPER.TEST', `${'a'.repeat(70)}.test`, '-bad-.test'],
    },
    cids: {
      good: good.cids,
      bad: [
        'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
        'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy',
        'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG',
        'bafy',
        'b',
      ],
    },
    rkeys: {
      good: [...good.rkeys, 'self'],
      bad: ['3jzfcijpj2z2a', '2222222222222', '.', '..', 'a/b', 'x'.repeat(600), 'with space'],
    },
    collections: {
      good: [
        ...good.collections,
        'app.bsky.feed.post',
        'app.bsky.feed.like',
        'app.bsky.actor.profile',
        'app.bsky.graph.follow',
      ],
      bad: ['com.example.unknown', 'not-an-nsid', 'a.b'],
    },
    uris: {
      good: good.uris,
      bad: [
        'at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3jzfcijpj2z2a',
        'at://nobody.test',
        'at://',
        'https://example.com/x',
      ],
    },
  }
}

/**
 * Mostly a good value, sometimes a bad one. Tidy requests favour the first good value (the
 * caller's own DID, the collection that takes posts), so a write's fields tend to agree.
 */
function fromPool(p: Pool, mode: Mode): fc.Arbitrary<string> {
  if (p.good.length === 0) return fc.constantFrom(...p.bad)
  const good = fc.constantFrom(...p.good)
  const bad = fc.constantFrom(...p.bad)
  if (mode === 'wild') return fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: bad })
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(p.good[0]) },
    { weight: 2, arbitrary: good },
    { weight: 1, arbitrary: bad },
  )
}

const TID_FIRST = '234567abcdefghij'
const BASE32_SORT = '234567abcdefghijklmnopqrstuvwxyz'
/** A syntactically valid TID (tid.md), so a tidy create names a key nobody has used. */
const freshTid = fc
  .tuple(
    fc.constantFrom(...TID_FIRST),
    fc.array(fc.constantFrom(...BASE32_SORT), { minLength: 12, maxLength: 12 }),
  )
  .map(([first, rest]) => first + rest.join(''))

const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...GARBAGE_STRINGS),
)

/** `right` in tidy mode; in wild mode, sometimes `wrong` instead. */
function maybeWrong<T>(mode: Mode, right: fc.Arbitrary<T>, wrong: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return mode === 'tidy' ? right : fc.oneof({ weight: 5, arbitrary: right }, { weight: 1, arbitrary: wrong })
}

/** A string for a lexicon `format` (or for none). */
export function formatString(
  format: string | undefined,
  pools: Pools,
  mode: Mode = 'wild',
): fc.Arbitrary<string> {
  const right: Record<string, fc.Arbitrary<string>> = {
    did: fromPool(pools.dids, mode),
    handle: fromPool(pools.handles, mode),
    'at-identifier': fc.oneof(fromPool(pools.dids, mode), fromPool(pools.handles, mode)),
    nsid: fromPool(pools.collections, mode),
    'record-key': fc.oneof(fromPool(pools.rkeys, mode), freshTid),
    tid: fc.oneof(fromPool(pools.rkeys, mode), freshTid),
    cid: fromPool(pools.cids, mode),
    'at-uri': fromPool(pools.uris, mode),
    datetime: fc.constantFrom(
      new Date().toISOString(),
      '2024-01-01T00:00:00Z',
      '1970-01-01T00:00:00.000Z',
      'yesterday',
      '2024-13-45T99:99:99Z',
    ),
    uri: fc.constantFrom('https://example.com', 'http://127.0.0.1:1/', 'not a uri', 'javascript:alert(1)'),
    language: fc.constantFrom('en', 'pt-BR', 'x-???'),
  }
  const r = format === undefined ? undefined : right[format]
  if (r === undefined) return mode === 'tidy' ? fc.string({ maxLength: 30 }) : anyString
  return maybeWrong(mode, r, anyString)
}

function integerString(def: { minimum?: number; maximum?: number }, mode: Mode): fc.Arbitrary<string> {
  const inRange = fc.integer({ min: def.minimum ?? 0, max: def.maximum ?? 1000 }).map(String)
  return maybeWrong(
    mode,
    inRange,
    fc.constantFrom('-1', '1e3', 'NaN', '9007199254740993', '0x10', '', '1.5', ' 5', '100000'),
  )
}

/** Query parameters for a method: each declared one, and in wild mode strays and repeats. */
export function paramsFor(
  def: LexXrpcDef,
  pools: Pools,
  mode: Mode = 'wild',
): fc.Arbitrary<[string, string][]> {
  const props = Object.entries(def.parameters?.properties ?? {})
  const required = new Set(def.parameters?.required ?? [])
  const one = ([name, p]: [string, unknown]): fc.Arbitrary<[string, string][]> => {
    const d = p as {
      type: string
      format?: string
      minimum?: number
      maximum?: number
      items?: { type: string; format?: string }
    }
    let value: fc.Arbitrary<string>
    if (d.type === 'integer') value = integerString(d, mode)
    else if (d.type === 'boolean')
      value = maybeWrong(mode, fc.constantFrom('true', 'false'), fc.constantFrom('yes', '1', ''))
    else if (d.type === 'array')
      value =
        d.items?.type === 'integer' ? integerString({}, mode) : formatString(d.items?.format, pools, mode)
    else value = formatString(d.format, pools, mode)
    let count: fc.Arbitrary<number>
    if (d.type === 'array') count = fc.integer({ min: required.has(name) ? 1 : 0, max: 3 })
    else if (mode === 'tidy') count = required.has(name) ? fc.constant(1) : fc.constantFrom(0, 1)
    else
      count = fc.oneof(
        { weight: 8, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: fc.constantFrom(0, 2) },
      )
    return count.chain((n) =>
      fc.array(value, { minLength: n, maxLength: n }).map((vs) => vs.map((v): [string, string] => [name, v])),
    )
  }
  const stray =
    mode === 'tidy'
      ? fc.constant([])
      : fc.array(
          fc.tuple(fc.constantFrom('cursor', 'limit', 'x', '__proto__', 'constructor', ''), anyString),
          { maxLength: 2 },
        )
  return fc
    .tuple(fc.tuple(...props.map(one)), stray)
    .map(([declared, extra]) => [...declared.flat(), ...extra])
}

function blobLike(pools: Pools, mode: Mode): fc.Arbitrary<unknown> {
  return fc.record(
    {
      $type: maybeWrong(mode, fc.constant('blob'), fc.constant('nope')),
      ref: maybeWrong<unknown>(mode, fc.record({ $link: formatString('cid', pools, mode) }), anyString),
      mimeType: fc.constantFrom('image/png', 'image/jpeg', 'text/html', '', '*/*'),
      size: maybeWrong(mode, fc.nat({ max: 10_000_000 }), fc.constantFrom(-1, 1.5, 2 ** 60)),
    },
    { requiredKeys: mode === 'tidy' ? ['$type', 'ref', 'mimeType', 'size'] : [] },
  )
}

/** For `unknown` (records in createRecord and friends): mostly a valid post, or an odd record. */
function recordLike(pools: Pools, mode: Mode): fc.Arbitrary<unknown> {
  const post = fc.record({
    $type: fc.constant('app.bsky.feed.post'),
    text: fc.string({ maxLength: 40 }),
    createdAt: fc.constant(new Date().toISOString()),
  })
  const odd = fc.record(
    {
      $type: fromPool(pools.collections, mode),
      text: anyString,
      createdAt: formatString('datetime', pools, mode),
      subject: fc.oneof(
        formatString('did', pools, mode),
        fc.record({ uri: formatString('at-uri', pools, mode), cid: formatString('cid', pools, mode) }),
      ),
      displayName: anyString,
      avatar: blobLike(pools, mode),
    },
    { requiredKeys: ['$type'] },
  )
  return fc.oneof({ weight: 3, arbitrary: post }, { weight: 2, arbitrary: odd })
}

/** A value for a lexicon type; `depth` bounds recursive refs. */
export function valueFor(
  lex: Lexicons,
  def: TypeDef | undefined,
  base: string,
  pools: Pools,
  mode: Mode = 'wild',
  depth = 0,
): fc.Arbitrary<unknown> {
  const noise = fc.jsonValue({ maxDepth: 2 })
  if (def === undefined || depth > 5) return mode === 'tidy' ? fc.constant({}) : noise
  const d = def
  const sub = (x: unknown, b: string) => valueFor(lex, x as TypeDef | undefined, b, pools, mode, depth + 1)
  let right: fc.Arbitrary<unknown>
  switch (d.type) {
    case 'string':
      right =
        Array.isArray(d.knownValues) && d.knownValues.length > 0 && mode === 'tidy'
          ? fc.constantFrom(...(d.knownValues as string[]))
          : formatString(d.format as string | undefined, pools, mode)
      break
    case 'integer':
      right = maybeWrong(
        mode,
        fc.integer({ min: (d.minimum as number) ?? 0, max: (d.maximum as number) ?? 1000 }),
        fc.constantFrom(-1, 2 ** 53, -(2 ** 53)),
      )
      break
    case 'boolean':
      right = fc.boolean()
      break
    case 'blob':
      right = blobLike(pools, mode)
      break
    case 'cid-link':
      right = fc.record({ $link: formatString('cid', pools, mode) })
      break
    case 'bytes':
      right = fc.record({ $bytes: maybeWrong(mode, fc.constant('aGVsbG8'), fc.constantFrom('!!!', '')) })
      break
    case 'unknown':
      right = recordLike(pools, mode)
      break
    case 'ref':
      right = sub(lex.getDef(d.ref as string, base), refBase(d.ref as string, base))
      break
    case 'union': {
      const refs = d.refs as string[]
      right =
        refs.length === 0
          ? fc.constant({})
          : fc.constantFrom(...refs).chain((ref) => {
              const full = ref.startsWith('#') ? `${base}${ref}` : ref
              return sub(lex.getDef(ref, base), refBase(ref, base)).map((v) =>
                v !== null && typeof v === 'object' && !Array.isArray(v) ? { $type: full, ...v } : v,
              )
            })
      break
    }
    case 'array':
      right = fc.array(sub(d.items, base), { minLength: mode === 'tidy' ? 1 : 0, maxLength: 5 })
      break
    case 'object':
    case 'record':
      right = objectFor((d.type === 'record' ? d.record : d) as TypeDef, base, mode, sub)
      break
    default:
      right = mode === 'tidy' ? fc.constant(null) : noise
  }
  return mode === 'tidy' ? right : fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: noise })
}

function refBase(ref: string, base: string): string {
  return ref.startsWith('#') ? base : ref.split('#')[0]
}

function objectFor(
  obj: TypeDef,
  base: string,
  mode: Mode,
  sub: (def: unknown, base: string) => fc.Arbitrary<unknown>,
): fc.Arbitrary<unknown> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [k, v] of Object.entries((obj.properties ?? {}) as Record<string, unknown>))
    shape[k] = sub(v, base)
  const required = ((obj.required ?? []) as string[]).filter((k) => k in shape)
  if (mode === 'tidy') {
    // Optional fields (swaps, cursors, flags) are there a third of the time.
    const ABSENT = Symbol('absent')
    const fields = Object.entries(shape).map(([k, arb]) =>
      (required.includes(k)
        ? arb
        : fc.oneof({ weight: 2, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: arb })
      ).map((v): [string, unknown] => [k, v]),
    )
    return fc.tuple(...fields).map((kvs) => Object.fromEntries(kvs.filter(([, v]) => v !== ABSENT)))
  }
  return fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.record(shape, { requiredKeys: required }) },
        { weight: 1, arbitrary: fc.record(shape, { requiredKeys: [] }) },
      ),
      fc.dictionary(fc.constantFrom('extra', '$type', '__proto__', 'x'), fc.jsonValue({ maxDepth: 1 }), {
        maxKeys: 1,
      }),
      fc.boolean(),
    )
    .map(([value, extra, addExtra]) => (addExtra ? { ...extra, ...value } : value))
}

/** The JSON input for a procedure, or undefined when it takes none. */
export function inputFor(
  lex: Lexicons,
  nsid: string,
  def: LexXrpcDef,
  pools: Pools,
  mode: Mode = 'wild',
): fc.Arbitrary<unknown> {
  const schema = def.type === 'procedure' ? def.input?.schema : undefined
  if (schema === undefined)
    return mode === 'tidy'
      ? fc.constant(undefined)
      : fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }))
  return valueFor(lex, schema as unknown as TypeDef, nsid, pools, mode)
}
