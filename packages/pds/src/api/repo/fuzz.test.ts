// Bad input never makes a 500 (issue 4, "Bad input"): every repo and sync endpoint answers
// malformed, mistyped or oversized input with a 4xx `{error, message}`. Hand-picked cases
// first, then fast-check over parameters and bodies built from each method's field names.

import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness, type TestAccount, xrpc } from './harness.js'

let plc: PlcServer
let h: Harness
let max: TestAccount

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
  h = await startHarness(plc.url)
  max = await h.account('max')
  await max.agent.post({ text: 'something to find', createdAt: new Date().toISOString() })
})

afterAll(async () => {
  await h?.close()
  await plc?.close()
})

function expectClientError(res: { status: number; body: unknown }, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400)
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeLessThan(500)
  const body = res.body as { error?: unknown; message?: unknown }
  expect(typeof body.error, what).toBe('string')
  expect(typeof body.message, what).toBe('string')
}

/** 2xx is fine (random input can be valid), 4xx must carry {error, message}, 5xx never. */
function expectNoServerError(res: { status: number; body: unknown }, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeLessThan(500)
  if (res.status >= 400) expectClientError(res, what)
}

const QUERIES: Record<string, string[]> = {
  'com.atproto.repo.getRecord': ['repo', 'collection', 'rkey', 'cid'],
  'com.atproto.repo.listRecords': ['repo', 'collection', 'limit', 'cursor', 'reverse'],
  'com.atproto.repo.describeRepo': ['repo'],
  'com.atproto.repo.listMissingBlobs': ['limit', 'cursor'],
  'com.atproto.sync.getRepo': ['did', 'since'],
  'com.atproto.sync.getLatestCommit': ['did'],
  'com.atproto.sync.getRecord': ['did', 'collection', 'rkey'],
  'com.atproto.sync.getBlocks': ['did', 'cids'],
  'com.atproto.sync.getBlob': ['did', 'cid'],
  'com.atproto.sync.listBlobs': ['did', 'since', 'limit', 'cursor'],
  'com.atproto.sync.listRepos': ['limit', 'cursor'],
  'com.atproto.sync.getRepoStatus': ['did'],
  'com.atproto.sync.getHead': ['did'],
  'com.atproto.sync.getCheckout': ['did'],
}

const PROCEDURES: Record<string, string[]> = {
  'com.atproto.repo.createRecord': ['repo', 'collection', 'rkey', 'validate', 'record', 'swapCommit'],
  'com.atproto.repo.putRecord': [
    'repo',
    'collection',
    'rkey',
    'validate',
    'record',
    'swapRecord',
    'swapCommit',
  ],
  'com.atproto.repo.deleteRecord': ['repo', 'collection', 'rkey', 'swapRecord', 'swapCommit'],
  'com.atproto.repo.applyWrites': ['repo', 'validate', 'writes', 'swapCommit'],
}

