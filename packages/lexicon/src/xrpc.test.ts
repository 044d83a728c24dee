import { describe, expect, it } from 'vitest'
import { LexiconDefTypeError, ValidationError } from './errors.js'
import { Lexicons } from './lexicons.js'

const search = {
  lexicon: 1,
  id: 'com.example.search',
  defs: {
    main: {
      type: 'query',
      parameters: {
        type: 'params',
        required: ['q'],
        properties: {
          q: { type: 'string', maxLength: 10 },
          limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
          sort: { type: 'string', default: 'top', enum: ['top', 'latest'] },
          deep: { type: 'boolean', default: false },
          tags: { type: 'array', items: { type: 'string', maxLength: 3 }, maxLength: 3 },
          ids: { type: 'array', items: { type: 'integer' } },
          actor: { type: 'string', format: 'at-identifier' },
        },
      },
      output: {
        encoding: 'application/json',
        schema: {
          type: 'object',
          required: ['hits'],
          properties: {
            hits: { type: 'array', items: { type: 'ref', ref: '#hit' } },
            cursor: { type: 'string' },
          },
        },
      },
    },
    hit: {
      type: 'object',
      required: ['uri'],
      properties: { uri: { type: 'string' }, score: { type: 'integer', default: 0 } },
    },
  },
}
const create = {
  lexicon: 1,
  id: 'com.example.create',
  defs: {
    main: {
      type: 'procedure',
      input: {
        encoding: 'application/json',
        schema: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, validate: { type: 'boolean', default: true } },
        },
      },
      output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.search#hit' } },
    },
  },
}
const upload = {
  lexicon: 1,
  id: 'com.example.upload',
  defs: { main: { type: 'procedure', input: { encoding: '*/*' } } },
}
const write = {
  lexicon: 1,
  id: 'com.example.write',
  defs: {
    main: {
      type: 'procedure',
      input: { encoding: 'application/json', schema: { type: 'union', refs: ['#a'], closed: true } },
    },
    a: { type: 'object', properties: { n: { type: 'integer', default: 1 } } },
  },
}
const stream = {
  lexicon: 1,
  id: 'com.example.subscribe',
  defs: {
    main: {
      type: 'subscription',
      parameters: { type: 'params', properties: { cursor: { type: 'integer' } } },
      message: { schema: { type: 'union', refs: ['#commit', '#info'] } },
    },
    commit: { type: 'object', required: ['seq'], properties: { seq: { type: 'integer' } } },
    info: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  },
}
const lex = new Lexicons([search, create, upload, write, stream])

function failure(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof ValidationError) return err.message
    throw err
  }
  throw new Error('expected a ValidationError')
}

describe('assertValidXrpcParams', () => {
  it('parses query-string values and fills defaults', () => {
    expect(lex.assertValidXrpcParams('com.example.search', { q: 'cats', limit: '10', deep: 'true' })).toEqual(
      {
        q: 'cats',
        limit: 10,
        deep: true,
        sort: 'top',
      },
    )
    expect(lex.assertValidXrpcParams('com.example.search', { q: 'cats' })).toEqual({
      q: 'cats',
      limit: 50,
      sort: 'top',
      deep: false,
    })
  })

  it('turns repeated and single values into arrays', () => {
    const params = new URLSearchParams('q=x&tags=a&tags=b&ids=1&ids=-2')
    expect(lex.assertValidXrpcParams('com.example.search', params)).toMatchObject({
      tags: ['a', 'b'],
      ids: [1, -2],
    })
    expect(lex.assertValidXrpcParams('com.example.search', { q: 'x', tags: 'a' })).toMatchObject({
      tags: ['a'],
    })
  })

  it('accepts already-typed values', () => {
    expect(lex.assertValidXrpcParams('com.example.search', { q: 'x', limit: 7, deep: false })).toMatchObject({
      limit: 7,
      deep: false,
    })
  })

  it('passes parameters the schema does not name through', () => {
    expect(lex.assertValidXrpcParams('com.example.search', { q: 'x', other: 'y' })).toMatchObject({
      other: 'y',
    })
  })

  it.each([
    [{}, 'Params must have the property "q"'],
    [{ q: 'x', limit: '1.5' }, 'Params/limit must be an integer, not "1.5"'],
    [{ q: 'x', limit: '' }, 'Params/limit must be an integer, not ""'],
    [{ q: 'x', limit: '0x10' }, 'Params/limit must be an integer, not "0x10"'],
    [{ q: 'x', limit: '101' }, 'Params/limit can not be greater than 100'],
    [{ q: 'x', limit: '99999999999999999999' }, 'Params/limit must be an integer'],
    [{ q: 'x', deep: 'yes' }, 'Params/deep must be "true" or "false", not "yes"'],
    [{ q: 'x', sort: 'best' }, 'Params/sort must be one of (top|latest)'],
    [{ q: ['x', 'y'] }, 'Params/q must be given once, not repeated'],
    [{ q: 'x', tags: ['a', 'b', 'c', 'd'] }, 'Params/tags must not have more than 3 elements'],
    [{ q: 'x', tags: ['long'] }, 'Params/tags/0 must not be longer than 3 bytes (UTF-8)'],
    [{ q: 'x', ids: ['1', 'z'] }, 'Params/ids/1 must be an integer, not "z"'],
    [{ q: 'x', actor: 'not valid' }, 'Params/actor must be a handle or DID'],
  ])('rejects %j', (params, message) => {
    expect(failure(() => lex.assertValidXrpcParams('com.example.search', params))).toMatch(
      new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    )
  })

  it('applies to every kind of method, and only methods', () => {
    expect(lex.assertValidXrpcParams('com.example.subscribe', { cursor: '5' })).toEqual({ cursor: 5 })
    expect(lex.assertValidXrpcParams('com.example.create', { a: 'b' })).toEqual({ a: 'b' })
    expect(() => lex.assertValidXrpcParams('com.example.search#hit', {})).toThrow()
  })
})

