// The validator stage: one upstream event in, at most one output event out (sync.md "Message
// Validation Checklist"). It runs inside a PerDidRunner task, so events of one account are
// handled strictly in order while accounts proceed concurrently. Checks that need state (host
// authority, hosting status, rev order, future revs, the prevData chain) happen here; the
// signature and the MST inversion happen in the verifier pool. Every refusal is counted with a
// reason and never throws.
import type {
  AccountMessage,
  CommitMessage,
  IdentityMessage,
  RepoMessage,
  SyncMessage,
} from '@welkin/firehose'
import { tidTimestamp } from '@welkin/syntax'
import type { LimitedLogger } from '../logger.js'
import type { RelayCounters } from '../metrics.js'
import type { Sequencer } from '../output/sequencer.js'
import type { CollectionIndex } from '../state/collections.js'
import { hostingStatus, type RepoState } from '../state/repo-state.js'
import type { StateStore } from '../state/state-store.js'
import { cidToBin } from '../util/bin.js'
import type { VerifyOk, WireOp } from '../verify/types.js'
import type { JobInput, VerifierPool } from '../verify/verifier-pool.js'
import type { IdentityService } from './identity.js'

/** The host an event arrived from, as the processor needs it. */
export interface HostContext {
  readonly id: number
  readonly hostname: string
  accountLimit: number
  accountCount: number
  /** Allows one forced identity refresh (a host may trigger only so many resolutions). */
  allowIdentityRefresh(): boolean
  /** Waits for the host's turn to have a never-seen account resolved. */
  resolutionSlot(): Promise<void>
}

/** Hooks of the archival mode, called after an event is accepted. */
export interface ArchiveHook {
  commit(state: RepoState, msg: CommitMessage, result: VerifyOk, chainBroken: boolean): Promise<void>
  sync(state: RepoState, result: VerifyOk): Promise<void>
  status(state: RepoState): void
}

export interface ProcessorDeps {
  state: StateStore
  collections: CollectionIndex
  identity: IdentityService
  verifier: VerifierPool
  sequencer: Sequencer
  counters: RelayCounters
  /** Moves an account between hosts' account counts. */
  moveAccount(fromHostId: number | null, to: HostContext): void
  revClockSkewMs: number
  allowMissingPrevData: boolean
  archive?: ArchiveHook
  logger: LimitedLogger
  now?: () => number
}

type Outcome = { drop: string; message: string } | undefined

export class IngestProcessor {
  private readonly now: () => number

  constructor(private readonly deps: ProcessorDeps) {
    this.now = deps.now ?? Date.now
  }

  /** Handles one event; failures are counted drops, never exceptions. */
  async handle(host: HostContext, msg: RepoMessage): Promise<void> {
    let outcome: Outcome
    try {
      switch (msg.t) {
        case '#commit':
          outcome = await this.commit(host, msg.body)
          break
        case '#sync':
          outcome = await this.sync(host, msg.body)
          break
        case '#identity':
          outcome = await this.identityEvent(host, msg.body)
          break
        case '#account':
          outcome = await this.account(host, msg.body)
          break
        default:
          return
      }
    } catch (err) {
      outcome = { drop: 'internal', message: (err as Error).message }
      this.deps.logger.log('internal', 'error', 'event processing failed', { host: host.hostname, err })
    }
    if (outcome) this.drop(host, msg, outcome)
  }

  private drop(host: HostContext, msg: RepoMessage, o: { drop: string; message: string }): void {
    this.deps.counters.drops.inc({ host: host.hostname, reason: o.drop })
    const did = msg.t === '#commit' ? msg.body.repo : msg.t === '#info' ? undefined : msg.body.did
    this.deps.logger.log(`drop ${host.hostname} ${o.drop}`, 'warn', 'dropped event', {
      host: host.hostname,
      type: msg.t,
      did,
      reason: o.drop,
      detail: o.message.slice(0, 300),
    })
  }

