// The objects handlers receive. Classes rather than literals with getters: a literal with an
// accessor gets a fresh hidden class per request in V8, which showed up as heavy GC under load.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HandlerContext, HandlerInput, RouteContext, XrpcParams } from './types.js'

/**
 * An AbortSignal that fires if the response closes before it was fully sent. Made on first use:
 * most handlers never look, and a controller plus a listener per request is measurable.
 */
export function responseSignal(res: ServerResponse): AbortSignal {
  if (res.destroyed && !res.writableFinished) return AbortSignal.abort()
  const ac = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) ac.abort()
  })
  return ac.signal
}

export class MethodContext<A = unknown> implements HandlerContext<A> {
  #signal: AbortSignal | undefined

  constructor(
    public nsid: string,
    public params: XrpcParams,
    public input: HandlerInput,
    public auth: A,
    public req: IncomingMessage,
    public res: ServerResponse,
  ) {}

  get signal(): AbortSignal {
    this.#signal ??= responseSignal(this.res)
    return this.#signal
  }
}

export class PlainRouteContext implements RouteContext {
  #signal: AbortSignal | undefined

  constructor(
    public req: IncomingMessage,
    public res: ServerResponse,
    public path: string,
    public query: URLSearchParams,
  ) {}

  get signal(): AbortSignal {
    this.#signal ??= responseSignal(this.res)
    return this.#signal
  }
}
