import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AtUri, ensureValidAtUri, isValidAtUri } from './at-uri.js'
import { InvalidAtUriError } from './errors.js'

describe('AtUri', () => {
  it('parses each shape into its parts', () => {
    const full = AtUri.parse('at://did:plc:vwzwgnygau7ed7b7wt5ux7y2/app.bsky.feed.post/3k5nobkf2w72g')
    expect(full).toMatchObject({
      authority: 'did:plc:vwzwgnygau7ed7b7wt5ux7y2',
      collection: 'app.bsky.feed.post',
      rkey: '3k5nobkf2w72g',
    })
    const repo = AtUri.parse('at://retr0.id')
    expect(repo.authority).toBe('retr0.id')
    expect(repo.collection).toBeUndefined()
    expect(repo.rkey).toBeUndefined()
    expect(AtUri.parse('at://retr0.id/app.bsky.feed.post').collection).toBe('app.bsky.feed.post')
  })

  it('makes URIs from parts and prints them back', () => {
    expect(AtUri.make('did:plc:abc').toString()).toBe('at://did:plc:abc')
    expect(AtUri.make('did:plc:abc', 'app.bsky.feed.post').toString()).toBe(
      'at://did:plc:abc/app.bsky.feed.post',
    )
    expect(String(AtUri.make('alice.test', 'app.bsky.feed.post', 'self'))).toBe(
      'at://alice.test/app.bsky.feed.post/self',
    )
    expect(JSON.stringify({ uri: AtUri.make('alice.test') })).toBe('{"uri":"at://alice.test"}')
  })

  it('round-trips generated parts', () => {
    const authority = fc.constantFrom(
      'did:plc:ewvi7nxzyoun6zhxrhs64oiz',
      'did:web:example.com',
      'alice.bsky.social',
    )
    const collection = fc.constantFrom('app.bsky.feed.post', 'com.example.fooBar')
    const rkey = fc.stringMatching(/^[A-Za-z0-9._:~-]{1,40}$/).filter((k) => k !== '.' && k !== '..')
    fc.assert(
      fc.property(authority, collection, rkey, (a, c, r) => {
        const uri = AtUri.make(a, c, r)
        const again = AtUri.parse(uri.toString())
        expect([again.authority, again.collection, again.rkey]).toEqual([a, c, r])
      }),
    )
  })

  it('validates each part in make, so none can smuggle in a path', () => {
    expect(() => AtUri.make('alice.test/app.bsky.feed.post')).toThrow(/disallowed character "\/"/)
    expect(() => AtUri.make('alice.test', 'app.bsky.feed.post', 'a/b')).toThrow(InvalidAtUriError)
    expect(() => AtUri.make('alice.test', undefined, 'self')).toThrow(/without a collection/)
  })

  it('says which part is wrong', () => {
    expect(() => ensureValidAtUri('at://did:plc:abc/')).toThrow(/trailing slash/)
    expect(() => ensureValidAtUri('at://did:plc:abc/app.bsky.feed.post/a/b')).toThrow(/at most a collection/)
    expect(() => ensureValidAtUri('at://did:plc:abc#/frag')).toThrow(/query and fragment/)
    expect(() => ensureValidAtUri('at://did:plc:abc/app.bsky.feed_post')).toThrow(/NSID/)
    expect(() => ensureValidAtUri('at://did:plc:abc/app.bsky.feed.post/%23')).toThrow(/record key/)
    expect(() => ensureValidAtUri('at://name')).toThrow(/at least two labels/)
    expect(() => ensureValidAtUri('https://x.test')).toThrow(/start with "at:\/\/"/)
    expect(() => AtUri.parse(7)).toThrow(/must be a string/)
  })

  it('tryParse returns null instead of throwing', () => {
    expect(AtUri.tryParse('at://did:plc:abc/')).toBeNull()
    expect(AtUri.tryParse('at://did:plc:abc')?.authority).toBe('did:plc:abc')
    expect(isValidAtUri('at://did:plc:abc')).toBe(true)
  })
})
