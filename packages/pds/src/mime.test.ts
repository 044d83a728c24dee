import { describe, expect, it } from 'vitest'
import { chooseMime, normalizeMime, sniffMime } from './mime.js'

const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)))

describe('sniffMime', () => {
  it.each([
    [bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'image/png'],
    [bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
    [bytes('GIF89a', [1, 0]), 'image/gif'],
    [bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    [bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '), 'audio/wav'],
    [bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0]), 'video/mp4'],
    [bytes([0, 0, 0, 0x20], 'ftypqt  ', [0, 0, 2, 0]), 'video/quicktime'],
    [bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0]), 'image/avif'],
    [bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0]), 'image/heic'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), 'video/webm'],
    [bytes('%PDF-1.7'), 'application/pdf'],
    [bytes('ID3', [4, 0]), 'audio/mpeg'],
    [bytes('BM', [1, 2, 3, 4, 0, 0, 0, 0]), 'image/bmp'],
  ])('recognises %#', (head, type) => {
    expect(sniffMime(head)).toBe(type)
  })

  it('leaves text and unknown bytes alone', () => {
    expect(sniffMime(bytes('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeNull()
    expect(sniffMime(bytes('{"a":1}'))).toBeNull()
    expect(sniffMime(bytes('BM is a text that starts like a bitmap'))).toBeNull()
    expect(sniffMime(new Uint8Array())).toBeNull()
    expect(sniffMime(bytes([0xff]))).toBeNull()
  })
})

describe('chooseMime', () => {
  it('prefers the sniffed type, then a well-formed declared one', () => {
    expect(chooseMime('image/png', 'text/html')).toBe('image/png')
    expect(chooseMime(null, 'Image/SVG+XML; charset=utf-8')).toBe('image/svg+xml')
    expect(chooseMime(null, 'not a type')).toBe('application/octet-stream')
    expect(chooseMime(null, undefined)).toBe('application/octet-stream')
    expect(normalizeMime('text/plain;charset=utf-8')).toBe('text/plain')
  })
})