describe('assertValidXrpcInput / Output', () => {
  it('fills defaults in a copy, leaving the body as it was', () => {
    const body = { name: 'n' }
    expect(lex.assertValidXrpcInput('com.example.create', body)).toEqual({ name: 'n', validate: true })
    expect(body).toEqual({ name: 'n' })
    const unchanged = { name: 'n', validate: false }
    expect(lex.assertValidXrpcInput('com.example.create', unchanged)).toBe(unchanged)
  })

  it('fills defaults deep in arrays of refs', () => {
    const out = { hits: [{ uri: 'a' }, { uri: 'b', score: 2 }] }
    expect(lex.assertValidXrpcOutput('com.example.search', out)).toEqual({
      hits: [
        { uri: 'a', score: 0 },
        { uri: 'b', score: 2 },
      ],
    })
    expect(out.hits[0]).toEqual({ uri: 'a' })
  })

  it('rejects bodies that break the schema', () => {
    expect(failure(() => lex.assertValidXrpcInput('com.example.create', {}))).toBe(
      'Input must have the property "name"',
    )
    expect(failure(() => lex.assertValidXrpcInput('com.example.create', 'x'))).toBe(
      'Input must be an object, not a string',
    )
    expect(failure(() => lex.assertValidXrpcOutput('com.example.search', { hits: [{}] }))).toBe(
      'Output/hits/0 must have the property "uri"',
    )
    expect(failure(() => lex.assertValidXrpcOutput('com.example.create', { uri: 5 }))).toBe(
      'Output/uri must be a string, not a number',
    )
  })

  it('validates union bodies', () => {
    expect(lex.assertValidXrpcInput('com.example.write', { $type: 'com.example.write#a' })).toEqual({
      $type: 'com.example.write#a',
      n: 1,
    })
    expect(
      failure(() => lex.assertValidXrpcInput('com.example.write', { $type: 'com.example.other' })),
    ).toMatch(/^Input\/\$type/)
  })

  it('passes bodies without a schema through', () => {
    const bytes = new Uint8Array([1, 2])
    expect(lex.assertValidXrpcInput('com.example.upload', bytes)).toBe(bytes)
    expect(lex.assertValidXrpcOutput('com.example.upload', undefined)).toBeUndefined()
  })

  it('checks the kind of method', () => {
    expect(() => lex.assertValidXrpcInput('com.example.search', {})).toThrow(LexiconDefTypeError)
    expect(() => lex.assertValidXrpcOutput('com.example.subscribe', {})).toThrow(LexiconDefTypeError)
  })
})

describe('assertValidXrpcMessage', () => {
  it('validates messages by $type or by the frame type', () => {
    expect(
      lex.assertValidXrpcMessage('com.example.subscribe', { $type: 'com.example.subscribe#commit', seq: 1 }),
    ).toEqual({ $type: 'com.example.subscribe#commit', seq: 1 })
    expect(lex.assertValidXrpcMessage('com.example.subscribe', { seq: 1 }, '#commit')).toEqual({ seq: 1 })
    expect(failure(() => lex.assertValidXrpcMessage('com.example.subscribe', { seq: 'x' }, '#commit'))).toBe(
      'Message/seq must be an integer, not a string',
    )
    expect(failure(() => lex.assertValidXrpcMessage('com.example.subscribe', { name: 1 }, '#info'))).toBe(
      'Message/name must be a string, not a number',
    )
  })

  it('needs a type, and lets unknown types of the open union through', () => {
    expect(failure(() => lex.assertValidXrpcMessage('com.example.subscribe', { seq: 1 }))).toMatch(/\$type/)
    expect(lex.assertValidXrpcMessage('com.example.subscribe', { x: 1 }, '#future')).toEqual({ x: 1 })
    expect(failure(() => lex.assertValidXrpcMessage('com.example.subscribe', {}, '#bad name'))).toMatch(
      /malformed/,
    )
  })
})
