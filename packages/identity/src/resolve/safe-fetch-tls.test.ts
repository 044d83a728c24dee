// safeFetch over real TLS on loopback: a self-signed certificate for a test host name, made at
// test time with openssl (no private key is committed), served on 127.0.0.1 and reached by name
// through the injected lookup. The certificate must be trusted (`ca`) and name the host asked for.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FetchError, UnsafeUrlError } from '../errors.js'
import { safeFetch } from './safe-fetch.js'

const HOST = 'tls.test'
let server: Server
let port: number
let cert: string
const lookup = async () => ['127.0.0.1']

function selfSigned(name: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'welkin-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=DNS:${name}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore', timeout: 20_000 },
    )
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

beforeAll(async () => {
  const pair = selfSigned(HOST)
  cert = pair.cert
  server = createServer(pair, (req, res) => {
    if (req.url === '/to-http') {
      res.writeHead(302, { location: `http://${HOST}:${port}/hello` })
      return res.end()
    }
    res.end('hello over tls')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
}, 30_000)

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
})

describe('safeFetch over https', () => {
  it('fetches from a host whose certificate is trusted and names it', async () => {
    const res = await safeFetch(`https://${HOST}:${port}/hello`, { allowLoopback: true, lookup, ca: cert })
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('hello over tls')
  })

  it('refuses a certificate no trusted authority signed', async () => {
    const err = await safeFetch(`https://${HOST}:${port}/hello`, { allowLoopback: true, lookup }).catch(
      (e) => e,
    )
    expect(err).toBeInstanceOf(FetchError)
    expect(err.message).toMatch(/self[- ]signed/i)
  })

  it('refuses a trusted certificate issued for another name', async () => {
    const err = await safeFetch(`https://wrong.test:${port}/hello`, {
      allowLoopback: true,
      lookup,
      ca: cert,
    }).catch((e) => e)
    expect(err).toBeInstanceOf(FetchError)
    expect(err.message).toMatch(/altnames|does not match/i)
  })

  it('still applies the address policy and refuses a downgrade to http on redirect', async () => {
    await expect(safeFetch(`https://${HOST}:${port}/hello`, { lookup, ca: cert })).rejects.toThrow(/loopback/)
    await expect(
      safeFetch(`https://${HOST}:${port}/to-http`, {
        allowLoopback: true,
        lookup,
        ca: cert,
        maxRedirects: 2,
      }),
    ).rejects.toBeInstanceOf(UnsafeUrlError)
  })
})
