// getRepo, getRecord, getBlocks: from the archive in archival mode; otherwise a redirect to the
// account's PDS (sync.md: an upstream "may instead simply use an HTTP redirect to the PDS").
// getRepo `since` (lexicon: "the revision ('rev') of the repo to create a diff from") answers
// the blocks stored for revs after it, as the official PDS does; a damaged archive answers the
// lexicon's RepoNotFound / BlockNotFound with a message saying so, never a 500.
import type { ServerResponse } from 'node:http'
import { CID, encodeCar } from '@welkin/data'
import { getRecordProof } from '@welkin/repo'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import { hostOrigin } from '../hostname.js'
import { hostingStatus, type RepoState } from '../state/repo-state.js'
import { asXrpc, carBody, damagedRepo } from './car-body.js'
import { repoNotFound } from './errors.js'

const CAR = 'application/vnd.ipld.car'

function activeState(ctx: RelayContext, did: string): RepoState {
  const s = ctx.state.get(did)
  if (!s) throw repoNotFound(did)
  const status = hostingStatus(s)
  if (!status.active) {
    const name =
      status.status === 'takendown'
        ? 'RepoTakendown'
        : status.status === 'suspended'
          ? 'RepoSuspended'
          : 'RepoDeactivated'
    throw new InvalidRequestError(`Repo is ${status.status ?? 'not active'}: ${did}`, name)
  }
  return s
}

function redirect(res: ServerResponse, state: RepoState, nsid: string, query: URLSearchParams): void {
  if (!state.pds) throw repoNotFound(state.did)
  const location = `${hostOrigin(state.pds)}/xrpc/${nsid}?${query}`
  res.writeHead(302, { Location: location, 'Content-Length': 0 })
  res.end()
}

function queryOf(req: { url?: string }): URLSearchParams {
  const url = req.url ?? ''
  return new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
}

export function getRepo(server: XrpcServer, ctx: RelayContext): void {
  server.method('com.atproto.sync.getRepo', async ({ params, req, res }) => {
    const did = params.did as string
    const state = activeState(ctx, did)
    if (!ctx.archive) return redirect(res, state, 'com.atproto.sync.getRepo', queryOf(req))
    if (!ctx.archive.repo(did)) throw repoNotFound(did)
    const since = params.since as string | undefined
    return { encoding: CAR, body: await carBody(ctx.archive.exportCar(did, since), damagedRepo) }
  })

  server.method('com.atproto.sync.getRecord', async ({ params, req, res }) => {
    const did = params.did as string
    const state = activeState(ctx, did)
    if (!ctx.archive) return redirect(res, state, 'com.atproto.sync.getRecord', queryOf(req))
    const archived = ctx.archive.repo(did)
    if (!archived) throw repoNotFound(did)
    try {
      const proof = await getRecordProof(
        ctx.archive.blockstore(did),
        archived.head,
        params.collection as string,
        params.rkey as string,
      )
      return { encoding: CAR, body: encodeCar([proof.commit], proof.blocks) }
    } catch (err) {
      throw asXrpc(err, damagedRepo)
    }
  })

  server.method('com.atproto.sync.getBlocks', ({ params, req, res }) => {
    const did = params.did as string
    const state = activeState(ctx, did)
    if (!ctx.archive) return redirect(res, state, 'com.atproto.sync.getBlocks', queryOf(req))
    if (!ctx.archive.repo(did)) throw repoNotFound(did)
    const store = ctx.archive.blockstore(did)
    const raw = params.cids as string[] | string
    const blocks: { cid: CID; bytes: Uint8Array }[] = []
    for (const s of Array.isArray(raw) ? raw : [raw]) {
      let cid: CID
      try {
        cid = CID.parse(s)
      } catch {
        throw new InvalidRequestError(`not a CID: ${String(s).slice(0, 100)}`)
      }
      let bytes: Uint8Array | null
      try {
        bytes = store.getBytes(cid)
      } catch (err) {
        throw asXrpc(err, (message) => new InvalidRequestError(message, 'BlockNotFound'))
      }
      if (!bytes) throw new InvalidRequestError(`Could not find block: ${s}`, 'BlockNotFound')
      blocks.push({ cid, bytes })
    }
    return { encoding: CAR, body: encodeCar([], blocks) }
  })
}
