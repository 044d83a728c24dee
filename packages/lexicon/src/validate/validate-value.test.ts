import { CID } from '@welkin/data'
import { describe, expect, it } from 'vitest'
import { LexiconDefTypeError, ValidationError } from '../errors.js'
import { Lexicons } from '../lexicons.js'

const ID = 'com.example.t'
const CID_STR = 'bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq'
const RAW_CID_STR = 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy'
const cid = () => CID.parse(CID_STR)
const blob = (mimeType = 'image/png', size = 1000) => ({
  $type: 'blob',
  ref: CID.parse(RAW_CID_STR),
  mimeType,
  size,
})

/** A set holding one object def `com.example.t` with property `v`, plus helpers it may refer to. */
function setWith(schema: unknown, extraDefs: Record<string, unknown> = {}, opts = {}): Lexicons {
  return new Lexicons(
    [{ lexicon: 1, id: ID, defs: { main: { type: 'object', properties: { v: schema } }, ...extraDefs } }],
    opts,
  )
}

function check(schema: unknown, value: unknown, extraDefs: Record<string, unknown> = {}): string | null {
  const result = setWith(schema, extraDefs).validate(ID, { v: value })
  return result.success ? null : result.error.message
}

describe('scalar types', () => {
  it('null', () => {
    expect(check({ type: 'null' }, null)).toBeNull()
    expect(check({ type: 'null' }, 0)).toBe('Value/v must be null, not a number')
  })

  it('boolean with const', () => {
    expect(check({ type: 'boolean' }, false)).toBeNull()
    expect(check({ type: 'boolean' }, 'true')).toBe('Value/v must be a boolean, not a string')
    expect(check({ type: 'boolean', const: true }, false)).toBe('Value/v must be true')
  })

  it('integer ranges, enums, consts; no floats', () => {
    const s = { type: 'integer', minimum: -2, maximum: 5 }
    expect(check(s, -2)).toBeNull()
    expect(check(s, 5)).toBeNull()
    expect(check(s, 6)).toBe('Value/v can not be greater than 5')
    expect(check(s, -3)).toBe('Value/v can not be less than -2')
    expect(check(s, 1.5)).toBe('Value/v must be an integer')
    expect(check(s, Number.NaN)).toBe('Value/v must be an integer')
    expect(check({ type: 'integer' }, 2 ** 53)).toBe('Value/v must be an integer')
    expect(check({ type: 'integer', enum: [1, 2] }, 3)).toBe('Value/v must be one of (1|2)')
    expect(check({ type: 'integer', const: 0 }, 1)).toBe('Value/v must be 0')
  })

  it('string lengths count UTF-8 bytes', () => {
    const s = { type: 'string', minLength: 2, maxLength: 4 }
    expect(check(s, 'ab')).toBeNull()
    expect(check(s, 'é')).toBeNull() // 2 bytes
    expect(check(s, 'a')).toBe('Value/v must not be shorter than 2 bytes (UTF-8)')
    expect(check(s, 'éé€')).toBe('Value/v must not be longer than 4 bytes (UTF-8)')
    expect(check(s, '😀')).toBeNull() // 4 bytes
    expect(check(s, 'abcde')).toMatch(/longer than 4 bytes/)
  })

  it('string graphemes count clusters', () => {
    const s = { type: 'string', minGraphemes: 2, maxGraphemes: 3 }
    expect(check(s, '👩‍👩‍👦‍👦🇩🇪🏳️‍🌈')).toBeNull()
    expect(check(s, '👩‍👩‍👦‍👦')).toBe('Value/v must not be shorter than 2 graphemes')
    expect(check(s, 'abcd')).toBe('Value/v must not be longer than 3 graphemes')
    expect(check(s, 'e\u0301e\u0301e\u0301')).toBeNull()
  })

  it('string enum and const are closed; knownValues is advisory', () => {
    expect(check({ type: 'string', enum: ['a', 'b'] }, 'c')).toBe('Value/v must be one of (a|b)')
    expect(check({ type: 'string', const: 'a' }, 'b')).toBe('Value/v must be "a"')
    expect(check({ type: 'string', knownValues: ['a'] }, 'zzz')).toBeNull()
  })

  it.each([
    ['at-identifier', 'alice.example.com', 'not an identifier'],
    ['at-identifier', 'did:plc:z72i7hdynmk6r22z27h6tvur', 'did:'],
    ['at-uri', 'at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3jzfcijpj2z2a', 'https://x.com'],
    ['cid', CID_STR, 'bafy'],
    ['datetime', '1985-04-12T23:20:50.123Z', '1985-04-12'],
    ['did', 'did:web:example.com', 'did:'],
    ['handle', 'alice.bsky.social', 'alice'],
    ['nsid', 'app.bsky.feed.post', 'app'],
    ['tid', '3jzfcijpj2z2a', '3jzfcijpj2z2'],
    ['record-key', 'self', '..'],
    ['uri', 'https://example.com/a?b#c', 'example'],
    ['language', 'pt-BR', 'english!'],
  ])('string format %s', (format, good, bad) => {
    expect(check({ type: 'string', format }, good)).toBeNull()
    expect(check({ type: 'string', format }, bad)).toMatch(/^Value\/v must be /)
  })

  it('bytes', () => {
    const s = { type: 'bytes', minLength: 1, maxLength: 2 }
    expect(check(s, new Uint8Array([1]))).toBeNull()
    expect(check(s, new Uint8Array(0))).toBe('Value/v must not be shorter than 1 bytes')
    expect(check(s, new Uint8Array(3))).toBe('Value/v must not be longer than 2 bytes')
    expect(check(s, 'AQ')).toBe('Value/v must be bytes, not a string')
    expect(check(s, { $bytes: 'AQ' })).toMatch(/jsonToData/)
  })

  it('cid-link', () => {
    expect(check({ type: 'cid-link' }, cid())).toBeNull()
    expect(check({ type: 'cid-link' }, CID_STR)).toBe('Value/v must be a CID link, not a string')
    expect(check({ type: 'cid-link' }, { $link: CID_STR })).toMatch(/jsonToData/)
  })
})

