// Validators sit on the relay's hot path and see attacker-chosen strings: they must refuse
// oversized input before scanning it, never backtrack, keep error messages short, and answer
// non-strings with false rather than an exception.
import { describe, expect, it } from 'vitest'
import { ensureValidAtIdentifier, isValidAtIdentifier } from './at-identifier.js'
import { ensureValidAtUri, isValidAtUri } from './at-uri.js'
import { ensureValidCidString, isValidCidString } from './cid-string.js'
import { ensureValidDatetime, isValidDatetime } from './datetime.js'
import { ensureValidDid, isValidDid } from './did.js'
import { InvalidSyntaxError } from './errors.js'
import { ensureValidHandle, isValidHandle } from './handle.js'
import { ensureValidLanguage, isValidLanguage } from './language.js'
import { ensureValidNsid, isValidNsid } from './nsid.js'
import { ensureValidRecordKey, isValidRecordKey } from './record-key.js'
import { ensureValidTid, isValidTid } from './tid.js'
import { ensureValidUri, isValidUri } from './uri.js'

const validators: [string, (s: unknown) => boolean, (s: unknown) => void][] = [
  ['at-uri', isValidAtUri, ensureValidAtUri],
  ['at-identifier', isValidAtIdentifier, ensureValidAtIdentifier],
  ['cid', isValidCidString, ensureValidCidString],
  ['datetime', isValidDatetime, ensureValidDatetime],
  ['did', isValidDid, ensureValidDid],
  ['handle', isValidHandle, ensureValidHandle],
  ['language', isValidLanguage, ensureValidLanguage],
  ['nsid', isValidNsid, ensureValidNsid],
  ['record-key', isValidRecordKey, ensureValidRecordKey],
  ['tid', isValidTid, ensureValidTid],
  ['uri', isValidUri, ensureValidUri],
]

const MB = 1 << 20
// Shapes that make naive regexes backtrack: long runs of almost-matching repetitions.
const hostile = [
  'a'.repeat(8 * MB),
  `did:plc:${'a:'.repeat(4 * MB)}`,
  `${'a.'.repeat(4 * MB)}0`,
  `at://did:plc:abc/${'a.'.repeat(4 * MB)}`,
  `https://${'x'.repeat(8 * MB)} `,
  `en${'-abcde'.repeat(MB)}`,
  `1985-04-12T23:20:50.${'1'.repeat(8 * MB)}Z`,
]

describe('hostile input', () => {
  it('is refused fast, with a short message, by every validator', () => {
    for (const [name, isValid, ensure] of validators) {
      for (const input of hostile) {
        const start = performance.now()
        expect(isValid(input), name).toBe(false)
        let message = ''
        try {
          ensure(input)
        } catch (err) {
          expect(err, name).toBeInstanceOf(InvalidSyntaxError)
          message = (err as Error).message
        }
        const ms = performance.now() - start
        expect(message.length, `${name} message`).toBeGreaterThan(0)
        expect(message.length, `${name} message`).toBeLessThan(400)
        // Linear scans of a few MiB take milliseconds; backtracking would take minutes.
        expect(ms, `${name} on ${input.length} chars`).toBeLessThan(1000)
      }
    }
  })

  it('answers non-strings with false, and a typed error from ensure', () => {
    for (const [name, isValid, ensure] of validators) {
      for (const value of [undefined, null, 42, {}, ['did:plc:abc'], new String('did:plc:abc')]) {
        expect(isValid(value), name).toBe(false)
        expect(() => ensure(value), name).toThrow(InvalidSyntaxError)
      }
    }
  })
})
