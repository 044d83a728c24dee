// Identity for ingest: an account's signing key and PDS host, resolved from its DID document
// and remembered in its state row (so the state cache is also the identity cache, and a
// restart does not re-resolve the network). Fresh entries are used as they are; stale ones are
// used while one background refresh runs (stale-while-revalidate); unknown ones are resolved
// before the event goes on. Resolutions are deduplicated per DID and bounded in number.
import { DidResolver, type DidResolverOptions, getAtprotoKey, getPdsEndpoint } from '@welkin/identity'
import { type HostPolicy, hostOfEndpoint } from '../hostname.js'
import type { RelayCounters } from '../metrics.js'
import type { RepoState } from '../state/repo-state.js'

export interface Identity {
  signingKey: string | null
  pds: string | null
}

export type IdentityOutcome =
  | { ok: true; identity: Identity }
  /** `no-identity`: the DID does not exist or is tombstoned; `identity-unavailable`: resolution failed. */
  | { ok: false; reason: 'no-identity' | 'identity-unavailable'; message: string }

export interface IdentityServiceOptions {
  plcUrl: string
  policy: HostPolicy
  ttlMs: number
  /** Resolutions in flight at once (default 32). */
  maxConcurrent?: number
  timeoutMs?: number
  counters?: RelayCounters
  now?: () => number
  /** Replaces the resolver (tests, benchmarks with a pre-filled directory). */
  resolve?: (did: string) => Promise<Identity | null>
}

export class IdentityService {
  private readonly inflight = new Map<string, Promise<IdentityOutcome>>()
  private readonly waiters: (() => void)[] = []
  private active = 0
  private readonly maxConcurrent: number
  private readonly resolveFn: (did: string) => Promise<Identity | null>
  private readonly now: () => number

  constructor(private readonly opts: IdentityServiceOptions) {
    this.maxConcurrent = opts.maxConcurrent ?? 32
    this.now = opts.now ?? Date.now
    if (opts.resolve) this.resolveFn = opts.resolve
    else {
      const resolverOpts: DidResolverOptions = {
        plcUrl: opts.plcUrl,
        timeoutMs: opts.timeoutMs ?? 5000,
        webPolicy: { allowLoopback: opts.policy.allowLoopback },
        cache: false,
      }
      const resolver = new DidResolver(resolverOpts)
      this.resolveFn = async (did) => {
        const doc = await resolver.resolve(did)
        if (!doc) return null
        return {
          signingKey: getAtprotoKey(doc) ?? null,
          pds: hostOfEndpoint(getPdsEndpoint(doc), opts.policy) ?? null,
        }
      }
    }
  }

  /**
   * The identity recorded in `state`, resolving it first when it never was (or when `force`).
   * A stale entry is returned at once and refreshed in the background. Updates `state` in place
   * and reports whether it changed, so the caller can persist it.
   */
  async identityOf(state: RepoState, force = false): Promise<IdentityOutcome & { changed?: boolean }> {
    const age = this.now() - state.resolvedAt
    if (!force && state.resolvedAt > 0) {
      if (age > this.opts.ttlMs) void this.refresh(state)
      return { ok: true, identity: { signingKey: state.signingKey, pds: state.pds } }
    }
    return this.refresh(state)
  }

  private async refresh(state: RepoState): Promise<IdentityOutcome & { changed?: boolean }> {
    const out = await this.resolveShared(state.did)
    if (!out.ok) return out
    const { signingKey, pds } = out.identity
    const changed = signingKey !== state.signingKey || pds !== state.pds || state.resolvedAt === 0
    state.signingKey = signingKey
    state.pds = pds
    state.resolvedAt = this.now()
    return { ...out, changed }
  }

  private resolveShared(did: string): Promise<IdentityOutcome> {
    let p = this.inflight.get(did)
    if (!p) {
      p = this.limited(did).finally(() => this.inflight.delete(did))
      this.inflight.set(did, p)
    }
    return p
  }

  private async limited(did: string): Promise<IdentityOutcome> {
    if (this.active >= this.maxConcurrent) await new Promise<void>((r) => this.waiters.push(r))
    this.active++
    try {
      const identity = await this.resolveFn(did)
      if (!identity) {
        this.opts.counters?.resolutions.inc({ outcome: 'not-found' })
        return { ok: false, reason: 'no-identity', message: `${did} does not resolve` }
      }
      this.opts.counters?.resolutions.inc({ outcome: 'ok' })
      return { ok: true, identity }
    } catch (err) {
      this.opts.counters?.resolutions.inc({ outcome: 'error' })
      return { ok: false, reason: 'identity-unavailable', message: (err as Error).message }
    } finally {
      this.active--
      this.waiters.shift()?.()
    }
  }

  get pending(): number {
    return this.inflight.size
  }
}
