// A random request for one XRPC method, for the endpoint fuzzer (see arbitraries.ts for the
// lexicon-shaped parts).
import type { Lexicons } from '@welkin/lexicon'
import fc from 'fast-check'
import { inputFor, type Pools, paramsFor } from './arbitraries.js'
import type { FuzzRequest } from './request.js'

export interface FuzzTarget {
  lexicons: Lexicons
  pools: Pools
  /** Authorization header values; the second is the caller's own valid access token. */
  auths: string[]
}

// A 1x1 PNG.
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a0230000000049454e44ae426082',
  'hex',
)
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'image/png',
  '*/*',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'garbage',
  'application/json; charset=utf-16',
]
export const MALFORMED_JSON = [
  '{',
  '{"repo":',
  '[]',
  'null',
  '"x"',
  '1e400',
  '{"a":1,"a":2}',
  '\uFEFF{}',
  '"\\ud800"',
  '{"record":{"createdAt":1.5}}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
]

type Corruption =
  | 'none'
  | 'shape'
  | 'verb'
  | 'contentType'
  | 'encoding'
  | 'bytes'
  | 'malformed'
  | 'auth'
  | 'headers'

/**
 * A request for `m`: usually shaped by its lexicon as a sloppy client would send it (so it reaches
 * the handler), with at most one other thing wrong: wild parameters and input, the verb, the
 * content type or encoding, the body (random bytes, malformed JSON), the credentials, or odd
 * extra headers.
 */
export function requestFor(t: FuzzTarget, m: { nsid: string; type: string }): fc.Arbitrary<FuzzRequest> {
  const { lexicons: lex, pools, auths } = t
  const def = lex.getXrpcMethod(m.nsid)!.def
  const natural = m.type === 'procedure' ? 'POST' : 'GET'
  const corruption = fc.constantFrom<Corruption>(
    'none',
    'none',
    'none',
    'none',
    'shape',
    'shape',
    'shape',
    'verb',
    'contentType',
    'encoding',
    'bytes',
    'malformed',
    'auth',
    'headers',
  )
  return fc
    .record({
      corruption,
      verb: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
      tidyParams: paramsFor(def, pools, 'tidy'),
      wildParams: paramsFor(def, pools, 'wild'),
      tidyJson: inputFor(lex, m.nsid, def, pools, 'tidy'),
      wildJson: inputFor(lex, m.nsid, def, pools, 'wild'),
      png: fc.boolean(),
      bytes: fc.uint8Array({ maxLength: 300 }),
      malformed: fc.constantFrom(...MALFORMED_JSON),
      auth: fc.constantFrom(...auths),
      contentType: fc.constantFrom(...CONTENT_TYPES, ''),
      encoding: fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-unknown'),
      extra: fc.subarray(
        [
          ['atproto-proxy', 'did:web:api.bsky.app#bsky_appview'],
          ['atproto-proxy', 'garbage'],
          ['atproto-accept-labelers', 'did:plc:x;redact'],
          ['accept', 'text/html'],
          ['origin', 'https://evil.example'],
        ] as [string, string][],
        { minLength: 1 },
      ),
    })
    .map((r) => {
      const c = r.corruption
      const method = c === 'verb' ? r.verb : natural
      const q = new URLSearchParams(c === 'shape' ? r.wildParams : r.tidyParams).toString()
      const json = c === 'shape' ? r.wildJson : r.tidyJson
      const binaryInput =
        def.type === 'procedure' && def.input !== undefined && def.input.encoding !== 'application/json'
      const headers: Record<string, string> = c === 'headers' ? Object.fromEntries(r.extra) : {}
      const auth = c === 'auth' ? r.auth : auths[1]
      if (auth) headers.authorization = auth
      let body: Buffer | undefined
      if (c === 'bytes') body = Buffer.from(r.bytes)
      else if (c === 'malformed') body = Buffer.from(r.malformed)
      else if (binaryInput) body = r.png ? PNG : Buffer.from(r.bytes)
      else if (json !== undefined && m.type === 'procedure') body = Buffer.from(JSON.stringify(json))
      if (method === 'GET' || method === 'HEAD') body = undefined
      if (body !== undefined) {
        const declared = (def.type === 'procedure' && def.input?.encoding) || 'application/json'
        const type =
          c === 'contentType'
            ? r.contentType
            : declared.includes('*')
              ? r.png
                ? 'image/png'
                : 'application/octet-stream'
              : declared
        if (type) headers['content-type'] = type
        if (c === 'encoding') headers['content-encoding'] = r.encoding
      }
      return { method, path: `/xrpc/${m.nsid}${q ? `?${q}` : ''}`, headers, body }
    })
}
