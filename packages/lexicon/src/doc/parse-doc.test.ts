import { describe, expect, it } from 'vitest'
import { describeInterop, readInteropJson } from '../../../../test/support/interop.js'
import { LexiconDocError } from '../errors.js'
import { parseLexiconDoc } from './parse-doc.js'

interface DocCase {
  name: string
  lexicon: unknown
}

describeInterop('lexicon documents', () => {
  const valid = readInteropJson<DocCase[]>('lexicon/lexicon-valid.json')
  const invalid = readInteropJson<DocCase[]>('lexicon/lexicon-invalid.json')
  it('has cases', () => {
    expect(valid.length).toBeGreaterThan(0)
    expect(invalid.length).toBeGreaterThan(0)
  })
  it.each(valid.map((c) => [c.name, c.lexicon]))('accepts %s', (_name, doc) => {
    expect(() => parseLexiconDoc(doc)).not.toThrow()
  })
  it.each(invalid.map((c) => [c.name, c.lexicon]))('rejects %s', (_name, doc) => {
    expect(() => parseLexiconDoc(doc)).toThrow(LexiconDocError)
  })
})

function doc(defs: Record<string, unknown>, id = 'com.example.test'): unknown {
  return { lexicon: 1, id, defs }
}

function errorOf(input: unknown): LexiconDocError {
  try {
    parseLexiconDoc(input)
  } catch (err) {
    if (err instanceof LexiconDocError) return err
    throw err
  }
  throw new Error('expected a LexiconDocError')
}

const record = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  main: { type: 'record', key: 'tid', record: { type: 'object', properties, ...extra } },
})