describe('blob', () => {
  it('accepts blobs and checks accept patterns and size', () => {
    expect(check({ type: 'blob' }, blob())).toBeNull()
    expect(check({ type: 'blob', accept: ['image/*'] }, blob('image/jpeg'))).toBeNull()
    expect(check({ type: 'blob', accept: ['*/*'] }, blob('video/mp4'))).toBeNull()
    expect(check({ type: 'blob', accept: ['image/png', 'image/gif'] }, blob('image/gif'))).toBeNull()
    expect(check({ type: 'blob', accept: ['image/*'] }, blob('video/mp4'))).toBe(
      'Value/v/mimeType "video/mp4" is not accepted (image/*)',
    )
    expect(check({ type: 'blob', maxSize: 1000 }, blob('image/png', 1000))).toBeNull()
    expect(check({ type: 'blob', maxSize: 999 }, blob())).toBe(
      'Value/v/size 1000 bytes is over the limit of 999 bytes',
    )
  })

  it('accepts the legacy shape, which has no size to check', () => {
    const legacy = { cid: RAW_CID_STR, mimeType: 'image/png' }
    expect(check({ type: 'blob', maxSize: 1, accept: ['image/*'] }, legacy)).toBeNull()
    expect(check({ type: 'blob', accept: ['video/*'] }, legacy)).toMatch(/not accepted/)
  })

  it('names the broken field of a malformed blob', () => {
    // The wording of what makes a blob malformed is the data package's.
    expect(check({ type: 'blob' }, { ...blob(), ref: RAW_CID_STR })).toMatch(/^Value\/v .*ref must be a CID/)
    expect(check({ type: 'blob' }, { ...blob(), mimeType: '' })).toMatch(/^Value\/v .*mimeType/)
    expect(check({ type: 'blob' }, { ...blob(), size: 1.5 })).toMatch(/^Value\/v\/size .*integer/)
    expect(check({ type: 'blob' }, { ...blob(), size: -1 })).toMatch(/^Value\/v .*size/)
    expect(check({ type: 'blob' }, cid())).toMatch(/^Value\/v must be a blob/)
    expect(check({ type: 'blob' }, { type: 'blob', ref: cid(), mimeType: 'a/b', size: 1 })).toMatch(
      /^Value\/v must be a blob/,
    )
  })
})

describe('containers', () => {
  it('arrays: length and item paths', () => {
    const s = { type: 'array', items: { type: 'integer' }, minLength: 1, maxLength: 2 }
    expect(check(s, [1, 2])).toBeNull()
    expect(check(s, [])).toBe('Value/v must not have fewer than 1 elements')
    expect(check(s, [1, 2, 3])).toBe('Value/v must not have more than 2 elements')
    expect(check(s, [1, 'x'])).toBe('Value/v/1 must be an integer, not a string')
    expect(check(s, { 0: 1 })).toBe('Value/v must be an array, not an object')
  })

  it('objects: required, nullable, extra fields', () => {
    const s = {
      type: 'object',
      required: ['a', 'n'],
      nullable: ['n'],
      properties: { a: { type: 'integer' }, n: { type: 'string' }, o: { type: 'string' } },
    }
    expect(check(s, { a: 1, n: null, extra: 1.5 })).toBeNull()
    expect(check(s, { n: null })).toBe('Value/v must have the property "a"')
    expect(check(s, { a: 1 })).toBe('Value/v must have the property "n"')
    expect(check(s, { a: 1, n: null, o: null })).toBe('Value/v/o must not be null')
    expect(check(s, [1])).toBe('Value/v must be an object, not an array')
    expect(check(s, cid())).toMatch(/must be an object/)
  })

  it('objects ignore inherited properties', () => {
    const s = { type: 'object', required: ['constructor'], properties: { constructor: { type: 'string' } } }
    expect(check(s, {})).toBe('Value/v must have the property "constructor"')
    expect(check(s, { constructor: 'x' })).toBeNull()
  })

  it('refs to defs in the same and other documents', () => {
    expect(check({ type: 'ref', ref: '#str' }, 'x', { str: { type: 'string', maxLength: 1 } })).toBeNull()
    expect(check({ type: 'ref', ref: '#str' }, 'xy', { str: { type: 'string', maxLength: 1 } })).toMatch(
      /longer/,
    )
    expect(() => check({ type: 'ref', ref: '#tok' }, 'x', { tok: { type: 'token' } })).toThrow(
      LexiconDefTypeError,
    )
  })
})

