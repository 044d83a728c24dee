// Request bodies, read under a byte limit that is enforced as the bytes arrive: a declared
// Content-Length over the limit is refused before reading, a chunked body is cut off at the limit.
import type { IncomingMessage } from 'node:http'
import { InvalidRequestError, PayloadTooLargeError } from './errors.js'

/** The MIME type of a Content-Type header, lowercased and without parameters. */
export function mimeOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const semi = header.indexOf(';')
  const mime = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase()
  return mime === '' ? undefined : mime
}

export function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length']
  return header === undefined ? undefined : Number(header)
}

/** Whether the request carries a body at all (RFC 9112 section 6.3). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  if (length !== undefined) return length !== '0'
  return req.headers['transfer-encoding'] !== undefined
}

function tooLarge(limit: number, declared?: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    declared === undefined
      ? `Request body is over the limit of ${limit} bytes`
      : `Request body of ${declared} bytes is over the limit of ${limit} bytes`,
  )
}

function checkDeclared(req: IncomingMessage, limit: number): void {
  const declared = declaredLength(req)
  if (declared !== undefined && declared > limit) throw tooLarge(limit, declared)
}

/**
 * Reads and parses a JSON body of at most `limit` bytes. The listeners are inline and never
 * removed (a settled flag silences them): named per-request closures cost more than they save,
 * especially under tsx, which wraps each one to keep its name.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  checkDeclared(req, limit)
  // A small body usually arrives with the headers: by the time a handler reads it the parser
  // has buffered all the declared bytes, which are then taken in one read, without listeners.
  const declared = declaredLength(req)
  if (
    declared !== undefined &&
    declared > 0 &&
    req.readableLength === declared &&
    req.readableFlowing !== true &&
    !req.readableEnded
  ) {
    // Not in flowing mode, read() hands over everything buffered: the whole body.
    const buffered = req.read() as Buffer
    try {
      return Promise.resolve(JSON.parse(buffered.toString('utf8')))
    } catch {
      return Promise.reject(new InvalidRequestError('Request body is not valid JSON'))
    }
  }
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = []
    let size = 0
    let settled = false
    req.on('data', (chunk: Buffer) => {
      if (settled) return
      size += chunk.length
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      // Stop reading; the error response closes the connection, so the rest is never read.
      settled = true
      chunks = []
      req.pause()
      reject(tooLarge(limit))
    })
    req.on('end', () => {
      if (settled) return
      settled = true
      if (size === 0) return reject(new InvalidRequestError('Request body is empty; a JSON body is required'))
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8')
      try {
        resolve(JSON.parse(text))
      } catch {
        reject(new InvalidRequestError('Request body is not valid JSON'))
      }
    })
    req.on('error', () => {
      if (settled) return
      settled = true
      reject(new InvalidRequestError('Request body was cut short'))
    })
    req.on('close', () => {
      if (settled) return
      settled = true
      reject(new InvalidRequestError('Request body was cut short'))
    })
  })
}

/** For chunked requests to methods without input: true when the body turns out to be empty. */
export function readBodyIsEmpty(req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    let empty = true
    const onData = (chunk: Buffer) => {
      if (chunk.length > 0) {
        empty = false
        cleanup()
        req.pause()
        resolve(false)
      }
    }
    const done = () => {
      cleanup()
      resolve(empty)
    }
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', done)
      req.off('error', done)
      req.off('close', done)
    }
    req.on('data', onData)
    req.on('end', done)
    req.on('error', done)
    req.on('close', done)
  })
}

/**
 * The body as a one-shot stream of at most `limit` bytes. The request is never destroyed from
 * here, so a 413 can still be written before the connection closes.
 */
export function limitedBodyStream(req: IncomingMessage, limit: number): AsyncIterable<Uint8Array> {
  checkDeclared(req, limit)
  let used = false
  return {
    [Symbol.asyncIterator]() {
      if (used) throw new InvalidRequestError('The request body can only be read once')
      used = true
      return pull(req, limit)
    },
  }
}

async function* pull(req: IncomingMessage, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0
  const source = req.iterator({ destroyOnReturn: false })
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) throw tooLarge(limit)
      yield chunk
    }
  } catch (err) {
    if (err instanceof PayloadTooLargeError) {
      req.pause()
      throw err
    }
    throw new InvalidRequestError('Request body was cut short', undefined, { cause: err })
  }
}
