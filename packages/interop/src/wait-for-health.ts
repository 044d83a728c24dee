// Polls a health endpoint until it answers 200: a listening socket is not yet a server that
// answers XRPC calls (the PDS opens its databases and migrations first).
import { ServiceStartError } from './errors.js'

export async function waitForHealth(
  service: string,
  url: string,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  let last = 'no answer'
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) })
      await res.arrayBuffer()
      if (res.ok) return
      last = `HTTP ${res.status}`
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 100))
  }
  throw new ServiceStartError(service, `${url} not healthy in time (last: ${last})`)
}
