// UTF-8 text to and from byte buffers, tuned for the short, mostly-ASCII strings of atproto
// records (map keys, NSIDs, DIDs, timestamps). Decoding validates: DAG-CBOR strings must be UTF-8.

const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()
const fcc = String.fromCharCode

/** Short ASCII runs: one fromCharCode call beats TextDecoder's per-call overhead below ~16 bytes. */
function asciiShort(b: Uint8Array, s: number, n: number): string {
  switch (n) {
    case 0:
      return ''
    case 1:
      return fcc(b[s])
    case 2:
      return fcc(b[s], b[s + 1])
    case 3:
      return fcc(b[s], b[s + 1], b[s + 2])
    case 4:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3])
    case 5:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4])
    case 6:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5])
    case 7:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6])
    case 8:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7])
    default:
      return asciiShort(b, s, 8) + asciiShort(b, s + 8, n - 8)
  }
}

const SHORT = 16

/** Decodes `b[start, end)`; throws TypeError on invalid UTF-8 (the caller adds the offset). */
export function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  const n = end - start
  if (n <= SHORT) {
    let i = start
    while (i < end && b[i] < 0x80) i++
    if (i === end) return asciiShort(b, start, n)
  }
  return fatalDecoder.decode(b.subarray(start, end))
}

// Map keys repeat endlessly ($type, text, createdAt, e, p, k, v, t...). Returning one string
// instance per key spelling skips building it and lets V8 reuse the internalized property name.
const CACHE_SLOTS = 4096
const CACHE_MAX = 32
const cacheBytes = new Uint8Array(CACHE_SLOTS * CACHE_MAX)
const cacheLens = new Uint8Array(CACHE_SLOTS).fill(0xff)
const cacheStrs: string[] = new Array(CACHE_SLOTS).fill('')

// One-byte ASCII keys (every MST and commit field) need neither hashing nor building.
const ONE_CHAR: string[] = []
for (let c = 0; c < 0x80; c++) ONE_CHAR.push(String.fromCharCode(c))

/** Like decodeUtf8, memoized for short strings; used for map keys. */
export function decodeUtf8Cached(b: Uint8Array, start: number, end: number): string {
  const n = end - start
  if (n === 1 && b[start] < 0x80) return ONE_CHAR[b[start]]
  if (n > CACHE_MAX) return fatalDecoder.decode(b.subarray(start, end))
  let h = n
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x9e3779b1)
  const slot = (h >>> 19) & (CACHE_SLOTS - 1)
  const base = slot * CACHE_MAX
  if (cacheLens[slot] === n) {
    let j = 0
    while (j < n && cacheBytes[base + j] === b[start + j]) j++
    if (j === n) return cacheStrs[slot]
  }
  const str = decodeUtf8(b, start, end)
  cacheBytes.set(b.subarray(start, end), base)
  cacheLens[slot] = n
  cacheStrs[slot] = str
  return str
}

export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s)
}

/** Writes `s` as UTF-8 at `pos`; `buf` must have room for 3 bytes per UTF-16 unit. Returns bytes written. */
export function writeUtf8(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length
  let i = 0
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) break
    buf[pos + i] = c
  }
  if (i === n) return n
  return i + encoder.encodeInto(s.slice(i), buf.subarray(pos + i)).written
}

/** Byte length of `s` in UTF-8; lone surrogates count as U+FFFD (3 bytes), as TextEncoder writes them. */
export function utf8Length(s: string): number {
  const n = s.length
  let len = n
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) len += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 2
        i++
      } else len += 2
    } else len += 2
  }
  return len
}