  /**
   * The account's identity, and that `host` is its PDS: re-resolved once before refusing
   * (sync.md: events must come from the account's current PDS).
   */
  private async authority(host: HostContext, state: RepoState, forceFirst = false): Promise<Outcome> {
    if (state.resolvedAt === 0) await host.resolutionSlot()
    let res = await this.deps.identity.identityOf(state, forceFirst && host.allowIdentityRefresh())
    // Remember what was resolved even if the event is refused: the next one needs no request.
    if (res.ok && res.changed) this.deps.state.put(state)
    if (!res.ok) return { drop: res.reason, message: res.message }
    // Re-resolve only an answer that came from the cache, not one resolved just now.
    if (res.identity.pds !== host.hostname && !forceFirst && res.changed === undefined) {
      if (host.allowIdentityRefresh()) res = await this.deps.identity.identityOf(state, true)
      if (res.ok && res.changed) this.deps.state.put(state)
      if (!res.ok) return { drop: res.reason, message: res.message }
    }
    if (res.identity.pds !== host.hostname) {
      return { drop: 'wrong-host', message: `${state.did}'s PDS is ${res.identity.pds ?? 'unknown'}` }
    }
    if (state.hostId !== host.id && host.accountCount >= host.accountLimit) {
      return {
        drop: 'account-limit',
        message: `${host.hostname} is at its limit of ${host.accountLimit} accounts`,
      }
    }
    return undefined
  }

  private attach(host: HostContext, state: RepoState): void {
    if (state.hostId === host.id) return
    this.deps.moveAccount(state.hostId, host)
    state.hostId = host.id
  }

  private revProblem(state: RepoState, rev: string): Outcome {
    if (state.rev !== null && rev <= state.rev) {
      return { drop: 'rev-not-newer', message: `rev ${rev} is not after ${state.rev}` }
    }
    if (tidTimestamp(rev) / 1000 > this.now() + this.deps.revClockSkewMs) {
      return { drop: 'future-rev', message: `rev ${rev} is in the future` }
    }
    return undefined
  }

  private async commit(host: HostContext, body: CommitMessage): Promise<Outcome> {
    const state = this.deps.state.getOrBlank(body.repo)
    if (state.takedown) return { drop: 'takendown', message: 'account taken down here' }
    if (!state.upstreamActive)
      return { drop: 'inactive', message: `account is ${state.upstreamStatus ?? 'inactive'}` }
    const revBad = this.revProblem(state, body.rev)
    if (revBad) return revBad
    const auth = await this.authority(host, state)
    if (auth) return auth
    if (!state.signingKey)
      return { drop: 'no-signing-key', message: `${state.did} has no atproto signing key` }
    // sync.md: a commit whose prevData is not the last tree seen breaks the chain; it is
    // announced as a #sync (the repo's new state) rather than as a diff nobody can apply.
    const prevData = body.prevData ? cidToBin(body.prevData) : null
    const chainBroken =
      state.data !== null && !(prevData === null && this.deps.allowMissingPrevData) && prevData !== state.data
    let result = await this.deps.verifier.verify(this.commitJob(body, state.signingKey, chainBroken))
    if (!result.ok && result.reason === 'bad-signature' && host.allowIdentityRefresh()) {
      // sync.md: on a bad signature, refresh the identity in case the key rotated.
      const before = state.signingKey
      const res = await this.deps.identity.identityOf(state, true)
      if (res.ok && state.signingKey !== before) {
        result = await this.deps.verifier.verify(this.commitJob(body, state.signingKey, chainBroken))
      }
    }
    if (!result.ok) return { drop: result.reason, message: result.message }
    if (state.takedown) return { drop: 'takendown', message: 'account taken down here' }
    this.deps.sequencer.publishSpliced(
      chainBroken ? '#sync' : '#commit',
      result.frame,
      result.seqOffset,
      host.hostname,
    )
    if (chainBroken) this.deps.counters.drops.inc({ host: host.hostname, reason: 'prevdata-mismatch' })
    this.deps.counters.verified.inc({ host: host.hostname })
    this.attach(host, state)
    state.rev = result.rev
    state.head = result.head
    state.data = result.data
    this.deps.state.put(state)
    for (const c of result.collections) this.deps.collections.add(state.did, c)
    await this.deps.archive?.commit(state, body, result, chainBroken)
    return undefined
  }

