import { describe, expect, it } from 'vitest'
import { isValidMimePattern, mimeMatches } from './mime.js'

describe('MIME patterns', () => {
  it.each(['image/png', 'image/*', '*/*', 'application/vnd.ipld.car', 'text/plain'])('accepts %s', (p) => {
    expect(isValidMimePattern(p)).toBe(true)
  })
  it.each(['*', 'image', 'text/ht*', '*/png', 'image/', '/png', 'text/plain; charset=utf-8', 'a b/c'])(
    'rejects %s',
    (p) => {
      expect(isValidMimePattern(p)).toBe(false)
    },
  )
  it('matches exact types, type globs and */*', () => {
    expect(mimeMatches('image/*', 'image/png')).toBe(true)
    expect(mimeMatches('image/*', 'IMAGE/PNG')).toBe(true)
    expect(mimeMatches('image/*', 'video/mp4')).toBe(false)
    expect(mimeMatches('image/png', 'image/png; q=1')).toBe(true)
    expect(mimeMatches('image/png', 'image/jpeg')).toBe(false)
    expect(mimeMatches('*/*', 'anything/at-all')).toBe(true)
    expect(mimeMatches('*/*', 'garbage')).toBe(false)
    expect(mimeMatches('image/*', 'image/')).toBe(false)
  })
})
