import { describe, expect, it } from 'vitest'
import { EmailTokens } from './email-token.js'

describe('email tokens', () => {
  const did = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
  let now = 1_700_000_000_000
  const tokens = new EmailTokens('secret secret secret', () => now)

  it('are bound to purpose, account and secret, and accepted in any case', () => {
    const t = tokens.issue('delete_account', did)
    expect(t).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/)
    expect(tokens.verify('delete_account', did, t)).toBe(true)
    expect(tokens.verify('delete_account', did, ` ${t.toLowerCase()} `)).toBe(true)
    expect(tokens.verify('plc_operation', did, t)).toBe(false)
    expect(tokens.verify('delete_account', 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb', t)).toBe(false)
    expect(new EmailTokens('another secret', () => now).verify('delete_account', did, t)).toBe(false)
    expect(tokens.verify('delete_account', did, '')).toBe(false)
    expect(tokens.verify('delete_account', did, 'x'.repeat(10_000))).toBe(false)
  })

  it('expire after 15 to 30 minutes', () => {
    now = 1_700_000_000_000
    const t = tokens.issue('plc_operation', did)
    now += 14 * 60_000
    expect(tokens.verify('plc_operation', did, t)).toBe(true)
    now += 31 * 60_000
    expect(tokens.verify('plc_operation', did, t)).toBe(false)
  })
})
