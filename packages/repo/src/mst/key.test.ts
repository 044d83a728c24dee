import { describe, expect, it } from 'vitest'
import { describeInterop, readInteropJson, readInteropLines } from '../../../../test/support/interop.js'
import { InvalidMstKeyError } from '../errors.js'
import {
  commonPrefixLength,
  ensureValidMstKey,
  isValidMstKey,
  leadingZerosOnHash,
  MAX_MST_KEY_LENGTH,
} from './key.js'

describe('MST keys', () => {
  it('accepts collection/rkey paths', () => {
    for (const k of [
      'app.bsky.feed.post/3jqfcqzm3fo2j',
      'com.example.record/self',
      'a/b',
      'A0/374913',
      'x.y/pre:fix~1',
    ]) {
      expect(isValidMstKey(k), k).toBe(true)
    }
  })

  it('rejects bad paths', () => {
    const bad = [
      '',
      'nocollection',
      '/leading',
      'trailing/',
      'a/b/c',
      'a//b',
      'app.bsky.feed.post/has space',
      'app.bsky.feed.post/ünicode',
      'app.bsky.feed.post/#hash',
      'app.bsky.feed.post/..',
      './x',
      `a/${'x'.repeat(MAX_MST_KEY_LENGTH)}`,
    ]
    for (const k of bad) {
      expect(isValidMstKey(k), k).toBe(false)
      expect(() => ensureValidMstKey(k)).toThrow(InvalidMstKeyError)
    }
    expect(isValidMstKey(`a/${'x'.repeat(MAX_MST_KEY_LENGTH - 2)}`)).toBe(true)
  })

  it('counts leading zeros in 2-bit chunks', () => {
    expect(leadingZerosOnHash('asdf')).toBe(0)
    expect(leadingZerosOnHash(new TextEncoder().encode('blue'))).toBe(1)
  })
})

describeInterop('mst key heights and prefixes', () => {
  it('key_heights.json', () => {
    const cases = readInteropJson<{ key: string; height: number }[]>('mst/key_heights.json')
    expect(cases.length).toBeGreaterThan(5)
    for (const { key, height } of cases) expect(leadingZerosOnHash(key), key).toBe(height)
  })

  it('common_prefix.json', () => {
    const cases = readInteropJson<{ left: string; right: string; len: number }[]>('mst/common_prefix.json')
    expect(cases.length).toBeGreaterThan(5)
    for (const { left, right, len } of cases)
      expect(commonPrefixLength(left, right), `${left}|${right}`).toBe(len)
  })

  it('example_keys.txt: valid keys whose height is the digit after the letter', () => {
    const keys = readInteropLines('mst/example_keys.txt')
    expect(keys.length).toBe(156)
    for (const key of keys) {
      expect(isValidMstKey(key), key).toBe(true)
      expect(leadingZerosOnHash(key), key).toBe(Number(key[1]))
    }
  })
})
