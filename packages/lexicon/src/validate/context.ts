import { CID } from '@welkin/data'
import { ValidationError } from '../errors.js'
import type { LexDef } from '../types.js'

export interface ValidationContext {
  /** Looks up an absolute ref; throws LexiconNotFoundError when nothing defines it. */
  resolve(ref: string): LexDef
  /** Fill absent properties from their schema's `default` (XRPC bodies), or leave data as is (records). */
  applyDefaults: boolean
  /** Nesting bound: data may come from code as well as decoders, and may even be cyclic. */
  maxDepth: number
}

export function invalid(path: string, reason: string): never {
  throw new ValidationError(path, reason)
}

export function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (v instanceof Uint8Array) return 'bytes'
  if (CID.asCID(v)) return 'a CID'
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
}
