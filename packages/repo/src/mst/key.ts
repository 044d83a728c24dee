import { sha256Latin1 } from '@welkin/data'
import { InvalidMstKeyError } from '../errors.js'

/** repository.md "Repository Paths": paths are `<collection>/<rkey>`; we bound the length. */
export const MAX_MST_KEY_LENGTH = 1024

const utf8 = new TextEncoder()

// Allowed bytes: A-Z a-z 0-9 . - _ ~ and ':' (record-key.md allows it, and says every valid
// record key must be a valid path segment). '/' is handled separately.
const ALLOWED = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_~:') {
  ALLOWED[c.charCodeAt(0)] = 1
}

/** True for the bytes a key may hold (the allowed characters and '/'). */
export function isKeyByte(c: number): boolean {
  return c < 128 && (ALLOWED[c] === 1 || c === 0x2f)
}

/** The structural rules of mstKeyProblem, for a key whose characters are known to be allowed. */
export function mstKeyShapeProblem(key: string): string | undefined {
  const len = key.length
  if (len === 0) return 'empty'
  if (len > MAX_MST_KEY_LENGTH) return `longer than ${MAX_MST_KEY_LENGTH} characters`
  const slash = key.indexOf('/')
  if (slash === -1) return "no '/' between collection and record key"
  if (key.indexOf('/', slash + 1) !== -1) return "more than one '/'"
  if (slash === 0 || slash === len - 1) return 'empty path segment'
  if ((slash <= 2 && /^\.\.?\//.test(key)) || (len - slash <= 3 && /\/\.\.?$/.test(key))) {
    return "path segments '.' and '..' are not allowed"
  }
  return undefined
}

/** Why `key` is not a valid MST key, or undefined when it is. */
export function mstKeyProblem(key: string): string | undefined {
  const len = key.length
  if (len === 0) return 'empty'
  if (len > MAX_MST_KEY_LENGTH) return `longer than ${MAX_MST_KEY_LENGTH} characters`
  let slash = -1
  for (let i = 0; i < len; i++) {
    const c = key.charCodeAt(i)
    if (c === 0x2f) {
      if (slash !== -1) return "more than one '/'"
      slash = i
    } else if (c >= 128 || ALLOWED[c] === 0) return `character ${JSON.stringify(key[i])} not allowed`
  }
  if (slash === -1) return "no '/' between collection and record key"
  if (slash === 0 || slash === len - 1) return 'empty path segment'
  const collection = key.slice(0, slash)
  const rkey = key.slice(slash + 1)
  if (collection === '.' || collection === '..' || rkey === '.' || rkey === '..') {
    return "path segments '.' and '..' are not allowed"
  }
  return undefined
}

export function isValidMstKey(key: string): boolean {
  return mstKeyProblem(key) === undefined
}

export function ensureValidMstKey(key: string): void {
  const problem = mstKeyProblem(key)
  if (problem !== undefined) throw new InvalidMstKeyError(key, problem)
}

/** Bytes of a key; MST keys are UTF-8 (repository.md), ASCII in practice. */
export function mstKeyBytes(key: string): Uint8Array {
  return utf8.encode(key)
}

/**
 * Depth of a key in the tree: leading zero bits of SHA-256(key), counted in 2-bit chunks
 * (fanout 4, repository.md "MST Structure").
 */
export function leadingZerosOnHash(key: string | Uint8Array): number {
  // A string is hashed as UTF-8, as the spec asks; the digest comes back as Latin-1 characters.
  const hash = sha256Latin1(key)
  let zeros = 0
  for (let i = 0; i < 32; i++) {
    const byte = hash.charCodeAt(i)
    if (byte === 0) {
      zeros += 4
      continue
    }
    if (byte < 0x04) zeros += 3
    else if (byte < 0x10) zeros += 2
    else if (byte < 0x40) zeros += 1
    break
  }
  return zeros
}

/** Number of leading characters two keys share (the `p` of a node entry). */
export function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++
  return i
}
