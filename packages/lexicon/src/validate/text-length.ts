// String measures for lexicon limits (lexicon.md, "string"): minLength/maxLength count UTF-8
// bytes, minGraphemes/maxGraphemes count extended grapheme clusters.

/** UTF-8 byte length, computed from UTF-16 code units without encoding the string. */
export function utf8Length(s: string): number {
  let bytes = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) {
      bytes += 1
      continue
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1)
      // A surrogate pair: two code units already counted, four bytes in all.
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2
        i++
        continue
      }
    }
    // The rest of the BMP, and lone surrogates (encoded as U+FFFD), take three bytes.
    bytes += 2
  }
  return bytes
}

/** Code points, counting a surrogate pair once: an upper bound on graphemes that costs little. */
export function countCodePoints(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--
        i++
      }
    }
  }
  return n
}

let segmenter: Intl.Segmenter | undefined

/**
 * Counts grapheme clusters, stopping once `stopAt` is reached: a limit check never needs to walk
 * more of a long string than the limit.
 */
export function countGraphemes(s: string, stopAt = Number.POSITIVE_INFINITY): number {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
  let n = 0
  for (const _ of segmenter.segment(s)) {
    if (++n >= stopAt) break
  }
  return n
}
