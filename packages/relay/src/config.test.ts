import { describe, expect, it } from 'vitest'
import { DEFAULT_RELAY_PORT, resolveRelayConfig } from './config.js'
import { RelayConfigError } from './errors.js'

describe('resolveRelayConfig', () => {
  it('has defaults a public relay can run with', () => {
    const c = resolveRelayConfig({})
    expect(c.port).toBe(DEFAULT_RELAY_PORT)
    expect(c.allowLoopback).toBe(false)
    expect(c.adminPassword).toBeUndefined()
    expect(c.replayWindowMs).toBe(72 * 3_600_000)
    expect(c.newHostLimits.accountLimit).toBeLessThan(c.trustedHostLimits.accountLimit)
    expect(c.dataDir).toMatch(/data[/\\]relay$/)
  })

  it('reads RELAY_* variables, then typed overrides on top', () => {
    const c = resolveRelayConfig(
      {
        RELAY_PORT: '3000',
        RELAY_ADMIN_PASSWORD: 'secret',
        RELAY_ALLOW_LOOPBACK: 'true',
        RELAY_REPLAY_WINDOW_HOURS: '24',
        RELAY_NEW_HOST_EVENTS_PER_SECOND: '10',
        RELAY_TRUSTED_HOSTS: 'a.example.com, b.example.com',
        RELAY_PLC_URL: 'http://127.0.0.1:2582/',
      },
      { port: 4000 },
    )
    expect(c).toMatchObject({
      port: 4000,
      adminPassword: 'secret',
      allowLoopback: true,
      replayWindowMs: 24 * 3_600_000,
      plcUrl: 'http://127.0.0.1:2582',
      trustedHosts: ['a.example.com', 'b.example.com'],
    })
    expect(c.newHostLimits.eventsPerSecond).toBe(10)
  })

  it.each([
    [{ RELAY_PORT: 'abc' }, 'RELAY_PORT'],
    [{ RELAY_ALLOW_LOOPBACK: 'maybe' }, 'RELAY_ALLOW_LOOPBACK'],
    [{ RELAY_PLC_URL: 'not a url' }, 'RELAY_PLC_URL'],
    [{ RELAY_PLC_URL: 'ftp://x' }, 'RELAY_PLC_URL'],
    [{ RELAY_REPLAY_WINDOW_HOURS: '0' }, 'RELAY_REPLAY_WINDOW_HOURS'],
    [{ RELAY_PORT: '70000' }, 'RELAY_PORT'],
  ])('names the variable at fault: %j', (env, name) => {
    expect(() => resolveRelayConfig(env)).toThrow(RelayConfigError)
    expect(() => resolveRelayConfig(env)).toThrow(name)
  })
})
