import { CID, RAW } from '@welkin/data'
import { describe, expect, it } from 'vitest'
import { LexiconError, ValidationError } from './errors.js'
import { Lexicons } from './lexicons.js'
import { OFFICIAL_NAMESPACES, officialLexiconDocs, officialLexicons, unmangleRefs } from './official.js'

const DID = 'did:plc:z72i7hdynmk6r22z27h6tvur'
const image = () => ({
  $type: 'blob',
  ref: CID.create(RAW, new Uint8Array(32).fill(7)),
  mimeType: 'image/jpeg',
  size: 123_456,
})
// "hi @alice.bsky.social see https://example.com 🙂" — facet offsets are UTF-8 bytes.
const text = 'hi @alice.bsky.social see https://example.com 🙂'
const post = () => ({
  $type: 'app.bsky.feed.post',
  text,
  createdAt: '2024-05-01T12:00:00.000Z',
  langs: ['en'],
  facets: [
    {
      index: { byteStart: 3, byteEnd: 21 },
      features: [{ $type: 'app.bsky.richtext.facet#mention', did: DID }],
    },
    {
      index: { byteStart: 26, byteEnd: 45 },
      features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com' }],
    },
  ],
  embed: {
    $type: 'app.bsky.embed.images',
    images: [{ alt: 'a cat', image: image(), aspectRatio: { width: 800, height: 600 } }],
  },
  reply: {
    root: {
      uri: `at://${DID}/app.bsky.feed.post/3k2aesxasd22d`,
      cid: 'bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq',
    },
    parent: {
      uri: `at://${DID}/app.bsky.feed.post/3k2aesxasd22d`,
      cid: 'bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq',
    },
  },
})

function failure(value: unknown, collection = 'app.bsky.feed.post'): ValidationError {
  const result = officialLexicons().validateRecord(collection, value)
  if (result.success) throw new Error('expected the record to be invalid')
  return result.error
}

describe('officialLexicons', () => {
  it('loads every official document, and only those', () => {
    const lex = officialLexicons()
    expect(lex.size).toBe(officialLexiconDocs().length)
    expect(lex.size).toBeGreaterThan(300)
    for (const nsid of [
      'com.atproto.repo.createRecord',
      'com.atproto.sync.subscribeRepos',
      'app.bsky.feed.post',
      'chat.bsky.convo.defs',
      'tools.ozone.moderation.defs',
    ])
      expect(lex.has(nsid)).toBe(true)
    for (const doc of lex) expect(OFFICIAL_NAMESPACES.some((ns) => doc.id.startsWith(ns))).toBe(true)
  })

  it('resolves every ref in the official set', () => {
    expect(officialLexicons().findRefProblems()).toEqual([])
  })

  it('is loaded once, shared and sealed', () => {
    expect(officialLexicons()).toBe(officialLexicons())
    expect(() =>
      officialLexicons().add({ lexicon: 1, id: 'com.example.x', defs: { a: { type: 'token' } } }),
    ).toThrow(LexiconError)
    const own = new Lexicons(officialLexicons())
    own.add({ lexicon: 1, id: 'com.example.x', defs: { a: { type: 'token' } } })
    expect(own.size).toBe(officialLexicons().size + 1)
  })

  it('undoes the lex: URIs @atproto/lexicon writes into the published objects', () => {
    const mangled = {
      type: 'object',
      description: 'lex: stays in prose',
      properties: {
        a: { type: 'ref', ref: 'lex:app.bsky.actor.defs#profileView' },
        b: { type: 'union', refs: ['lex:app.bsky.embed.images'] },
        c: { type: 'string', knownValues: ['lex:com.example.defs#token', 'plain'] },
      },
    }
    expect(unmangleRefs(mangled)).toEqual({
      type: 'object',
      description: 'lex: stays in prose',
      properties: {
        a: { type: 'ref', ref: 'app.bsky.actor.defs#profileView' },
        b: { type: 'union', refs: ['app.bsky.embed.images'] },
        c: { type: 'string', knownValues: ['com.example.defs#token', 'plain'] },
      },
    })
  })
})