describe('unions', () => {
  const defs = {
    a: { type: 'object', required: ['x'], properties: { x: { type: 'integer' } } },
    b: { type: 'object', properties: { y: { type: 'string' } } },
  }
  const open = { type: 'union', refs: ['#a', '#b'] }
  const closed = { ...open, closed: true }

  it('validates the variant named by $type', () => {
    expect(check(open, { $type: `${ID}#a`, x: 1 }, defs)).toBeNull()
    expect(check(open, { $type: `${ID}#a`, x: 'no' }, defs)).toBe(
      'Value/v/x must be an integer, not a string',
    )
    expect(check(closed, { $type: `${ID}#b` }, defs)).toBeNull()
  })

  it('requires $type', () => {
    expect(check(open, { x: 1 }, defs)).toBe('Value/v must be an object which includes the "$type" property')
    expect(check(open, 5, defs)).toBe('Value/v must be an object, not a number')
  })

  it('lets unknown types through open unions only', () => {
    expect(check(open, { $type: 'com.other.thing', z: 1 }, defs)).toBeNull()
    expect(check(closed, { $type: 'com.other.thing' }, defs)).toBe(
      `Value/v/$type "com.other.thing" must be one of ${ID}#a, ${ID}#b`,
    )
  })

  it('rejects a #main suffix in $type', () => {
    const s = { type: 'union', refs: ['com.example.t'] }
    expect(check(s, { $type: 'com.example.t#main' })).toMatch(/without "#main"/)
  })

  it('accepts record variants', () => {
    const set = new Lexicons([
      {
        lexicon: 1,
        id: 'com.example.rec',
        defs: {
          main: {
            type: 'record',
            key: 'tid',
            record: { type: 'object', properties: { n: { type: 'integer' } } },
          },
        },
      },
      {
        lexicon: 1,
        id: ID,
        defs: { main: { type: 'object', properties: { v: { type: 'union', refs: ['com.example.rec'] } } } },
      },
    ])
    expect(set.validate(ID, { v: { $type: 'com.example.rec', n: 1 } }).success).toBe(true)
    expect(set.validate(ID, { v: { $type: 'com.example.rec', n: '1' } }).success).toBe(false)
  })
})

describe('unknown', () => {
  const s = { type: 'unknown' }
  it('takes any object of atproto data', () => {
    expect(check(s, { $type: 'x.y.z', a: [1, 'b', null, cid(), new Uint8Array(1)], blob: blob() })).toBeNull()
    expect(check(s, {})).toBeNull()
  })
  it('refuses non-objects, blobs and JSON compound forms at the top', () => {
    expect(check(s, 'x')).toBe('Value/v must be an object, not a string')
    expect(check(s, [])).toBe('Value/v must be an object, not an array')
    expect(check(s, null)).toBe('Value/v must not be null')
    expect(check(s, blob())).toBe('Value/v must be an object, not a blob')
    expect(check(s, { $link: CID_STR })).toMatch(/\$link/)
    expect(check(s, cid())).toMatch(/must be an object/)
  })
  it('refuses what is not data inside', () => {
    expect(check(s, { a: { b: 1.5 } })).toMatch(/^Value\/v\/a\/b .*float/)
    expect(check(s, { a: [undefined] })).toMatch(/^Value\/v\/a\/0 /)
    expect(check(s, { a: () => 1 })).toMatch(/^Value\/v\/a function/)
    expect(check(s, { a: new Date() })).toMatch(/^Value\/v\/a /)
    expect(check(s, { b: { $type: 'blob', ref: 'x', mimeType: 'a/b', size: 1 } })).toMatch(
      /^Value\/v\/b .*CID/,
    )
    expect(check(s, { $type: 7 })).toMatch(/^Value\/v .*\$type/)
  })
})

describe('bounds', () => {
  it('stops at the depth limit, even on cyclic data', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const err = setWith({ type: 'unknown' }).validate(ID, { v: cyclic })
    expect(!err.success && err.error).toBeInstanceOf(ValidationError)
    expect(!err.success && err.error.message).toMatch(/too deep/)

    const nested = { type: 'ref', ref: '#node' }
    const node = { type: 'object', properties: { next: { type: 'ref', ref: '#node' } } }
    const set = setWith(nested, { node }, { maxDepth: 10 })
    let deep: Record<string, unknown> = {}
    for (let i = 0; i < 20; i++) deep = { next: deep }
    expect(set.validate(ID, { v: deep }).success).toBe(false)
    let shallow: Record<string, unknown> = {}
    for (let i = 0; i < 5; i++) shallow = { next: shallow }
    expect(set.validate(ID, { v: shallow }).success).toBe(true)
  })
})
