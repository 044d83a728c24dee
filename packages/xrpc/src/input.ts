// A procedure's request body, checked against the lexicon's `input` (lexicon.md, "Query and
// Procedure"): the MIME type must match its encoding, JSON is parsed and validated, anything
// else is handed over as a size-limited stream.
import type { IncomingMessage } from 'node:http'
import { type DataValue, InvalidDataError, jsonToData } from '@welkin/data'
import { mimeMatches, ValidationError } from '@welkin/lexicon'
import { hasBody, limitedBodyStream, mimeOf, readBodyIsEmpty, readJsonBody } from './body.js'
import { InvalidRequestError } from './errors.js'
import type { MethodEntry } from './registry.js'
import type { HandlerInput, JsonInput } from './types.js'

const JSON_MIME = 'application/json'

function toData(body: unknown): DataValue {
  try {
    return jsonToData(body)
  } catch (err) {
    if (err instanceof InvalidDataError)
      throw new InvalidRequestError(`Input is not atproto data: ${err.message}`)
    throw err
  }
}

class JsonBody implements JsonInput {
  readonly encoding = JSON_MIME
  #data: DataValue | undefined

  constructor(
    readonly body: unknown,
    data?: DataValue,
  ) {
    this.#data = data
  }

  get data(): DataValue {
    if (this.#data === undefined) this.#data = toData(this.body)
    return this.#data
  }
}

function jsonInput(body: unknown, data?: DataValue): JsonInput {
  return new JsonBody(body, data)
}

export async function readInput(m: MethodEntry, req: IncomingMessage): Promise<HandlerInput> {
  const coding = req.headers['content-encoding']
  // Compressed bodies are refused rather than inflated: a small upload must not become a huge one.
  if (coding !== undefined && coding.toLowerCase() !== 'identity')
    throw new InvalidRequestError(`Content-Encoding ${coding} is not supported`)
  const mime = mimeOf(req.headers['content-type'])
  if (m.lexicons === undefined) {
    if (!hasBody(req)) return undefined
    if (mime === JSON_MIME) return jsonInput(await readJsonBody(req, m.maxJsonBytes))
    return streamInput(req, mime ?? 'application/octet-stream', m.blobLimit)
  }
  const expected = m.inputEncoding
  if (expected === undefined) {
    if (hasBody(req) && (req.headers['content-length'] !== undefined || !(await readBodyIsEmpty(req))))
      throw new InvalidRequestError(`${m.nsid} takes no request body`)
    return undefined
  }
  if (!hasBody(req)) throw new InvalidRequestError(`A request body is required (${expected})`)
  let encoding = mime
  if (encoding === undefined) {
    if (expected !== '*/*') throw new InvalidRequestError(`A Content-Type header is required (${expected})`)
    encoding = 'application/octet-stream'
  }
  if (!mimeMatches(expected, encoding))
    throw new InvalidRequestError(`Wrong request encoding (Content-Type) ${encoding}: expected ${expected}`)
  if (expected !== JSON_MIME) return streamInput(req, encoding, m.blobLimit)
  const body = await readJsonBody(req, m.maxJsonBytes)
  const data = toData(body)
  try {
    return jsonInput(body, m.lexicons.assertValidXrpcInput(m.nsid, data) as DataValue)
  } catch (err) {
    if (err instanceof ValidationError) throw new InvalidRequestError(err.message)
    throw err
  }
}

function streamInput(req: IncomingMessage, encoding: string, limit: number): HandlerInput {
  const length = req.headers['content-length']
  return {
    encoding,
    stream: limitedBodyStream(req, limit),
    length: length === undefined ? undefined : Number(length),
  }
}