  private commitJob(body: CommitMessage, key: string | null, chainBroken: boolean): JobInput {
    const ops: WireOp[] = body.ops.map((o) => ({
      action: o.action,
      path: o.path,
      cid: o.cid ? cidToBin(o.cid) : null,
      prev: o.prev ? cidToBin(o.prev) : null,
    }))
    return {
      kind: 'commit',
      key: key ?? '',
      emit: chainBroken ? 'sync' : 'commit',
      allowMissingPrevData: this.deps.allowMissingPrevData,
      repo: body.repo,
      rev: body.rev,
      since: body.since,
      commit: cidToBin(body.commit),
      // A view into the received frame; the pool copies it into its batch buffer.
      blocks: body.blocks,
      ops,
      prevData: body.prevData ? cidToBin(body.prevData) : null,
      time: body.time,
    }
  }

  private async sync(host: HostContext, body: SyncMessage): Promise<Outcome> {
    const state = this.deps.state.getOrBlank(body.did)
    if (state.takedown) return { drop: 'takendown', message: 'account taken down here' }
    if (!state.upstreamActive)
      return { drop: 'inactive', message: `account is ${state.upstreamStatus ?? 'inactive'}` }
    // sync.md: a #sync that matches the current state is ignored (PDSes send one at account creation).
    if (state.rev === body.rev) return { drop: 'sync-unchanged', message: `already at rev ${body.rev}` }
    const revBad = this.revProblem(state, body.rev)
    if (revBad) return revBad
    const auth = await this.authority(host, state)
    if (auth) return auth
    if (!state.signingKey)
      return { drop: 'no-signing-key', message: `${state.did} has no atproto signing key` }
    const job = (key: string | null): JobInput => ({
      kind: 'sync',
      key: key ?? '',
      did: body.did,
      rev: body.rev,
      blocks: body.blocks,
      time: body.time,
    })
    let result = await this.deps.verifier.verify(job(state.signingKey))
    if (!result.ok && result.reason === 'bad-signature' && host.allowIdentityRefresh()) {
      const before = state.signingKey
      const res = await this.deps.identity.identityOf(state, true)
      if (res.ok && state.signingKey !== before)
        result = await this.deps.verifier.verify(job(state.signingKey))
    }
    if (!result.ok) return { drop: result.reason, message: result.message }
    this.deps.sequencer.publishSpliced('#sync', result.frame, result.seqOffset, host.hostname)
    this.attach(host, state)
    state.rev = result.rev
    state.head = result.head
    state.data = result.data
    this.deps.state.put(state)
    await this.deps.archive?.sync(state, result)
    return undefined
  }

  private async identityEvent(host: HostContext, body: IdentityMessage): Promise<Outcome> {
    const state = this.deps.state.getOrBlank(body.did)
    // event-stream semantics: the identity may have changed, so resolve it again.
    const auth = await this.authority(host, state, true)
    if (auth) return auth
    this.attach(host, state)
    this.deps.state.put(state)
    const out: IdentityMessage = { seq: 0, did: body.did, time: body.time }
    if (body.handle !== undefined) out.handle = body.handle
    this.deps.sequencer.publishMessage({ t: '#identity', body: out }, host.hostname)
    return undefined
  }

  private async account(host: HostContext, body: AccountMessage): Promise<Outcome> {
    const state = this.deps.state.getOrBlank(body.did)
    const auth = await this.authority(host, state)
    if (auth) return auth
    this.attach(host, state)
    state.upstreamActive = body.active
    state.upstreamStatus = body.active ? null : (body.status ?? null)
    this.deps.state.put(state)
    // account.md: the status reported downstream is this relay's, so a local takedown wins.
    const status = hostingStatus(state)
    const out: AccountMessage = { seq: 0, did: body.did, time: body.time, active: status.active }
    if (status.status !== undefined) out.status = status.status
    this.deps.sequencer.publishMessage({ t: '#account', body: out }, host.hostname)
    this.deps.archive?.status(state)
    return undefined
  }
}
