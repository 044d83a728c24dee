// Plain HTTP routes beside XRPC: `/.well-known/...`, health checks, metrics. A path is matched
// exactly, or by prefix when it ends in `*`; the verb `*` matches any verb.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PlainRouteContext } from './context.js'
import { type DispatchConfig, finalHeaders, toXrpcError } from './dispatch.js'
import { MethodNotAllowedError, XrpcConfigError } from './errors.js'
import { searchParams } from './params.js'
import { sendEmpty, sendError, sendOutput } from './respond.js'
import type { RouteHandler } from './types.js'

interface Route {
  method: string
  handler: RouteHandler
}

export type RouteMatch = { handler: RouteHandler } | { allow: string }

export class RouteTable {
  readonly #exact = new Map<string, Route[]>()
  readonly #prefixes: { prefix: string; routes: Route[] }[] = []

  add(method: string, path: string, handler: RouteHandler): void {
    if (!path.startsWith('/')) throw new XrpcConfigError(`route path must start with "/": ${path}`)
    const verb = method.toUpperCase()
    let routes: Route[]
    if (path.endsWith('*')) {
      const prefix = path.slice(0, -1)
      let entry = this.#prefixes.find((p) => p.prefix === prefix)
      if (!entry) {
        entry = { prefix, routes: [] }
        this.#prefixes.push(entry)
        // Longest prefix first, so /a/b/* wins over /a/*.
        this.#prefixes.sort((a, b) => b.prefix.length - a.prefix.length)
      }
      routes = entry.routes
    } else {
      routes = this.#exact.get(path) ?? []
      this.#exact.set(path, routes)
    }
    if (routes.some((r) => r.method === verb))
      throw new XrpcConfigError(`route ${verb} ${path} is already taken`)
    routes.push({ method: verb, handler })
  }

  find(method: string, path: string): RouteMatch | undefined {
    const exact = this.#exact.get(path)
    if (exact) return pick(exact, method)
    for (const { prefix, routes } of this.#prefixes) {
      if (path.startsWith(prefix)) return pick(routes, method)
    }
    return undefined
  }
}

function pick(routes: Route[], method: string): RouteMatch {
  const verb = method === 'HEAD' ? 'GET' : method
  const route = routes.find((r) => r.method === method || r.method === verb || r.method === '*')
  if (route) return { handler: route.handler }
  return { allow: routes.map((r) => r.method).join(', ') }
}

export async function runRoute(
  cfg: DispatchConfig,
  match: RouteMatch,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: string,
): Promise<void> {
  const headers = cfg.baseHeaders()
  try {
    if (!('handler' in match)) throw new MethodNotAllowedError(match.allow)
    const query = searchParams(search)
    const out = await match.handler(new PlainRouteContext(req, res, path, query))
    if (res.headersSent || res.writableEnded) return
    finalHeaders(cfg, headers)
    if (out === undefined || out === null) return sendEmpty(req, res, 200, headers)
    await sendOutput(req, res, out, headers, cfg.logger)
  } catch (err) {
    const error = toXrpcError(err, cfg.logger, `${req.method} ${path}`, res.destroyed)
    sendError(req, res, error, finalHeaders(cfg, headers))
  }
}
