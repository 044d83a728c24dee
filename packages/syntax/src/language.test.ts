import { describe, expect, it } from 'vitest'
import { InvalidLanguageError } from './errors.js'
import { ensureValidLanguage, isValidLanguage, parseLanguage } from './language.js'

describe('language tags', () => {
  it('parses every kind of subtag', () => {
    expect(parseLanguage('zh-yue-Hant-HK-1901-rozaj-u-co-phonebk-t-en-x-priv-a1')).toEqual({
      language: 'zh',
      extlangs: ['yue'],
      script: 'Hant',
      region: 'HK',
      variants: ['1901', 'rozaj'],
      extensions: [
        { singleton: 'u', subtags: ['co', 'phonebk'] },
        { singleton: 't', subtags: ['en'] },
      ],
      privateUse: ['priv', 'a1'],
    })
    expect(parseLanguage('es-419').region).toBe('419')
    const privateOnly = parseLanguage('X-fr-CH')
    expect(privateOnly.language).toBeUndefined()
    expect(privateOnly.privateUse).toEqual(['fr', 'CH'])
    expect(parseLanguage('i-default')).toMatchObject({ grandfathered: 'i-default' })
  })

  it('accepts repeated variants and extensions as well-formed, but not in the strict parse', () => {
    for (const tag of ['de-DE-1901-1901', 'en-a-foo-A-bar']) {
      expect(isValidLanguage(tag), tag).toBe(true)
      expect(() => parseLanguage(tag), tag).toThrow(InvalidLanguageError)
    }
    expect(() => parseLanguage('en-rozaj-ROZAJ')).toThrow(/repeats variant "ROZAJ"/)
    expect(() => parseLanguage('en-u-co-U-ca')).toThrow(/repeats extension "U"/)
  })

  it('says what is wrong', () => {
    expect(() => ensureValidLanguage('JA')).toThrow(/2 or 3 lower-case letters, got "JA"/)
    expect(() => ensureValidLanguage('ja-')).toThrow(/empty subtag/)
    expect(() => ensureValidLanguage('en-u')).toThrow(/extension "u" needs at least one subtag/)
    expect(() => ensureValidLanguage('en-x')).toThrow(/private-use/)
    expect(() => ensureValidLanguage('en-x-toolongsubtag')).toThrow(/private-use/)
    expect(() => ensureValidLanguage('en-US-Latn')).toThrow(/unexpected subtag "Latn"/)
    expect(() => ensureValidLanguage(`en-x${'-abcdefgh'.repeat(14)}`)).toThrow(/too long/)
  })
})
