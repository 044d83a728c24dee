import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addressRefusal, classifyAddress, embeddedIpv4 } from './ip-ranges.js'

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'reserved'],
    ['::', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['ff02::1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:c0a8:0101::1', 'private'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['not an ip', 'reserved'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls)
  })

  it('finds the IPv4 address inside mapped, NAT64 and 6to4 forms', () => {
    expect(embeddedIpv4('::ffff:1.2.3.4')).toBe('1.2.3.4')
    expect(embeddedIpv4('64:ff9b::102:304')).toBe('1.2.3.4')
    expect(embeddedIpv4('2002:102:304::')).toBe('1.2.3.4')
    expect(embeddedIpv4('2001:db8::1')).toBeUndefined()
  })

  it('classifies every IPv4-mapped address like the IPv4 address itself', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(classifyAddress(`::ffff:${ip}`)).toBe(classifyAddress(ip))
      }),
    )
  })
})

describe('addressRefusal', () => {
  it('allows each class only with its own switch', () => {
    expect(addressRefusal('127.0.0.1')).toContain('loopback')
    expect(addressRefusal('127.0.0.1', { allowLoopback: true })).toBeNull()
    expect(addressRefusal('10.0.0.1', { allowLoopback: true })).toContain('private')
    expect(addressRefusal('10.0.0.1', { allowPrivate: true })).toBeNull()
    expect(addressRefusal('169.254.169.254', { allowPrivate: true, allowLoopback: true })).toContain(
      'link-local',
    )
    expect(
      addressRefusal('0.0.0.0', { allowPrivate: true, allowLoopback: true, allowLinkLocal: true }),
    ).toContain('reserved')
    expect(addressRefusal('1.1.1.1')).toBeNull()
  })
})
