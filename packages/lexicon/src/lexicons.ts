// A set of lexicon documents and the validation entry points a PDS, AppView or XRPC server needs.
import { findRefProblems } from './check-refs.js'
import { parseLexiconDoc } from './doc/parse-doc.js'
import { normalizeRef, splitRef } from './doc/refs.js'
import {
  LexiconDefTypeError,
  LexiconDocError,
  LexiconError,
  LexiconNotFoundError,
  ValidationError,
} from './errors.js'
import { checkRecordKey } from './record-key.js'
import type { LexDef, LexDefType, LexiconDoc, LexRecord, LexXrpcBody, LexXrpcDef } from './types.js'
import type { ValidationContext } from './validate/context.js'
import { type RawXrpcParams, validateParams, type XrpcParams } from './validate/params.js'
import {
  validateObject,
  validateRecordBody,
  validateUnion,
  validateValue,
} from './validate/validate-value.js'

export type ValidationResult<T = unknown> =
  | { success: true; value: T }
  | { success: false; error: ValidationError }

export interface LexiconsOptions {
  /** Deepest nesting of data accepted before a ValidationError (default 512). */
  maxDepth?: number
}

export interface XrpcMethodInfo {
  nsid: string
  type: 'query' | 'procedure' | 'subscription'
  def: LexXrpcDef
  /** MIME type or pattern (`*\/*`, `image/*`) of the request body; procedures only. */
  inputEncoding?: string
  outputEncoding?: string
  /** Error names the method declares. */
  errors: string[]
}

const XRPC_TYPES = ['query', 'procedure', 'subscription'] as const

export class Lexicons {
  readonly #docs = new Map<string, LexiconDoc>()
  readonly #resolved = new Map<string, LexDef>()
  readonly #records: ValidationContext
  readonly #bodies: ValidationContext
  #sealed = false

  constructor(docs: Iterable<unknown> = [], options: LexiconsOptions = {}) {
    const maxDepth = options.maxDepth ?? 512
    const resolve = (ref: string) => this.resolve(ref)
    this.#records = { resolve, applyDefaults: false, maxDepth }
    this.#bodies = { resolve, applyDefaults: true, maxDepth }
    for (const doc of docs) this.add(doc)
  }

