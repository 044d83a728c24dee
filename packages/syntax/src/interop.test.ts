// Conformance against every file in atproto-interop-tests/syntax. A vector file this suite does
// not know fails the suite, so new upstream vectors cannot be skipped silently.
import { readdirSync } from 'node:fs'
import { expect, it } from 'vitest'
import { describeInterop, interopDir, interopPath, readInteropLines } from '../../../test/support/interop.js'
import { ensureValidAtIdentifier, isValidAtIdentifier } from './at-identifier.js'
import { AtUri, ensureValidAtUri, isValidAtUri } from './at-uri.js'
import { ensureValidCidString, isValidCidString } from './cid-string.js'
import { ensureValidDatetime, isValidDatetime } from './datetime.js'
import { ensureValidDid, isValidDid } from './did.js'
import { InvalidSyntaxError } from './errors.js'
import { ensureValidHandle, isValidHandle } from './handle.js'
import { ensureValidLanguage, isValidLanguage, parseLanguage } from './language.js'
import { ensureValidNsid, isValidNsid, parseNsid } from './nsid.js'
import { ensureValidRecordKey, isValidRecordKey } from './record-key.js'
import { ensureValidTid, isValidTid, tidClockId, tidFromTime, tidTimestamp } from './tid.js'
import { ensureValidUri, isValidUri } from './uri.js'

interface Checker {
  /** The lexicon-format check. */
  isValid: (s: string) => boolean
  /** Its throwing twin, which must agree and throw a typed error. */
  ensure: (s: string) => unknown
  /** Extra assertions for a valid line, e.g. that parsing round-trips. */
  roundTrip?: (s: string) => void
  /** The strict parse exercised by `<kind>_parse_invalid.txt`, when the kind has one. */
  strictParse?: (s: string) => unknown
}

const checkers: Record<string, Checker> = {
  atidentifier: { isValid: isValidAtIdentifier, ensure: ensureValidAtIdentifier },
  aturi: {
    isValid: isValidAtUri,
    ensure: ensureValidAtUri,
    roundTrip: (s) => expect(AtUri.parse(s).toString()).toBe(s),
  },
  cid: { isValid: isValidCidString, ensure: ensureValidCidString },
  // datetime_parse_invalid.txt lists semantically impossible datetimes; the lexicon format
  // itself must refuse them (specs/lexicon.md lists them under "Invalid examples").
  datetime: { isValid: isValidDatetime, ensure: ensureValidDatetime, strictParse: ensureValidDatetime },
  did: { isValid: isValidDid, ensure: ensureValidDid },
  handle: { isValid: isValidHandle, ensure: ensureValidHandle },
  // language_parse_invalid.txt holds well-formed tags that RFC 5646 calls invalid: the lexicon
  // format accepts them (it asks only for well-formed), the strict parser refuses them.
  language: {
    isValid: isValidLanguage,
    ensure: ensureValidLanguage,
    roundTrip: (s) => parseLanguage(s),
    strictParse: parseLanguage,
  },
  nsid: {
    isValid: isValidNsid,
    ensure: ensureValidNsid,
    roundTrip: (s) => expect(parseNsid(s).segments.join('.')).toBe(s),
  },
  recordkey: { isValid: isValidRecordKey, ensure: ensureValidRecordKey },
  tid: {
    isValid: isValidTid,
    ensure: ensureValidTid,
    roundTrip: (s) => expect(tidFromTime(tidTimestamp(s), tidClockId(s))).toBe(s),
  },
  uri: { isValid: isValidUri, ensure: ensureValidUri },
}

const FILE = /^([a-z]+)_(syntax|parse)_(valid|invalid)\.txt$/

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

describeInterop('syntax vectors', () => {
  const files = interopDir ? readdirSync(interopPath('syntax')).filter((f) => f.endsWith('.txt')) : []

  it('finds the vector files', () => {
    expect(files.length).toBeGreaterThanOrEqual(24)
  })

  for (const file of files) {
    it(file, () => {
      const match = FILE.exec(file)
      expect(match, `unrecognised vector file name ${file}`).not.toBeNull()
      const [, kind, stage, expected] = match!
      const checker = checkers[kind]
      expect(checker, `no checker for vector file ${file}`).toBeDefined()
      const lines = readInteropLines(`syntax/${file}`)
      expect(lines.length, `${file} has no vectors`).toBeGreaterThan(0)

      for (const line of lines) {
        const where = `${file}: ${JSON.stringify(line)}`
        if (stage === 'parse') {
          expect(checker.strictParse, `no strict parser for ${file}`).toBeDefined()
          expect(
            thrown(() => checker.strictParse!(line)),
            `strict parse accepted ${where}`,
          ).toBeInstanceOf(InvalidSyntaxError)
        } else if (expected === 'valid') {
          expect(checker.isValid(line), `rejected valid ${where}`).toBe(true)
          expect(
            thrown(() => checker.ensure(line)),
            `ensure threw on valid ${where}`,
          ).toBeUndefined()
          checker.roundTrip?.(line)
        } else {
          expect(checker.isValid(line), `accepted invalid ${where}`).toBe(false)
          const err = thrown(() => checker.ensure(line))
          expect(err, `ensure accepted invalid ${where}`).toBeInstanceOf(InvalidSyntaxError)
          expect((err as Error).message.length, `empty error message for ${where}`).toBeGreaterThan(0)
        }
      }
    })
  }
})
