import { describe, expect, it } from 'vitest'
import { generateAppPassword, hashAppPassword, hashPassword, verifyPassword } from './password.js'

describe('passwords', () => {
  it('hashes with a fresh salt and verifies', async () => {
    const a = await hashPassword('correct horse')
    const b = await hashPassword('correct horse')
    expect(a).not.toBe(b)
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/)
    expect(await verifyPassword('correct horse', a)).toBe(true)
    expect(await verifyPassword('correct horsE', a)).toBe(false)
    expect(await verifyPassword('', a)).toBe(false)
  })

  it('treats a malformed stored value or an absurd password as a mismatch', async () => {
    expect(await verifyPassword('x', 'plaintext')).toBe(false)
    expect(await verifyPassword('x', 'scrypt$99999999$8$1$AA$AA')).toBe(false)
    const h = await hashPassword('x')
    expect(await verifyPassword('x'.repeat(2000), h)).toBe(false)
  })

  it('derives app password hashes per account', async () => {
    const pw = generateAppPassword()
    expect(pw).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/)
    expect(await hashAppPassword('did:plc:a', pw)).toBe(await hashAppPassword('did:plc:a', pw))
    expect(await hashAppPassword('did:plc:a', pw)).not.toBe(await hashAppPassword('did:plc:b', pw))
  })
})
