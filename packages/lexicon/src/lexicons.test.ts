import { describe, expect, it } from 'vitest'
import {
  LexiconDefTypeError,
  LexiconDocError,
  LexiconError,
  LexiconNotFoundError,
  ValidationError,
} from './errors.js'
import { Lexicons } from './lexicons.js'

const post = {
  lexicon: 1,
  id: 'com.example.post',
  defs: {
    main: {
      type: 'record',
      key: 'tid',
      record: {
        type: 'object',
        required: ['text', 'createdAt'],
        properties: {
          text: { type: 'string', maxLength: 30, maxGraphemes: 10 },
          createdAt: { type: 'string', format: 'datetime' },
          reply: { type: 'ref', ref: '#reply' },
          count: { type: 'integer', default: 3 },
        },
      },
    },
    reply: { type: 'object', required: ['root'], properties: { root: { type: 'string', format: 'at-uri' } } },
    tok: { type: 'token' },
  },
}
const profile = {
  lexicon: 1,
  id: 'com.example.profile',
  defs: { main: { type: 'record', key: 'literal:self', record: { type: 'object', properties: {} } } },
}
const byNsid = {
  lexicon: 1,
  id: 'com.example.named',
  defs: { main: { type: 'record', key: 'nsid', record: { type: 'object', properties: {} } } },
}
const anyKey = {
  lexicon: 1,
  id: 'com.example.anykey',
  defs: { main: { type: 'record', key: 'any', record: { type: 'object', properties: {} } } },
}
const query = {
  lexicon: 1,
  id: 'com.example.getThing',
  defs: {
    main: {
      type: 'query',
      output: { encoding: 'application/json', schema: { type: 'object', properties: {} } },
      errors: [{ name: 'NotFound' }],
    },
  },
}
const upload = {
  lexicon: 1,
  id: 'com.example.upload',
  defs: { main: { type: 'procedure', input: { encoding: '*/*' }, output: { encoding: 'application/json' } } },
}

const lex = () => new Lexicons([post, profile, byNsid, anyKey, query, upload])
const createdAt = '2024-01-01T00:00:00.000Z'
const goodPost = { $type: 'com.example.post', text: 'hello', createdAt }

function validationError(fn: () => unknown): ValidationError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ValidationError) return err
    throw err
  }
  throw new Error('expected a ValidationError')
}

