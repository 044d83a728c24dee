// A small XRPC-over-HTTP/1.1 client on keep-alive sockets (node:http), for load that must look
// like real clients: one connection per concurrent caller, reused across requests. Network
// failures reject; any HTTP status resolves, so callers see exactly what the server answered.
import { Agent, request } from 'node:http'

export interface HttpReply {
  status: number
  /** Parsed JSON, or null for a non-JSON body. */
  // biome-ignore lint/suspicious/noExplicitAny: callers read whatever JSON the endpoint returns
  json: any
  bytes: Buffer
}

export class KeepAliveClient {
  readonly agent: Agent

  constructor(
    readonly base: string,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets })
  }

  /** POST a JSON body to `/xrpc/<nsid>`. */
  post(nsid: string, body: unknown, token?: string): Promise<HttpReply> {
    return this.send('POST', `/xrpc/${nsid}`, Buffer.from(JSON.stringify(body)), token)
  }

  /** GET `/xrpc/<nsid>` with query parameters. */
  get(nsid: string, params: Record<string, string> = {}, token?: string): Promise<HttpReply> {
    const q = new URLSearchParams(params).toString()
    return this.send('GET', `/xrpc/${nsid}${q ? `?${q}` : ''}`, undefined, token)
  }

  send(method: string, path: string, body?: Buffer, token?: string): Promise<HttpReply> {
    const headers: Record<string, string | number> = {}
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = body.length
    }
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.base), { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const bytes = Buffer.concat(chunks)
          const isJson = (res.headers['content-type'] ?? '').startsWith('application/json')
          let json = null
          try {
            if (isJson && bytes.length > 0) json = JSON.parse(bytes.toString('utf8'))
          } catch (err) {
            return reject(err)
          }
          resolve({ status: res.statusCode ?? 0, json, bytes })
        })
      })
      req.on('error', reject)
      req.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}
