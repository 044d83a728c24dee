// Password hashing with scrypt (node:crypto): a random salt per account password, parameters
// stored with the hash so they can be raised later, comparison in constant time.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'

const N = 16384
const R = 8
const P = 1
const KEY_LEN = 64
/** Longer inputs are refused before hashing: nobody types them, and they only cost CPU. */
export const MAX_PASSWORD_LENGTH = 1024

function scrypt(password: string, salt: Uint8Array, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(
      password.normalize('NFKC'),
      salt,
      KEY_LEN,
      { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    )
  })
}

/** `scrypt$N$r$p$salt$hash`, salt and hash base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, N, R, P)
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** True when `password` matches `stored`; false for a malformed stored value or an overlong password. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) return false
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [n, r, p] = parts.slice(1, 4).map(Number)
  if (![n, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || n > 1 << 20 || r > 32 || p > 16)
    return false
  const salt = Buffer.from(parts[4], 'base64url')
  const expected = Buffer.from(parts[5], 'base64url')
  if (expected.length !== KEY_LEN) return false
  const actual = await scrypt(password, salt, n, r, p)
  return timingSafeEqual(actual, expected)
}

/** Spends the same time as a real check, so a login for an unknown account is not faster. */
export async function burnPasswordCheck(password: string): Promise<void> {
  await scrypt(password.slice(0, MAX_PASSWORD_LENGTH), randomBytes(16), N, R, P)
}

/**
 * App passwords: the salt is derived from the DID, so a login computes one hash and looks it up,
 * instead of trying every app password of the account in turn. They are random 16-character
 * strings, so a per-account salt is enough against precomputation.
 */
export async function hashAppPassword(did: string, password: string): Promise<string> {
  const salt = createHash('sha256').update(`welkin app password\0${did}`).digest().subarray(0, 16)
  return (await scrypt(password, salt, N, R, P)).toString('base64url')
}

/** A fresh app password in the official PDS's `xxxx-xxxx-xxxx-xxxx` shape. */
export function generateAppPassword(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  const bytes = randomBytes(16)
  let out = ''
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) out += '-'
    out += alphabet[bytes[i] & 31]
  }
  return out
}
