import { describe, expect, it } from 'vitest'
import { defaultBackend } from '#backend'
import type { Backend } from './backend.js'
import { bytesToHex } from './bytes.js'
import { nativeBackend } from './native/backend.js'
import { secp256k1Binding } from './native/secp256k1.js'
import { pureBackend } from './pure/backend.js'
import { randomBytes, sha256 } from './verify.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const backends: Backend[] = [nativeBackend, pureBackend]

// Platforms the secp256k1 package ships prebuilt addons for (its prebuilds/ folder).
const PREBUILT = ['linux-x64', 'darwin-arm64', 'win32-x64']

describe('backend selection', () => {
  it('uses the native backend under Node', () => {
    expect(defaultBackend).toBe(nativeBackend)
  })

  it.runIf(PREBUILT.includes(`${process.platform}-${process.arch}`))(
    'loads the libsecp256k1 addon, not a JS fallback',
    () => {
      expect(secp256k1Binding).toBeDefined()
      expect(nativeBackend.implementations.ES256K).toBe('libsecp256k1')
      expect(nativeBackend.curves.ES256K).not.toBe(pureBackend.curves.ES256K)
    },
  )
})

describe.each(backends)('$name sha256 and randomBytes', (backend) => {
  it('hashes FIPS 180-2 test vectors to plain Uint8Arrays', () => {
    expect(bytesToHex(backend.sha256(utf8('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    expect(bytesToHex(backend.sha256(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
    const digest = backend.sha256(new Uint8Array(300).fill(7))
    expect(Object.getPrototypeOf(digest)).toBe(Uint8Array.prototype)
    expect(digest.buffer.byteLength).toBe(32)
    expect(digest).toEqual(pureBackend.sha256(new Uint8Array(300).fill(7)))
  })

  it('produces random bytes of the requested length, beyond one getRandomValues call', () => {
    const a = backend.randomBytes(70000)
    expect(a.length).toBe(70000)
    expect(a.subarray(69968).some((b) => b !== 0)).toBe(true)
    expect(backend.randomBytes(32)).not.toEqual(backend.randomBytes(32))
  })
})

describe('package-level helpers', () => {
  it('sha256 and randomBytes use the default backend and validate input', () => {
    expect(sha256(utf8('abc'))).toEqual(pureBackend.sha256(utf8('abc')))
    expect(randomBytes(16).length).toBe(16)
    expect(() => randomBytes(-1)).toThrow(/non-negative/)
    expect(() => randomBytes(1.5)).toThrow(/non-negative/)
  })
})
