// MIME patterns as lexicons use them for blob `accept` and XRPC `encoding` (lexicon.md, "blob"):
// an exact `type/subtype`, a `type/*` glob, or `*/*`. Partial globs and a bare `*` are not patterns.

const TOKEN = /^[a-zA-Z0-9!#$&^_.+-]+$/

function split(mime: string): [string, string] | null {
  const semi = mime.indexOf(';')
  const bare = (semi === -1 ? mime : mime.slice(0, semi)).trim().toLowerCase()
  const slash = bare.indexOf('/')
  if (slash === -1) return null
  return [bare.slice(0, slash), bare.slice(slash + 1)]
}

export function isValidMimePattern(pattern: string): boolean {
  if (pattern.includes(';')) return false
  const parts = split(pattern)
  if (!parts) return false
  const [type, sub] = parts
  if (type === '*') return sub === '*'
  return TOKEN.test(type) && (sub === '*' || TOKEN.test(sub))
}

/** Whether a concrete MIME type (parameters such as `; charset=` ignored) matches a pattern. */
export function mimeMatches(pattern: string, mime: string): boolean {
  const want = split(pattern)
  const got = split(mime)
  if (!want || !got || got[0] === '' || got[1] === '') return false
  if (want[0] === '*' && want[1] === '*') return true
  if (want[0] !== got[0]) return false
  return want[1] === '*' || want[1] === got[1]
}
