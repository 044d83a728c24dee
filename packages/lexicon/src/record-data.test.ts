// The interop record vectors: records checked against lexicon/catalog/*.json.
import { readdirSync } from 'node:fs'
import { InvalidDataError, jsonToData } from '@welkin/data'
import { expect, it } from 'vitest'
import { describeInterop, interopPath, readInteropJson } from '../../../test/support/interop.js'
import { ValidationError } from './errors.js'
import { Lexicons } from './lexicons.js'

interface RecordCase {
  name: string
  rkey: string
  data: { $type: string }
}

function catalog(): Lexicons {
  const files = readdirSync(interopPath('lexicon/catalog')).filter((f) => f.endsWith('.json'))
  return new Lexicons(files.map((f) => readInteropJson(`lexicon/catalog/${f}`)))
}

function toData(json: unknown): unknown {
  return jsonToData(json)
}

describeInterop('lexicon record data', () => {
  const lex = catalog()
  const valid = readInteropJson<RecordCase[]>('lexicon/record-data-valid.json')
  const invalid = readInteropJson<RecordCase[]>('lexicon/record-data-invalid.json')

  it('loads every catalog document', () => {
    expect(lex.size).toBe(
      readdirSync(interopPath('lexicon/catalog')).filter((f) => f.endsWith('.json')).length,
    )
    expect(valid.length).toBeGreaterThan(0)
    expect(invalid.length).toBeGreaterThan(0)
  })

  it.each(valid.map((c) => [c.name, c] as const))('accepts %s', (_name, c) => {
    const result = lex.validateRecord(c.data.$type, toData(c.data), { rkey: c.rkey })
    if (!result.success) throw result.error
    expect(result.success).toBe(true)
  })

  it.each(invalid.map((c, i) => [`${i} ${c.name}`, c] as const))('rejects %s', (_name, c) => {
    const result = lex.validateRecord(c.data.$type, toData(c.data), { rkey: c.rkey })
    // Every case is well-formed data that breaks its schema, so the lexicon layer must catch it.
    expect(result.success ? null : result.error).toBeInstanceOf(ValidationError)
    if (!result.success) expect(result.error.path).toMatch(/^Record/)
  })
})
