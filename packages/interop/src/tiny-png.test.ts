import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { solidPng } from './tiny-png.js'

describe('solidPng', () => {
  const png = Buffer.from(solidPng(4, [1, 2, 3]))

  it('has the PNG signature and the well-known IEND chunk CRC', () => {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(png.subarray(-8).toString('hex')).toBe('49454e44ae426082')
  })

  it('holds size x size RGB pixels of the colour asked for', () => {
    expect(png.readUInt32BE(16)).toBe(4)
    expect(png.readUInt32BE(20)).toBe(4)
    const idatLength = png.readUInt32BE(33)
    const pixels = inflateSync(png.subarray(41, 41 + idatLength))
    expect(pixels.length).toBe(4 * (1 + 4 * 3))
    expect([...pixels.subarray(0, 4)]).toEqual([0, 1, 2, 3])
  })
})