describe('parseLexiconDoc', () => {
  it('makes refs absolute and drops #main', () => {
    const parsed = parseLexiconDoc(
      doc({
        main: {
          type: 'object',
          properties: {
            a: { type: 'ref', ref: '#other' },
            b: { type: 'union', refs: ['com.example.x#main', 'com.example.y#z', '#other'] },
            c: { type: 'ref', ref: '#main' },
          },
        },
        other: { type: 'object', properties: {} },
      }),
    )
    const props = (parsed.defs.main as { properties: Record<string, { ref?: string; refs?: string[] }> })
      .properties
    expect(props.a.ref).toBe('com.example.test#other')
    expect(props.b.refs).toEqual(['com.example.x', 'com.example.y#z', 'com.example.test#other'])
    expect(props.c.ref).toBe('com.example.test')
  })

  it('does not share or mutate the input', () => {
    const input = doc({
      main: { type: 'object', properties: { a: { type: 'ref', ref: '#b' } } },
      b: { type: 'token' },
    })
    const before = JSON.stringify(input)
    const parsed = parseLexiconDoc(input)
    expect(JSON.stringify(input)).toBe(before)
    expect(parsed.defs.main).not.toBe((input as { defs: { main: unknown } }).defs.main)
  })

  it.each([
    ['not an object', 'nope', '', 'must be an object'],
    [
      'lexicon version 2',
      { lexicon: 2, id: 'com.example.test', defs: { a: { type: 'token' } } },
      'lexicon',
      '',
    ],
    ['no defs', { lexicon: 1, id: 'com.example.test', defs: {} }, 'defs', 'at least one'],
    ['bad def name', doc({ 'a#b': { type: 'token' } }), 'defs/a#b', ''],
    ['named params', doc({ p: { type: 'params', properties: {} } }), 'defs/p/type', 'named definition'],
    ['named union', doc({ u: { type: 'union', refs: [] } }), 'defs/u/type', 'named definition'],
    ['unknown type', doc({ main: { type: 'float' } }), 'defs/main/type', 'named definition'],
    [
      'const and default',
      doc({ a: { type: 'integer', const: 1, default: 2 } }),
      'defs/a',
      'mutually exclusive',
    ],
    ['min > max', doc({ a: { type: 'string', minLength: 5, maxLength: 2 } }), 'defs/a', 'greater'],
    ['negative length', doc({ a: { type: 'bytes', maxLength: -1 } }), 'defs/a/maxLength', 'negative'],
    ['float bound', doc({ a: { type: 'integer', maximum: 1.5 } }), 'defs/a/maximum', 'integer'],
    ['unknown format', doc({ a: { type: 'string', format: 'email' } }), 'defs/a/format', 'email'],
    ['bad accept', doc({ a: { type: 'blob', accept: ['image/pn*'] } }), 'defs/a/accept/0', 'MIME'],
    ['bare * accept', doc({ a: { type: 'blob', accept: ['*'] } }), 'defs/a/accept/0', 'MIME'],
    ['array without items', doc({ a: { type: 'array' } }), 'defs/a/items', 'required'],
    [
      'token in object',
      doc({ a: { type: 'object', properties: { t: { type: 'token' } } } }),
      'defs/a/properties/t/type',
      '',
    ],
    [
      'undefined required',
      doc({ a: { type: 'object', properties: {}, required: ['x'] } }),
      'defs/a/required/0',
      '',
    ],
    [
      '__proto__ property',
      JSON.parse(
        '{"lexicon":1,"id":"a.b.c","defs":{"a":{"type":"object","properties":{"__proto__":{"type":"integer"}}}}}',
      ),
      'defs/a/properties/__proto__',
      '',
    ],
    [
      'bad ref',
      doc({ a: { type: 'object', properties: { r: { type: 'ref', ref: 'not an nsid' } } } }),
      'defs/a/properties/r/ref',
      'NSID',
    ],
    [
      'empty closed union',
      doc({ a: { type: 'object', properties: { u: { type: 'union', refs: [], closed: true } } } }),
      'defs/a/properties/u/refs',
      'closed',
    ],
    [
      'bad record key type',
      {
        lexicon: 1,
        id: 'a.b.c',
        defs: { main: { type: 'record', key: 'uuid', record: { type: 'object', properties: {} } } },
      },
      'defs/main/key',
      '',
    ],
    [
      'bad literal key',
      {
        lexicon: 1,
        id: 'a.b.c',
        defs: { main: { type: 'record', key: 'literal:..', record: { type: 'object', properties: {} } } },
      },
      'defs/main/key',
      '',
    ],
    [
      'query with input',
      doc({ main: { type: 'query', input: { encoding: 'application/json' } } }),
      'defs/main/input',
      'no input',
    ],
    [
      'output without encoding',
      doc({ main: { type: 'query', output: { schema: { type: 'object', properties: {} } } } }),
      'defs/main/output/encoding',
      'required',
    ],
    [
      'output schema string',
      doc({ main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'string' } } } }),
      'defs/main/output/schema/type',
      '',
    ],
    [
      'object param',
      doc({
        main: {
          type: 'query',
          parameters: { type: 'params', properties: { o: { type: 'object', properties: {} } } },
        },
      }),
      'defs/main/parameters/properties/o/type',
      '',
    ],
    [
      'array of objects param',
      doc({
        main: {
          type: 'query',
          parameters: { type: 'params', properties: { o: { type: 'array', items: { type: 'blob' } } } },
        },
      }),
      'defs/main/parameters/properties/o/items/type',
      '',
    ],
    [
      'subscription of object',
      doc({ main: { type: 'subscription', message: { schema: { type: 'object', properties: {} } } } }),
      'defs/main/message/schema/type',
      '',
    ],
    [
      'error name with space',
      doc({ main: { type: 'query', errors: [{ name: 'Bad Thing' }] } }),
      'defs/main/errors/0/name',
      '',
    ],
    [
      'rpc permission without aud',
      doc({
        main: {
          type: 'permission-set',
          permissions: [{ type: 'permission', resource: 'rpc', lxm: ['a.b.c'] }],
        },
      }),
      'defs/main/permissions/0',
      'aud',
    ],
    [
      'repo permission bad action',
      doc({
        main: {
          type: 'permission-set',
          permissions: [{ type: 'permission', resource: 'repo', collection: ['a.b.c'], action: ['read'] }],
        },
      }),
      'defs/main/permissions/0/action/0',
      '',
    ],
    [
      'bad title language',
      doc({ main: { type: 'permission-set', 'title:lang': { '123': 'x' }, permissions: [] } }),
      'defs/main/title:lang/123',
      'language',
    ],
  ])('rejects %s with a path', (_name, input, path, words) => {
    const err = errorOf(input)
    expect(err.path).toBe(path)
    expect(err.message).toContain(words)
  })

  it('names the document in the message', () => {
    const err = errorOf(doc(record({ n: { type: 'integer', minimum: 'one' } }), 'com.example.named'))
    expect(err.lexiconId).toBe('com.example.named')
    expect(err.message).toBe('com.example.named: defs/main/record/properties/n/minimum: must be an integer')
  })

  it('rejects a schema nested without bound', () => {
    let schema: unknown = { type: 'integer' }
    for (let i = 0; i < 100; i++) schema = { type: 'array', items: schema }
    expect(errorOf(doc({ deep: schema })).message).toContain('nested')
  })

  it('tolerates unknown resources and extra fields in permissions', () => {
    const parsed = parseLexiconDoc(
      doc({
        main: { type: 'permission-set', permissions: [{ type: 'permission', resource: 'future', x: 1 }] },
      }),
    )
    expect(parsed.defs.main.type).toBe('permission-set')
  })
})
