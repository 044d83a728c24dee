import { describe, expect, it } from 'vitest'
import { decodeCbor, decodeCborMulti } from './cbor-decode.js'
import { encodeCbor } from './cbor-encode.js'
import type { CID } from './cid.js'
import { cidForRaw } from './cid-for.js'
import type { DataValue } from './data-value.js'
import { CborDecodeError, CborEncodeError } from './errors.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function decodeError(input: string): CborDecodeError {
  try {
    decodeCbor(hex(input))
  } catch (err) {
    expect(err).toBeInstanceOf(CborDecodeError)
    return err as CborDecodeError
  }
  throw new Error(`expected ${input} to be rejected`)
}

describe('encodeCbor', () => {
  it.each<[DataValue, string]>([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [4294967295, '1affffffff'],
    [4294967296, '1b0000000100000000'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
    [-1, '20'],
    [-24, '37'],
    [-25, '3818'],
    [-256, '38ff'],
    [-257, '390100'],
    [-Number.MAX_SAFE_INTEGER, '3b001ffffffffffffe'],
    [true, 'f5'],
    [false, 'f4'],
    [null, 'f6'],
    ['', '60'],
    ['a', '6161'],
    ['ü', '62c3bc'],
    ['😀', '64f09f9880'],
    [new Uint8Array([1, 2]), '420102'],
    [[], '80'],
    [[1, [2]], '82018102'],
    [{}, 'a0'],
  ])('encodes %j as %s', (value, expected) => {
    expect(toHex(encodeCbor(value))).toBe(expected)
    expect(encodeCbor(decodeCbor(hex(expected)))).toEqual(hex(expected))
  })

  it('writes minimal heads for 24-byte and 256-byte strings', () => {
    expect(toHex(encodeCbor('x'.repeat(24))).slice(0, 4)).toBe('7818')
    expect(toHex(encodeCbor('x'.repeat(256))).slice(0, 6)).toBe('790100')
    // 20 UTF-16 units but 40 UTF-8 bytes: the head must be recomputed from the byte length.
    const s = 'é'.repeat(20)
    const enc = encodeCbor(s)
    expect(toHex(enc).slice(0, 4)).toBe('7828')
    expect(decodeCbor(enc)).toBe(s)
  })

  it('sorts map keys length-first, then bytewise, whatever the insertion order', () => {
    const a = encodeCbor({ bb: 1, a: 2, aa: 3, b: 4, c: { z: 1, y: 2 } })
    expect(toHex(a)).toBe(`a5 6161 02 6162 04 6163 a2 6179 02 617a 01 626161 03 626262 01`.replace(/ /g, ''))
  })

  it('sorts non-ASCII keys by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF61 (ef bd a1) sorts before U+10000 (f0 90 80 80) in UTF-8 but after it in UTF-16.
    const value = { '\u{10000}': 1, '\uff61': 2, é: 3 }
    const enc = encodeCbor(value)
    const keys = Object.keys(decodeCbor(enc) as object)
    expect(keys).toEqual(['é', '\uff61', '\u{10000}'])
  })

  it('encodes CIDs as tag 42 over 0x00 + binary CID', () => {
    const cid = cidForRaw(new Uint8Array([1]))
    const enc = encodeCbor({ ref: cid })
    expect(toHex(enc)).toBe(`a1 63726566 d82a 5825 00${toHex(cid.bytes)}`.replace(/ /g, ''))
    expect((decodeCbor(enc) as { ref: CID }).ref.equals(cid)).toBe(true)
  })

  it.each<[string, unknown, string]>([
    ['floats', { a: [1, 1.5] }, '1.5 is not an integer (no floats) at $.a[1]'],
    ['NaN', NaN, 'NaN is not an integer'],
    ['unsafe integers', { n: 2 ** 53 }, 'outside the safe range at $.n'],
    ['undefined', { x: { y: undefined } }, 'undefined is not a data model value at $.x.y'],
    ['bigint', 1n, 'bigint'],
    ['functions', () => 1, 'function'],
    ['Dates', new Date(0), 'Date is not a data model value'],
    ['Maps', new Map(), 'Map'],
    ['other typed arrays', new Uint16Array(2), 'Uint16Array'],
    [
      'lone surrogates',
      { 'a b': '\ud800' },
      'string is not well-formed Unicode (lone surrogate) at $["a b"]',
    ],
    ['lone surrogates in keys', { '\udc00': 1 }, 'not well-formed Unicode'],
  ])('rejects %s', (_, value, message) => {
    expect(() => encodeCbor(value as DataValue)).toThrow(CborEncodeError)
    expect(() => encodeCbor(value as DataValue)).toThrow(message)
  })

  it('rejects cycles and excessive depth instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => encodeCbor(cyclic as DataValue)).toThrow(/nesting deeper than 64/)
    let deep: DataValue = 1
    for (let i = 0; i < 64; i++) deep = [deep]
    expect(decodeCbor(encodeCbor(deep))).toEqual(deep)
    expect(() => encodeCbor([deep])).toThrow(CborEncodeError)
  })

  it('encodes a __proto__ key as data, not as a prototype', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 2}')
    const enc = encodeCbor(value)
    const back = decodeCbor(enc) as Record<string, unknown>
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    expect(Object.keys(back)).toEqual(['a', '__proto__'])
    expect(encodeCbor(back as DataValue)).toEqual(enc)
  })

  it('does not let a large value leave a huge buffer behind, and still encodes after', () => {
    const big = new Uint8Array(3 << 20).fill(7)
    expect(encodeCbor(big).length).toBe(big.length + 5)
    expect(toHex(encodeCbor([1]))).toBe('8101')
  })
})