  /** Checks and adds a document; throws LexiconDocError if it is malformed or its NSID is taken. */
  add(doc: unknown): LexiconDoc {
    this.#assertMutable()
    const parsed = parseLexiconDoc(doc)
    if (this.#docs.has(parsed.id))
      throw new LexiconDocError('id', 'a lexicon with this NSID is already loaded', parsed.id)
    this.#docs.set(parsed.id, parsed)
    return parsed
  }

  remove(nsid: string): boolean {
    this.#assertMutable()
    this.#resolved.clear()
    return this.#docs.delete(nsid)
  }

  has(nsid: string): boolean {
    return this.#docs.has(nsid)
  }

  get size(): number {
    return this.#docs.size
  }

  /** The parsed document (refs made absolute), or undefined. */
  get(nsid: string): LexiconDoc | undefined {
    return this.#docs.get(nsid)
  }

  docs(): IterableIterator<LexiconDoc> {
    return this.#docs.values()
  }

  [Symbol.iterator](): IterableIterator<LexiconDoc> {
    return this.#docs.values()
  }

  /** `nsid`, `nsid#name`, or `#name` relative to `base`; undefined if malformed or not defined. */
  getDef(ref: string, base?: string): LexDef | undefined {
    if (ref.startsWith('#') && base === undefined) return undefined
    let absolute: string
    try {
      absolute = normalizeRef(ref, base ?? '', 'ref')
    } catch {
      return undefined
    }
    return this.#lookup(absolute)
  }

  /** The type of an NSID's main definition (`record`, `query`...), or undefined if unknown. */
  getDefType(nsid: string): LexDefType | undefined {
    return this.#docs.get(nsid)?.defs.main?.type
  }

  /** What an XRPC server needs to route a method, or undefined if the NSID is no method. */
  getXrpcMethod(nsid: string): XrpcMethodInfo | undefined {
    const def = this.#docs.get(nsid)?.defs.main
    if (!def || !(XRPC_TYPES as readonly string[]).includes(def.type)) return undefined
    const method = def as LexXrpcDef
    return {
      nsid,
      type: method.type,
      def: method,
      inputEncoding: method.type === 'procedure' ? method.input?.encoding : undefined,
      outputEncoding: method.type === 'subscription' ? undefined : method.output?.encoding,
      errors: (method.errors ?? []).map((e) => e.name),
    }
  }

  /** Validates a record of `collection`; lexicon problems (missing refs) still throw. */
  validateRecord(collection: string, value: unknown, options: { rkey?: string } = {}): ValidationResult {
    try {
      return { success: true, value: this.assertValidRecord(collection, value, options) }
    } catch (err) {
      if (err instanceof ValidationError) return { success: false, error: err }
      throw err
    }
  }

  /** Returns the record untouched (defaults are not filled in: record data is content-addressed). */
  assertValidRecord(
    collection: string,
    value: unknown,
    options: { rkey?: string } = {},
  ): Record<string, unknown> {
    const def = this.#main(collection, ['record']) as LexRecord
    if (options.rkey !== undefined) checkRecordKey(def.key, options.rkey)
    return validateRecordBody(this.#context(false), def, collection, value, 'Record', 0)
  }

  /** Checks a record key against the collection's key type (record-key.md). */
  assertValidRecordKey(collection: string, rkey: string): void {
    checkRecordKey((this.#main(collection, ['record']) as LexRecord).key, rkey)
  }

  /** Validates data against any def (`nsid#name`), without filling defaults. */
  validate(ref: string, value: unknown): ValidationResult {
    const def = this.getDef(ref)
    if (!def) throw new LexiconNotFoundError(ref)
    try {
      const ctx = this.#context(false)
      const out =
        def.type === 'record'
          ? validateRecordBody(ctx, def, ref, value, 'Value', 0)
          : validateValue(ctx, def, value, 'Value', 0)
      return { success: true, value: out }
    } catch (err) {
      if (err instanceof ValidationError) return { success: false, error: err }
      throw err
    }
  }

  /** Parses query-string values per the method's params and fills defaults. */
  assertValidXrpcParams(nsid: string, params: RawXrpcParams): XrpcParams {
    const def = this.#main(nsid, XRPC_TYPES) as LexXrpcDef
    return validateParams(def.parameters, params)
  }

  /** A procedure's request body; returned with defaults filled in. Bodies without a schema pass as is. */
  assertValidXrpcInput(nsid: string, body: unknown): unknown {
    const def = this.#main(nsid, ['procedure']) as Extract<LexXrpcDef, { type: 'procedure' }>
    return this.#body(def.input, body, 'Input')
  }

  assertValidXrpcOutput(nsid: string, body: unknown): unknown {
    const def = this.#main(nsid, ['query', 'procedure']) as Exclude<LexXrpcDef, { type: 'subscription' }>
    return this.#body(def.output, body, 'Output')
  }

  /**
   * An event-stream message. `type` is the frame header's `t` (like `#commit`), which stands in for
   * `$type` at the top level of a message (lexicon.md, "When to use $type").
   */
  assertValidXrpcMessage(nsid: string, message: unknown, type?: string): unknown {
    const def = this.#main(nsid, ['subscription']) as Extract<LexXrpcDef, { type: 'subscription' }>
    let implied: string | undefined
    if (type !== undefined) {
      try {
        implied = normalizeRef(type, nsid, 'type')
      } catch {
        throw new ValidationError('Message', `has a malformed type "${type}"`)
      }
    }
    return validateUnion(this.#context(true), def.message.schema, message, 'Message', 0, implied)
  }

  /** Every ref in the set that does not resolve, or resolves to something it may not name. */
  findRefProblems(): string[] {
    return findRefProblems(this.#docs.values(), (ref) => this.#lookup(ref))
  }

  /** Makes the set read-only, for instances shared across a process. */
  seal(): this {
    this.#sealed = true
    return this
  }

  /** Resolves an absolute ref, memoized; throws LexiconNotFoundError. */
  resolve(ref: string): LexDef {
    const def = this.#lookup(ref)
    if (!def) throw new LexiconNotFoundError(ref)
    return def
  }

  #lookup(ref: string): LexDef | undefined {
    let def = this.#resolved.get(ref)
    if (def) return def
    const { nsid, name } = splitRef(ref)
    const defs = this.#docs.get(nsid)?.defs
    def = defs && Object.hasOwn(defs, name) ? defs[name] : undefined
    if (def) this.#resolved.set(ref, def)
    return def
  }

  #main(nsid: string, types: readonly string[]): LexDef {
    const def = this.#lookup(nsid)
    if (!def) throw new LexiconNotFoundError(nsid)
    if (!types.includes(def.type)) throw new LexiconDefTypeError(nsid, def.type, types)
    return def
  }

  #body(body: LexXrpcBody | undefined, value: unknown, root: string): unknown {
    const schema = body?.schema
    if (!schema) return value
    const ctx = this.#context(true)
    if (schema.type === 'union') return validateUnion(ctx, schema, value, root, 0)
    if (schema.type === 'object') return validateObject(ctx, schema, value, root, 0)
    return validateValue(ctx, schema, value, root, 0)
  }

  #context(applyDefaults: boolean): ValidationContext {
    return applyDefaults ? this.#bodies : this.#records
  }

  #assertMutable(): void {
    if (this.#sealed) throw new LexiconError('this lexicon set is sealed; copy it with new Lexicons(set)')
  }
}