describe('hand-picked bad input', () => {
  it('answers bad query parameters with 4xx', async () => {
    const did = max.did
    const cases: [string, Record<string, string | string[]>][] = [
      ['com.atproto.repo.getRecord', { repo: did, collection: 'app.bsky.feed.post' }],
      ['com.atproto.repo.getRecord', { repo: did, collection: 'not an nsid', rkey: 'x' }],
      [
        'com.atproto.repo.getRecord',
        { repo: did, collection: 'app.bsky.feed.post', rkey: 'x', cid: 'bafynotacid' },
      ],
      ['com.atproto.repo.getRecord', { repo: 'did:plc:nobody', collection: 'app.bsky.feed.post', rkey: 'x' }],
      ['com.atproto.repo.listRecords', { repo: did, collection: 'app.bsky.feed.post', limit: '0' }],
      ['com.atproto.repo.listRecords', { repo: did, collection: 'app.bsky.feed.post', limit: '101' }],
      ['com.atproto.repo.listRecords', { repo: did, collection: 'app.bsky.feed.post', reverse: 'perhaps' }],
      ['com.atproto.repo.listRecords', { repo: 'nobody.test', collection: 'app.bsky.feed.post' }],
      ['com.atproto.repo.describeRepo', { repo: '' }],
      ['com.atproto.repo.describeRepo', { repo: 'nobody.test' }],
      ['com.atproto.sync.getRepo', { did: 'alice' }],
      ['com.atproto.sync.getRepo', { did, since: '2024-01-01' }],
      ['com.atproto.sync.getLatestCommit', { did: 'did:web:nowhere.example' }],
      ['com.atproto.sync.getRecord', { did, collection: 'app.bsky.feed.post', rkey: '..' }],
      ['com.atproto.sync.getBlocks', { did }],
      ['com.atproto.sync.getBlocks', { did, cids: ['nope'] }],
      ['com.atproto.sync.getBlob', { did, cid: 'x'.repeat(2000) }],
      ['com.atproto.sync.listBlobs', { did, limit: '100000' }],
      ['com.atproto.sync.listRepos', { limit: '-4' }],
      ['com.atproto.sync.getRepoStatus', { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }],
      ['com.atproto.repo.listMissingBlobs', {}],
    ]
    for (const [nsid, query] of cases) {
      expectClientError(await xrpc(h.url, nsid, { query }), `${nsid} ${JSON.stringify(query)}`)
    }
  })

  it('answers bad bodies with 4xx', async () => {
    const did = max.did
    const post = { $type: 'app.bsky.feed.post', text: 'x', createdAt: new Date().toISOString() }
    const cases: [string, unknown][] = [
      ['com.atproto.repo.createRecord', {}],
      ['com.atproto.repo.createRecord', { repo: did, collection: 'app.bsky.feed.post' }],
      [
        'com.atproto.repo.createRecord',
        { repo: did, collection: 'app.bsky.feed.post', record: { ...post, n: 1.5 } },
      ],
      [
        'com.atproto.repo.createRecord',
        { repo: did, collection: 'com.example.x', record: { l: { $link: 'nope' } } },
      ],
      [
        'com.atproto.repo.createRecord',
        { repo: did, collection: 'com.example.x', record: { b: { $bytes: '!!!' } } },
      ],
      ['com.atproto.repo.createRecord', { repo: did, collection: 'com.example.x', record: { $type: 7 } }],
      [
        'com.atproto.repo.createRecord',
        { repo: did, collection: 'com.example.x', record: { $type: 'blob' } },
      ],
      ['com.atproto.repo.createRecord', { repo: did, collection: 'com.example.x', rkey: 'a/b', record: {} }],
      [
        'com.atproto.repo.createRecord',
        { repo: did, collection: 'app.bsky.feed.post', record: post, swapCommit: 'x' },
      ],
      [
        'com.atproto.repo.createRecord',
        { repo: did, collection: 'app.bsky.feed.post', record: post, validate: 'yes' },
      ],
      ['com.atproto.repo.putRecord', { repo: did, collection: 'app.bsky.feed.post', record: post }],
      [
        'com.atproto.repo.putRecord',
        { repo: did, collection: 'com.example.x', rkey: 'k', record: {}, swapRecord: 42 },
      ],
      ['com.atproto.repo.deleteRecord', { repo: did, collection: 'app.bsky.feed.post', rkey: '' }],
      ['com.atproto.repo.applyWrites', { repo: did, writes: 'all of them' }],
      [
        'com.atproto.repo.applyWrites',
        { repo: did, writes: [{ $type: 'com.atproto.repo.applyWrites#rename' }] },
      ],
      [
        'com.atproto.repo.applyWrites',
        {
          repo: did,
          writes: [{ $type: 'com.atproto.repo.applyWrites#update', collection: 'com.example.x', value: {} }],
        },
      ],
      [
        'com.atproto.repo.applyWrites',
        {
          repo: did,
          writes: [
            {
              $type: 'com.atproto.repo.applyWrites#create',
              collection: 'com.example.x',
              rkey: 'same',
              value: {},
            },
            {
              $type: 'com.atproto.repo.applyWrites#create',
              collection: 'com.example.x',
              rkey: 'same',
              value: {},
            },
          ],
        },
      ],
    ]
    for (const [nsid, body] of cases) {
      expectClientError(
        await xrpc(h.url, nsid, { token: max.accessJwt, body }),
        `${nsid} ${JSON.stringify(body).slice(0, 200)}`,
      )
    }
    // Nested deeper than JSON.stringify can go here: sent as text.
    const depth = 20_000
    const deep = await xrpc(h.url, 'com.atproto.repo.createRecord', {
      token: max.accessJwt,
      body: new TextEncoder().encode(
        `{"repo":"${did}","collection":"com.example.x","record":${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}}`,
      ),
      headers: { 'content-type': 'application/json' },
    })
    expectClientError(deep, 'deeply nested record')
    const notJson = await xrpc(h.url, 'com.atproto.repo.createRecord', {
      token: max.accessJwt,
      body: new TextEncoder().encode('{"repo":'),
      headers: { 'content-type': 'application/json' },
    })
    expectClientError(notJson, 'truncated JSON')
    const badToken = await xrpc(h.url, 'com.atproto.repo.createRecord', {
      token: 'a.b.c',
      body: { repo: did },
    })
    expectClientError(badToken, 'bad token')
    const wrongVerb = await xrpc(h.url, 'com.atproto.sync.getRepo', { query: { did }, body: {} })
    expectClientError(wrongVerb, 'POST to a query')
  })
})

describe('fuzzed input', () => {
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      '',
      'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
      'app.bsky.feed.post',
      'self',
      '3jzfcijpj2z2a',
      '-1',
      '0',
      '1e9',
      'true',
      '..',
      'at://x',
      'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
    ),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
  )

  it('query parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(QUERIES)),
        fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(value, fc.array(value, { maxLength: 3 })), {
          maxKeys: 3,
        }),
        fc.array(fc.tuple(fc.nat(), fc.oneof(value, fc.array(value, { maxLength: 3 }))), { maxLength: 4 }),
        async (nsid, extra, picks) => {
          const names = QUERIES[nsid]
          const query: Record<string, string | string[]> = { ...extra }
          for (const [i, v] of picks) query[names[i % names.length]] = v
          if ('did' in query || names.includes('did')) query.did ??= max.did
          expectNoServerError(
            await xrpc(h.url, nsid, {
              query,
              token: nsid.endsWith('listMissingBlobs') ? max.accessJwt : undefined,
            }),
            `${nsid} ${JSON.stringify(query)}`,
          )
        },
      ),
      { numRuns: 150 },
    )
  })

  it('procedure bodies', async () => {
    const json = fc.jsonValue({ maxDepth: 3 })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(PROCEDURES)),
        fc.array(fc.tuple(fc.nat(), fc.oneof(value, json)), { maxLength: 6 }),
        fc.boolean(),
        async (nsid, picks, ownRepo) => {
          const names = PROCEDURES[nsid]
          const body: Record<string, unknown> = ownRepo ? { repo: max.did } : {}
          for (const [i, v] of picks) body[names[i % names.length]] = v
          expectNoServerError(
            await xrpc(h.url, nsid, { token: max.accessJwt, body }),
            `${nsid} ${JSON.stringify(body).slice(0, 300)}`,
          )
        },
      ),
      { numRuns: 150 },
    )
  })
})
