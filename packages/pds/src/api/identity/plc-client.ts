// The few calls the PDS makes to its did:plc directory (PDS_DID_PLC_URL): submit an operation,
// read the latest one. The directory is operator configuration, so it may be on loopback; the
// calls are still bounded in time and size.
import type { PlcOp } from '@welkin/identity'
import { UpstreamFailureError, UpstreamTimeoutError, XrpcError } from '@welkin/xrpc'

const MAX_RESPONSE_BYTES = 256 * 1024

export class PlcClient {
  readonly url: string
  readonly #timeoutMs: number

  constructor(url: string, timeoutMs = 10_000) {
    this.url = url.replace(/\/+$/, '')
    this.#timeoutMs = timeoutMs
  }

  async #call(path: string, init: RequestInit): Promise<{ status: number; text: string }> {
    let res: Response
    try {
      res = await fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(this.#timeoutMs) })
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new UpstreamTimeoutError(`the PLC directory at ${this.url} did not answer in time`)
      }
      throw new UpstreamFailureError(
        `cannot reach the PLC directory at ${this.url}: ${(err as Error).message}`,
      )
    }
    const declared = Number(res.headers.get('content-length') ?? 0)
    if (declared > MAX_RESPONSE_BYTES) {
      await res.body?.cancel()
      throw new UpstreamFailureError(`the PLC directory sent ${declared} bytes`)
    }
    const text = await res.text()
    if (text.length > MAX_RESPONSE_BYTES)
      throw new UpstreamFailureError('the PLC directory answer is too large')
    return { status: res.status, text }
  }

  /** Submits a signed op for `did`; a refusal by the directory is the caller's bad op (400). */
  async submit(did: string, op: PlcOp): Promise<void> {
    const { status, text } = await this.#call(`/${encodeURIComponent(did)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(op),
    })
    if (status >= 200 && status < 300) return
    const reason = messageOf(text)
    if (status >= 400 && status < 500) {
      throw new XrpcError(400, 'InvalidRequest', `the PLC directory refused the operation: ${reason}`)
    }
    throw new UpstreamFailureError(`the PLC directory answered HTTP ${status}: ${reason}`)
  }

  /** The DID's latest op (possibly a tombstone), or null when the directory does not know it. */
  async getLastOp(did: string): Promise<PlcOp | null> {
    const { status, text } = await this.#call(`/${encodeURIComponent(did)}/log/last`, { method: 'GET' })
    if (status === 404 || status === 410) return null
    if (status !== 200) throw new UpstreamFailureError(`the PLC directory answered HTTP ${status}`)
    try {
      const op = JSON.parse(text) as PlcOp
      if (op === null || typeof op !== 'object' || typeof op.type !== 'string') throw new Error('not an op')
      return op
    } catch {
      throw new UpstreamFailureError('the PLC directory sent something that is not an operation')
    }
  }
}

function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown }
    if (typeof body?.message === 'string') return body.message.slice(0, 300)
  } catch {
    // not JSON: use the text itself
  }
  return text.slice(0, 300) || 'no reason given'
}
