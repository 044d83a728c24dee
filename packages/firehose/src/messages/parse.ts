// Runtime shape checks for subscribeRepos messages. A parser returns the decoded body itself,
// typed, so unknown fields survive a pass-through (event-stream.md: ignore unknown fields); it
// copies only to fill the deprecated #commit fields a producer omitted.
import { type DataValue, isDataObject } from '@welkin/data'
import { isValidHandle, isValidNsid, isValidRecordKey } from '@welkin/syntax'
import { InvalidMessageError } from '../errors.js'
import { FieldChecker } from './check.js'
import {
  type AccountMessage,
  type CommitMessage,
  DEFAULT_MESSAGE_LIMITS,
  type IdentityMessage,
  type InfoMessage,
  type MessageLimits,
  type SyncMessage,
} from './types.js'
import { ValidCache } from './valid-cache.js'

function checker(type: string, body: unknown): FieldChecker {
  if (!isDataObject(body)) throw new InvalidMessageError(type, '', 'body must be a map')
  return new FieldChecker(type, body)
}

const collections = new ValidCache(isValidNsid, 1024)

/** repository.md "Repository Paths": exactly `<nsid>/<record-key>`. */
export function isValidRepoPath(path: string): boolean {
  const slash = path.indexOf('/')
  if (slash < 0 || path.indexOf('/', slash + 1) >= 0) return false
  return collections.isValid(path.slice(0, slash)) && isValidRecordKey(path.slice(slash + 1))
}

function checkOp(c: FieldChecker, op: DataValue, i: number): void {
  const at = `ops[${i}]`
  if (!isDataObject(op)) c.fail(at, 'must be a map')
  const { action, path, cid, prev } = op
  if (action !== 'create' && action !== 'update' && action !== 'delete') {
    c.fail(`${at}.action`, `unknown action ${JSON.stringify(action)}`)
  }
  if (typeof path !== 'string' || !isValidRepoPath(path)) c.fail(`${at}.path`, 'must be collection/rkey')
  if (action === 'delete') {
    if (cid !== null) c.fail(`${at}.cid`, 'must be null for a delete')
  } else {
    c.cid(`${at}.cid`, cid)
  }
  if (prev !== undefined) c.cid(`${at}.prev`, prev)
}

export function parseCommitMessage(body: unknown, limits: MessageLimits = {}): CommitMessage {
  const c = checker('#commit', body)
  const b = c.body
  c.seq()
  c.did('repo')
  c.cid('commit')
  c.tid('rev')
  if (b.since !== null && b.since !== undefined) c.tid('since')
  c.bytes('blocks', limits.maxCommitBlocksBytes ?? DEFAULT_MESSAGE_LIMITS.maxCommitBlocksBytes)
  const ops = c.array('ops', limits.maxOps ?? DEFAULT_MESSAGE_LIMITS.maxOps)
  for (let i = 0; i < ops.length; i++) checkOp(c, ops[i], i)
  if (b.prevData !== undefined) c.cid('prevData')
  c.datetime('time')
  const rebase = c.deprecatedBoolean('rebase')
  const tooBig = c.deprecatedBoolean('tooBig')
  if (b.blobs !== undefined) {
    const blobs = c.array('blobs', Number.MAX_SAFE_INTEGER)
    for (let i = 0; i < blobs.length; i++) c.cid(`blobs[${i}]`, blobs[i])
  }
  if (b.rebase === undefined || b.tooBig === undefined || b.blobs === undefined || b.since === undefined) {
    return { ...b, rebase, tooBig, blobs: b.blobs ?? [], since: b.since ?? null } as unknown as CommitMessage
  }
  return b as unknown as CommitMessage
}

export function parseSyncMessage(body: unknown, limits: MessageLimits = {}): SyncMessage {
  const c = checker('#sync', body)
  c.seq()
  c.did('did')
  c.bytes('blocks', limits.maxSyncBlocksBytes ?? DEFAULT_MESSAGE_LIMITS.maxSyncBlocksBytes)
  c.tid('rev')
  c.datetime('time')
  return c.body as unknown as SyncMessage
}

export function parseIdentityMessage(body: unknown): IdentityMessage {
  const c = checker('#identity', body)
  c.seq()
  c.did('did')
  c.datetime('time')
  const handle = c.optionalString('handle')
  if (handle !== undefined && !isValidHandle(handle))
    c.fail('handle', `invalid handle ${JSON.stringify(handle)}`)
  return c.body as unknown as IdentityMessage
}

export function parseAccountMessage(body: unknown): AccountMessage {
  const c = checker('#account', body)
  c.seq()
  c.did('did')
  c.datetime('time')
  c.boolean('active')
  c.optionalString('status')
  return c.body as unknown as AccountMessage
}

export function parseInfoMessage(body: unknown): InfoMessage {
  const c = checker('#info', body)
  c.string('name')
  c.optionalString('message')
  return c.body as unknown as InfoMessage
}
