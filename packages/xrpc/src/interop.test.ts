// The official TypeScript client (@atproto/api) calling methods served here: it validates our
// responses against its own copy of the lexicons and maps our error names to its error classes.
import { AtpAgent, ComAtprotoRepoGetRecord } from '@atproto/api'
import { officialLexicons } from '@welkin/lexicon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidRequestError } from './errors.js'
import { type Running, startServer } from './testing.js'
import type { JsonInput } from './types.js'

const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
let srv: Running
let agent: AtpAgent

beforeAll(async () => {
  srv = await startServer(
    (x) => {
      x.method('com.atproto.server.describeServer', () => ({
        encoding: 'application/json',
        body: {
          did: 'did:web:pds.example.com',
          availableUserDomains: ['.example.com'],
          inviteCodeRequired: false,
          links: { privacyPolicy: 'https://example.com/privacy' },
        },
      }))
      x.method('com.atproto.repo.getRecord', ({ params }) => {
        if (params.rkey === 'missing')
          throw new InvalidRequestError(`Could not locate record`, 'RecordNotFound')
        return {
          encoding: 'application/json',
          body: {
            uri: `at://${params.repo}/${params.collection}/${params.rkey}`,
            cid: CID,
            value: { text: 'hi' },
          },
        }
      })
      x.method('com.atproto.repo.createRecord', ({ input }) => {
        const body = (input as JsonInput).body as { repo: string; collection: string }
        return {
          encoding: 'application/json',
          body: { uri: `at://${body.repo}/${body.collection}/3l6oveex3ii2l`, cid: CID },
        }
      })
    },
    { lexicons: officialLexicons(), validateOutput: true },
  )
  agent = new AtpAgent({ service: srv.url })
})
afterAll(() => srv.close())

describe('@atproto/api 0.19.9 against this server', () => {
  it('calls a query and accepts the response', async () => {
    const res = await agent.com.atproto.server.describeServer()
    expect(res.success).toBe(true)
    expect(res.data.did).toBe('did:web:pds.example.com')
    expect(res.data.availableUserDomains).toEqual(['.example.com'])
  })

  it('passes params and reads a record', async () => {
    const res = await agent.com.atproto.repo.getRecord({
      repo: DID,
      collection: 'app.bsky.feed.post',
      rkey: 'abc',
    })
    expect(res.data.uri).toBe(`at://${DID}/app.bsky.feed.post/abc`)
    expect(res.data.cid).toBe(CID)
  })

  it('sends a procedure body we validate and answer', async () => {
    const res = await agent.com.atproto.repo.createRecord({
      repo: DID,
      collection: 'app.bsky.feed.post',
      record: { $type: 'app.bsky.feed.post', text: 'hello', createdAt: new Date().toISOString() },
    })
    expect(res.data.uri).toBe(`at://${DID}/app.bsky.feed.post/3l6oveex3ii2l`)
  })

  it('maps our lexicon error name to its error class', async () => {
    const err = await agent.com.atproto.repo
      .getRecord({ repo: DID, collection: 'app.bsky.feed.post', rkey: 'missing' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ComAtprotoRepoGetRecord.RecordNotFoundError)
    expect((err as { status: number }).status).toBe(400)
  })

  it('sees an unknown method as MethodNotImplemented', async () => {
    const err = (await agent.com.atproto.server.getSession().catch((e: unknown) => e)) as {
      status: number
      error: string
    }
    expect([err.status, err.error]).toEqual([501, 'MethodNotImplemented'])
  })
})
