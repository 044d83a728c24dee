// Character-class tests on UTF-16 code units. Validators walk strings with these instead of
// regexes so that every check is one linear pass with no backtracking.

export const DOT = 0x2e
export const HYPHEN = 0x2d
export const COLON = 0x3a
export const SLASH = 0x2f
export const PERCENT = 0x25

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

export function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a
}

export function isAlpha(c: number): boolean {
  const lower = c | 0x20
  return lower >= 0x61 && lower <= 0x7a
}

export function isAlnum(c: number): boolean {
  return isAlpha(c) || isDigit(c)
}

// Per-identifier character sets as bits of one ASCII table: one load and mask per character.
export const ALNUM = 1
/** Hostname label characters: alphanumerics and "-". */
export const LABEL = 2
/** DID identifier characters (did.md): alphanumerics and "._:%-". */
export const DID = 4
/** Record key characters (record-key.md): alphanumerics and ".-_:~". */
export const RKEY = 8

const TABLE = new Uint8Array(128)
for (let c = 0; c < 128; c++) if (isAlnum(c)) TABLE[c] = ALNUM | LABEL | DID | RKEY
for (const ch of '-') TABLE[ch.charCodeAt(0)] |= LABEL
for (const ch of '._:%-') TABLE[ch.charCodeAt(0)] |= DID
for (const ch of '.-_:~') TABLE[ch.charCodeAt(0)] |= RKEY

/** Whether code unit `c` is in the character set `set` (one of the bits above). */
export function inSet(c: number, set: number): boolean {
  return c < 128 && (TABLE[c] & set) !== 0
}

const MAX_SHOWN = 64

/**
 * The offending value for an error message: JSON-quoted, so leading/trailing spaces and control
 * characters are visible, and cut short, so a hostile 8 KiB input does not end up in every log line.
 */
export function show(value: string): string {
  if (value.length <= MAX_SHOWN) return JSON.stringify(value)
  return `${JSON.stringify(value.slice(0, MAX_SHOWN))}… (${value.length} chars)`
}

/** The reason a non-string was given where an identifier was expected. */
export function notAString(kind: string, value: unknown): string {
  return `${kind} must be a string, got ${value === null ? 'null' : typeof value}`
}