describe('real records', () => {
  it('accepts a post with facets, an image embed and a reply', () => {
    expect(new TextEncoder().encode(text).subarray(3, 21).toString()).toBe(
      new TextEncoder().encode('@alice.bsky.social').toString(),
    )
    const result = officialLexicons().validateRecord('app.bsky.feed.post', post(), { rkey: '3k2aesxasd22d' })
    if (!result.success) throw result.error
  })

  it('accepts likes, follows and a profile', () => {
    const lex = officialLexicons()
    const subject = { uri: `at://${DID}/app.bsky.feed.post/3k2aesxasd22d`, cid: post().reply.root.cid }
    const createdAt = '2024-05-01T12:00:00Z'
    expect(
      lex.validateRecord('app.bsky.feed.like', { $type: 'app.bsky.feed.like', subject, createdAt }).success,
    ).toBe(true)
    expect(
      lex.validateRecord('app.bsky.graph.follow', { $type: 'app.bsky.graph.follow', subject: DID, createdAt })
        .success,
    ).toBe(true)
    const profile = { $type: 'app.bsky.actor.profile', displayName: 'Alice', avatar: image() }
    expect(lex.validateRecord('app.bsky.actor.profile', profile, { rkey: 'self' }).success).toBe(true)
    expect(lex.validateRecord('app.bsky.actor.profile', profile, { rkey: 'other' }).success).toBe(false)
  })

  it('names what is wrong with common mistakes', () => {
    const { createdAt: _, ...noDate } = post()
    expect(failure(noDate).message).toBe('Record must have the property "createdAt"')

    const long = failure({ ...post(), text: '🙂'.repeat(301) })
    expect(long.path).toBe('Record/text')
    expect(long.message).toBe('Record/text must not be longer than 300 graphemes')
    expect(
      officialLexicons().validateRecord('app.bsky.feed.post', { ...post(), text: '🙂'.repeat(300) }).success,
    ).toBe(true)

    const wrongVariant = failure({ ...post(), embed: { ...post().embed, $type: 'app.bsky.embed.external' } })
    expect(wrongVariant.message).toBe('Record/embed must have the property "external"')

    const mainSuffix = failure({ ...post(), embed: { ...post().embed, $type: 'app.bsky.embed.images#main' } })
    expect(mainSuffix.path).toBe('Record/embed/$type')

    const alt = post()
    ;(alt.embed.images[0] as { alt: unknown }).alt = 42
    expect(failure(alt).message).toBe('Record/embed/images/0/alt must be a string, not a number')

    const video = post()
    video.embed.images[0].image.mimeType = 'video/mp4'
    expect(failure(video).path).toBe('Record/embed/images/0/image/mimeType')

    const feature = post()
    ;(feature.facets[0].features[0] as { did: string }).did = 'alice'
    expect(failure(feature).message).toBe('Record/facets/0/features/0/did must be a DID')

    expect(failure({ ...post(), createdAt: '2024-05-01 12:00' }).path).toBe('Record/createdAt')
    expect(failure({ ...post(), langs: ['en', 'not a language'] }).path).toBe('Record/langs/1')
  })
})

describe('official XRPC methods', () => {
  const lex = officialLexicons()

  it('knows methods and their encodings', () => {
    expect(lex.getXrpcMethod('com.atproto.repo.uploadBlob')).toMatchObject({
      type: 'procedure',
      inputEncoding: '*/*',
    })
    expect(lex.getXrpcMethod('com.atproto.sync.getRepo')?.outputEncoding).toBe('application/vnd.ipld.car')
    expect(lex.getXrpcMethod('com.atproto.sync.subscribeRepos')?.type).toBe('subscription')
    expect(lex.getDefType('app.bsky.feed.post')).toBe('record')
  })

  it('parses parameters with defaults', () => {
    expect(
      lex.assertValidXrpcParams('app.bsky.feed.getAuthorFeed', { actor: 'alice.bsky.social', limit: '30' }),
    ).toEqual({
      actor: 'alice.bsky.social',
      limit: 30,
      filter: 'posts_with_replies',
      includePins: false,
    })
  })

  it('validates a createRecord body, with the record as unknown data', () => {
    const body = { repo: DID, collection: 'app.bsky.feed.post', record: post() }
    expect(lex.assertValidXrpcInput('com.atproto.repo.createRecord', body)).toBe(body)
    expect(() =>
      lex.assertValidXrpcInput('com.atproto.repo.createRecord', { ...body, collection: 'post' }),
    ).toThrow('Input/collection must be an NSID')
  })

  it('validates firehose messages by their frame type', () => {
    const info = { name: 'OutdatedCursor' }
    expect(lex.assertValidXrpcMessage('com.atproto.sync.subscribeRepos', info, '#info')).toBe(info)
    expect(() =>
      lex.assertValidXrpcMessage('com.atproto.sync.subscribeRepos', { seq: 1 }, '#identity'),
    ).toThrow(ValidationError)
  })
})