describe('Lexicons', () => {
  it('refuses a second document with the same NSID', () => {
    const set = lex()
    expect(() => set.add(post)).toThrow(LexiconDocError)
    expect(set.size).toBe(6)
  })

  it('rejects a malformed document naming where', () => {
    const set = new Lexicons()
    expect(() => set.add({ lexicon: 1, id: 'com.example.bad', defs: { main: { type: 'nope' } } })).toThrow(
      /com\.example\.bad: defs\/main\/type/,
    )
    expect(set.size).toBe(0)
  })

  it('finds definitions by absolute, #main and local refs', () => {
    const set = lex()
    expect(set.getDef('com.example.post')?.type).toBe('record')
    expect(set.getDef('com.example.post#main')).toBe(set.getDef('com.example.post'))
    expect(set.getDef('com.example.post#reply')?.type).toBe('object')
    expect(set.getDef('#reply', 'com.example.post')).toBe(set.getDef('com.example.post#reply'))
    expect(set.getDef('#reply')).toBeUndefined()
    expect(set.getDef('com.example.post#nothing')).toBeUndefined()
    expect(set.getDef('com.example.post#constructor')).toBeUndefined()
    expect(set.getDef('not a ref')).toBeUndefined()
    expect(set.get('com.example.post')?.id).toBe('com.example.post')
    expect([...set].map((d) => d.id)).toContain('com.example.getThing')
  })

  it('tells the kind of an NSID and the encodings of a method', () => {
    const set = lex()
    expect(set.getDefType('com.example.post')).toBe('record')
    expect(set.getDefType('com.example.getThing')).toBe('query')
    expect(set.getDefType('com.example.none')).toBeUndefined()
    expect(set.getXrpcMethod('com.example.post')).toBeUndefined()
    expect(set.getXrpcMethod('com.example.getThing')).toMatchObject({
      type: 'query',
      inputEncoding: undefined,
      outputEncoding: 'application/json',
      errors: ['NotFound'],
    })
    expect(set.getXrpcMethod('com.example.upload')).toMatchObject({ type: 'procedure', inputEncoding: '*/*' })
  })

  it('validates records without filling defaults or mutating them', () => {
    const set = lex()
    const record = { ...goodPost }
    const result = set.validateRecord('com.example.post', record)
    expect(result).toEqual({ success: true, value: record })
    expect(result.success && result.value).toBe(record)
    expect(record).not.toHaveProperty('count')
    expect(set.assertValidRecord('com.example.post', record)).toBe(record)
  })

  it('requires the record $type to name its collection', () => {
    const set = lex()
    expect(
      validationError(() => set.assertValidRecord('com.example.post', { text: 'x', createdAt })).message,
    ).toBe('Record must have a "$type" string property')
    const wrong = validationError(() =>
      set.assertValidRecord('com.example.post', { ...goodPost, $type: 'com.example.profile' }),
    )
    expect(wrong.path).toBe('Record/$type')
    expect(validationError(() => set.assertValidRecord('com.example.post', 'text')).path).toBe('Record')
  })

  it('reports failures with the path of the value', () => {
    const set = lex()
    const result = set.validateRecord('com.example.post', { ...goodPost, reply: { root: 'nope' } })
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(result.error.path).toBe('Record/reply/root')
      expect(result.error.message).toBe('Record/reply/root must be an AT-URI')
    }
    const missing = set.validateRecord('com.example.post', { $type: 'com.example.post', text: 'x' })
    expect(!missing.success && missing.error.message).toBe('Record must have the property "createdAt"')
  })

  it('throws for collections it does not know or that are not records', () => {
    const set = lex()
    expect(() => set.validateRecord('com.example.unknown', goodPost)).toThrow(LexiconNotFoundError)
    expect(() => set.validateRecord('com.example.getThing', goodPost)).toThrow(LexiconDefTypeError)
    expect(() => set.assertValidXrpcInput('com.example.getThing', {})).toThrow(LexiconDefTypeError)
  })

  it('checks record keys against the key type', () => {
    const set = lex()
    expect(() => set.assertValidRecordKey('com.example.post', '3jzfcijpj2z2a')).not.toThrow()
    expect(() => set.assertValidRecordKey('com.example.post', 'self')).toThrow(/must be a TID/)
    expect(() => set.assertValidRecordKey('com.example.profile', 'self')).not.toThrow()
    expect(() => set.assertValidRecordKey('com.example.profile', 'other')).toThrow(/must be "self"/)
    expect(() => set.assertValidRecordKey('com.example.named', 'app.bsky.feed.post')).not.toThrow()
    expect(() => set.assertValidRecordKey('com.example.named', 'post')).toThrow(/NSID/)
    expect(() => set.assertValidRecordKey('com.example.anykey', 'any:thing~1')).not.toThrow()
    expect(() => set.assertValidRecordKey('com.example.anykey', '..')).toThrow(ValidationError)
    expect(() => set.assertValidRecordKey('com.example.anykey', 'a/b')).toThrow(ValidationError)
    const r = set.validateRecord('com.example.post', goodPost, { rkey: 'self' })
    expect(r.success).toBe(false)
  })

  it('validates data against any definition', () => {
    const set = lex()
    expect(set.validate('com.example.post#reply', { root: 'at://did:plc:abc/a.b.c/x' }).success).toBe(true)
    expect(set.validate('com.example.post#reply', {}).success).toBe(false)
    expect(set.validate('com.example.post', goodPost).success).toBe(true)
    expect(() => set.validate('com.example.post#gone', {})).toThrow(LexiconNotFoundError)
  })

  it('can be sealed, and copied into a mutable set', () => {
    const sealed = lex().seal()
    expect(() => sealed.add(post)).toThrow(LexiconError)
    expect(() => sealed.remove('com.example.post')).toThrow(LexiconError)
    const copy = new Lexicons(sealed)
    expect(copy.size).toBe(sealed.size)
    expect(copy.remove('com.example.post')).toBe(true)
    expect(copy.getDef('com.example.post')).toBeUndefined()
    expect(sealed.getDef('com.example.post')).toBeDefined()
  })

  it('reports refs that do not resolve or point at the wrong kind of def', () => {
    const set = new Lexicons([
      {
        lexicon: 1,
        id: 'com.example.refs',
        defs: {
          main: {
            type: 'object',
            properties: {
              a: { type: 'ref', ref: 'com.example.missing' },
              b: { type: 'ref', ref: '#tok' },
              c: { type: 'union', refs: ['#str', '#obj'] },
            },
          },
          tok: { type: 'token' },
          str: { type: 'string' },
          obj: { type: 'object', properties: {} },
        },
      },
    ])
    const problems = set.findRefProblems()
    expect(problems).toHaveLength(3)
    expect(problems[0]).toContain('com.example.missing is not defined')
    expect(problems[1]).toContain('points at a token')
    expect(problems[2]).toContain('com.example.refs#str is a string')
    expect(() => set.validate('com.example.refs', { a: {} })).toThrow(LexiconNotFoundError)
    expect(() => set.validate('com.example.refs', { b: {} })).toThrow(LexiconDefTypeError)
  })
})
