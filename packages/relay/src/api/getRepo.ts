// getRepo, getRecord, getBlocks: from the archive in archival mode; otherwise a redirect to the
// account's PDS (sync.md: an upstream "may instead simply use an HTTP redirect to the PDS").
import type { ServerResponse } from 'node:http'
import { CID, encodeCar } from '@welkin/data'
import { exportRepoCar, getRecordProof } from '@welkin/repo'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import { hostOrigin } from '../hostname.js'
import { hostingStatus, type RepoState } from '../state/repo-state.js'
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
  server.method('com.atproto.sync.getRepo', ({ params, req, res }) => {
    const did = params.did as string
    const state = activeState(ctx, did)
    const archived = ctx.archive?.repo(did)
    if (!ctx.archive) return redirect(res, state, 'com.atproto.sync.getRepo', queryOf(req))
    if (!archived) throw repoNotFound(did)
    return { encoding: CAR, body: exportRepoCar(ctx.archive.blockstore(did), archived.head) }
  })

  server.method('com.atproto.sync.getRecord', async ({ params, req, res }) => {
    const did = params.did as string
    const state = activeState(ctx, did)
    if (!ctx.archive) return redirect(res, state, 'com.atproto.sync.getRecord', queryOf(req))
    const archived = ctx.archive.repo(did)
    if (!archived) throw repoNotFound(did)
    const proof = await getRecordProof(
      ctx.archive.blockstore(did),
      archived.head,
      params.collection as string,
      params.rkey as string,
    )
    return { encoding: CAR, body: encodeCar([proof.commit], proof.blocks) }
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
      const bytes = store.getBytes(cid) as Uint8Array | null
      if (!bytes) throw new InvalidRequestError(`Could not find block: ${s}`, 'BlockNotFound')
      blocks.push({ cid, bytes })
    }
    return { encoding: CAR, body: encodeCar([], blocks) }
  })
}
