// One HTTP exchange for the endpoint fuzzer, and the rule every XRPC answer must follow: no 5xx,
// and an error is a JSON `{error, message}` body (xrpc.md, "Error Responses").
import { Agent, request } from 'node:http'
import { connect } from 'node:net'

export interface FuzzRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: Uint8Array
}

export interface FuzzReply {
  status: number
  contentType: string
  body: Buffer
}

export const fuzzAgent = new Agent({ keepAlive: true, maxSockets: 8 })

/** Sends `req`; rejects on a network failure or when no answer comes within `timeoutMs`. */
export function send(base: string, req: FuzzRequest, timeoutMs = 10_000): Promise<FuzzReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers }
    if (req.body !== undefined) headers['content-length'] = req.body.length
    const r = request(new URL(req.path, base), { method: req.method, headers, agent: fuzzAgent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        clearTimeout(timer)
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        })
      })
    })
    const timer = setTimeout(() => r.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    r.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    r.end(req.body)
  })
}

/** Why an answer breaks the rules, or undefined when it does not. */
export function badAnswer(req: FuzzRequest, res: FuzzReply): string | undefined {
  if (res.status >= 500) return `${res.status} ${res.body.toString('utf8').slice(0, 300)}`
  if (res.status < 400 || req.method === 'HEAD') return undefined
  if (!res.contentType.startsWith('application/json'))
    return `${res.status} with content-type ${res.contentType || 'none'}`
  let json: { error?: unknown; message?: unknown }
  try {
    json = JSON.parse(res.body.toString('utf8'))
  } catch {
    return `${res.status} with a body that is not JSON: ${res.body.toString('utf8').slice(0, 200)}`
  }
  if (typeof json.error !== 'string' || json.error === '')
    return `${res.status} without an error name: ${res.body.toString('utf8').slice(0, 200)}`
  if (typeof json.message !== 'string') return `${res.status} ${json.error} without a message`
  return undefined
}

/** Writes raw bytes on a fresh connection; resolves with whatever came back before it closed. */
export function sendRaw(port: number, bytes: Uint8Array | string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let out = ''
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(out)
    }, timeoutMs)
    socket.on('data', (c) => {
      out += c.toString('latin1')
    })
    socket.on('error', (err) => {
      clearTimeout(timer)
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') resolve(out)
      else reject(err)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
    socket.end(bytes)
  })
}