describe('decodeCbor strictness', () => {
  it.each<[string, string, RegExp, number]>([
    ['half float', 'f93c00', /floats are not allowed/, 0],
    ['single float', 'fa3f800000', /floats/, 0],
    ['double float inside a map', 'a16161fb3ff0000000000000', /floats/, 3],
    ['undefined', 'f7', /undefined/, 0],
    ['simple value 16', 'f0', /simple value 16/, 0],
    ['one-byte simple value', 'f820', /simple value 32/, 0],
    ['non-minimal int (1 byte)', '1817', /not minimally encoded/, 0],
    ['non-minimal int (2 bytes)', '1900ff', /not minimally/, 0],
    ['non-minimal int (4 bytes)', '1a0000ffff', /not minimally/, 0],
    ['non-minimal int (8 bytes)', '1b00000000ffffffff', /not minimally/, 0],
    ['non-minimal string length', '780161', /not minimally/, 0],
    ['non-minimal array length', '980100', /not minimally/, 0],
    ['int beyond 2^53 - 1', '1b0020000000000000', /above 2\^53 - 1/, 0],
    ['negative beyond -(2^53 - 1)', '3b001fffffffffffff', /below/, 0],
    ['indefinite array', '9f01ff', /indefinite/, 0],
    ['indefinite string', '7f6161ff', /indefinite/, 0],
    ['indefinite map', 'bf616101ff', /indefinite/, 0],
    ['a stray break', 'ff', /break/, 0],
    ['reserved info', '1c', /reserved/, 0],
    ['unsorted keys (length)', 'a2626161016162', /canonical order/, 5],
    ['unsorted keys (bytes)', 'a2616201616102', /canonical order/, 4],
    ['duplicate keys', 'a2616101616102', /duplicate map key/, 4],
    ['integer key', 'a10101', /keys must be text strings/, 1],
    ['byte string key', 'a1416101', /keys must be text strings/, 1],
    ['tag other than 42', 'c11a514b67b0', /tag 1 is not allowed/, 0],
    ['tag 42 over a text string', 'd82a6161', /must wrap a byte string/, 2],
    ['tag 42 without the 0x00 prefix', 'd82a4101', /0x00 multibase prefix/, 2],
    ['tag 42 with a CIDv0', `d82a5823 00 1220${'11'.repeat(32)}`, /CIDv0/, 2],
    ['tag 42 with sha-512', `d82a5845 00 01711340${'11'.repeat(64)}`, /hash 0x13/, 2],
    ['tag 42 with a dag-pb CID', `d82a5825 00 01701220${'11'.repeat(32)}`, /codec 0x70/, 2],
    ['tag 42 with a short digest', `d82a55 00 01711210${'11'.repeat(16)}`, /digest length/, 2],
    ['invalid UTF-8', '62c328', /not valid UTF-8/, 0],
    ['UTF-8 surrogate', '63eda080', /not valid UTF-8/, 0],
    ['overlong UTF-8', '62c0af', /not valid UTF-8/, 0],
    ['invalid UTF-8 key', 'a162c32801', /not valid UTF-8/, 1],
    ['trailing bytes', '0000', /1 trailing bytes/, 1],
    ['empty input', '', /unexpected end/, 0],
    ['truncated string', '6361', /overruns the input/, 0],
    ['truncated int', '1a0001', /unexpected end/, 0],
    ['truncated array', '8301', /overruns|unexpected end/, 0],
  ])('rejects %s', (_, input, message, offset) => {
    const err = decodeError(input)
    expect(err.message).toMatch(message)
    expect(err.offset).toBe(offset)
  })

  it('keeps a BOM and other edge characters in strings', () => {
    expect(decodeCbor(hex('63efbbbf'))).toBe('\ufeff')
    expect(decodeCbor(hex('6100'))).toBe('\0')
  })

  it('refuses huge declared lengths before allocating anything', () => {
    expect(decodeError('9b001fffffffffffff').message).toMatch(/exceeds the limit/)
    expect(decodeError('9a7fffffff').message).toMatch(/exceeds the limit/)
    expect(decodeError('8a01').message).toMatch(/overruns the input/)
    expect(decodeError('ba00030000').message).toMatch(/exceeds the limit/)
    expect(decodeError('5bffffffffff000000').message).toMatch(/above 2\^53/)
    expect(decodeError('5a7fffffff00').message).toMatch(/overruns the input/)
  })

  it('enforces maxDepth, maxItems and maxBytes', () => {
    const nested = (n: number) => hex(`${'81'.repeat(n)}00`)
    expect(decodeCbor(nested(64))).toBeDefined()
    expect(() => decodeCbor(nested(65))).toThrow(/nesting deeper than 64/)
    expect(() => decodeCbor(nested(10), { maxDepth: 9 })).toThrow(/nesting deeper than 9/)
    expect(() => decodeCbor(nested(100_000))).toThrow(CborDecodeError)
    expect(() => decodeCbor(hex('83010203'), { maxItems: 2 })).toThrow(/3 items exceeds the limit of 2/)
    expect(() => decodeCbor(hex('a3616101616202616303'), { maxItems: 2 })).toThrow(/3 entries/)
    expect(() => decodeCbor(new Uint8Array(11), { maxBytes: 10 })).toThrow(/exceeds the limit of 10/)
  })

  it('decodes a __proto__ key as an own property', () => {
    const value = decodeCbor(hex('a169 5f5f70726f746f5f5f a16178 01')) as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.hasOwn(value, '__proto__')).toBe(true)
    expect((value as { x?: unknown }).x).toBeUndefined()
  })

  it('returns byte strings and CIDs as views of the input', () => {
    const input = encodeCbor({ b: new Uint8Array([9, 9]) })
    const out = decodeCbor(input) as { b: Uint8Array }
    expect(out.b.buffer).toBe(input.buffer)
  })

  it('rejects non-Uint8Array input with a typed error', () => {
    expect(() => decodeCbor('a0' as unknown as Uint8Array)).toThrow(CborDecodeError)
  })
})

describe('decodeCborMulti', () => {
  it('decodes concatenated values such as a firehose frame', () => {
    const frame = new Uint8Array([...encodeCbor({ op: 1, t: '#commit' }), ...encodeCbor({ seq: 5 })])
    expect(decodeCborMulti(frame)).toEqual([{ op: 1, t: '#commit' }, { seq: 5 }])
    expect(decodeCborMulti(new Uint8Array(0))).toEqual([])
  })

  it('reports offsets relative to the whole input', () => {
    try {
      decodeCborMulti(hex('a0 a0 f9'))
      expect.unreachable()
    } catch (err) {
      expect((err as CborDecodeError).offset).toBe(2)
    }
  })
})
