// Query parameters (xrpc.md "Lexicon HTTP Endpoints"): a repeated name is an array. With a lexicon
// they are coerced and checked by @welkin/lexicon; without one they pass as strings.
import type { Lexicons } from '@welkin/lexicon'
import { ValidationError } from '@welkin/lexicon'
import { InvalidRequestError } from './errors.js'
import type { XrpcParams } from './types.js'

/** Ceiling on values in one query string; lexicon arrays stay far below it. */
export const MAX_PARAM_VALUES = 1000

const EMPTY = new URLSearchParams()

export function searchParams(search: string): URLSearchParams {
  if (search === '') return EMPTY
  const params = new URLSearchParams(search)
  if (params.size > MAX_PARAM_VALUES)
    throw new InvalidRequestError(`Too many query parameters (over ${MAX_PARAM_VALUES})`)
  return params
}

function untyped(params: URLSearchParams): XrpcParams {
  // No prototype, so a parameter named __proto__ is a parameter like any other.
  const out: Record<string, string | string[]> = Object.create(null)
  for (const [key, value] of params) {
    const prev = out[key]
    if (prev === undefined) out[key] = value
    else if (typeof prev === 'string') out[key] = [prev, value]
    else prev.push(value)
  }
  return out
}

/** The method's params, validated against its lexicon when it has one; a bad value is a 400. */
export function parseParams(nsid: string, lexicons: Lexicons | undefined, search: string): XrpcParams {
  if (lexicons === undefined) return search === '' ? {} : untyped(searchParams(search))
  const params = searchParams(search)
  try {
    return lexicons.assertValidXrpcParams(nsid, params)
  } catch (err) {
    if (err instanceof ValidationError) throw new InvalidRequestError(err.message)
    throw err
  }
}
