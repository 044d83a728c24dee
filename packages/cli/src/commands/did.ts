// `welkin did resolve|log|create`: look up an identity (with the bidirectional handle check),
// audit a did:plc operation log against the chain rules, and register a new did:plc.
import { Resolver } from 'node:dns/promises'
import { rm, writeFile } from 'node:fs/promises'
import { join, resolve as resolvePath } from 'node:path'
import { parseArgs } from 'node:util'
import { bytesToHex, Secp256k1Keypair } from '@welkin/crypto'
import {
  type AuditEntry,
  createGenesisOp,
  DEFAULT_PLC_URL,
  IdentityResolver,
  isPlcDid,
  isServiceOrigin,
  type PlcOp,
  safeFetch,
  validateAuditLog,
} from '@welkin/identity'
import { isValidHandle, normalizeHandle } from '@welkin/syntax'
import { type Command, type CommandContext, CommandError, UsageError } from '../command.js'

/** Writes are permanent on a directory, so `create` defaults to a local one. */
const LOCAL_PLC_URL = 'http://127.0.0.1:2582'

const usage = `Usage:
  welkin did resolve <did|handle> [--plc URL] [--dns HOST:PORT] [--allow-local] [--json]
      Prints the DID document and the handle, verified both ways (DID -> handle -> DID).
  welkin did log <did> [--plc URL] [--json]
      Prints the audit log of a did:plc and checks every op against the chain rules.
  welkin did create --handle H --pds URL [--plc URL] [--out DIR]
      Makes a rotation key and a signing key, registers a genesis op, prints the DID and the
      key file (mode 0600) it saved in --out (default: the current directory).
  --plc          directory URL (resolve, log: ${DEFAULT_PLC_URL}; create: ${LOCAL_PLC_URL})
  --dns          DNS server (IP or IP:PORT, repeatable) for handles' _atproto TXT records and
                 every host name resolve looks up (default: the system's), e.g. a test
                 network's own server
  --allow-local  let handles and did:web resolve to loopback and private addresses`

function plcUrl(raw: string | undefined, fallback: string): string {
  const url = (raw ?? fallback).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new UsageError(`--plc must be an http(s) origin, got ${url}`)
  return url
}

/**
 * `--dns`: the servers for the handles' TXT lookups (checked here, so a typo is a usage error),
 * and a host-name lookup through the same servers, so that on a test network the web hosts of
 * handles and did:web are found in the same zone as the TXT records.
 */
function dnsOverride(servers: string[]) {
  const dns = new Resolver({ timeout: 3000, tries: 2 })
  try {
    dns.setServers(servers)
  } catch {
    throw new UsageError(`--dns takes an IP address or IP:PORT, got ${servers.join(', ')}`)
  }
  const lookup = async (host: string): Promise<string[]> => {
    const [v4, v6] = await Promise.allSettled([dns.resolve4(host), dns.resolve6(host)])
    const addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
    if (addresses.length === 0) throw (v4 as PromiseRejectedResult).reason
    return addresses
  }
  return { dnsServers: servers, lookup }
}

async function resolve(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      plc: { type: 'string' },
      dns: { type: 'string', multiple: true },
      'allow-local': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  })
  if (positionals.length !== 1) throw new UsageError('resolve takes one DID or handle')
  const local = values['allow-local'] ? { allowLoopback: true, allowPrivate: true } : undefined
  const dns = values.dns ? dnsOverride(values.dns) : undefined
  const resolver = new IdentityResolver({
    did: { plcUrl: plcUrl(values.plc, DEFAULT_PLC_URL), webPolicy: local, lookup: dns?.lookup, cache: false },
    handle: { webPolicy: local, dnsServers: dns?.dnsServers, lookup: dns?.lookup, cache: false },
  })
  const input = positionals[0]
  const id = await resolver.resolve(input)
  if (values.json) {
    ctx.out(
      JSON.stringify(
        { did: id.did, handle: id.handle ?? null, claimedHandle: id.claimedHandle ?? null, doc: id.doc },
        null,
        2,
      ),
    )
    return 0
  }
  ctx.out(JSON.stringify(id.doc, null, 2))
  ctx.out(`did:          ${id.did}`)
  if (id.handle) ctx.out(`handle:       ${id.handle} (verified both ways)`)
  else if (id.claimedHandle)
    ctx.out(
      `handle:       none verified (the document claims ${id.claimedHandle}, which does not resolve back)`,
    )
  else ctx.out('handle:       none (the document claims no handle)')
  if (!input.startsWith('did:') && id.handle !== normalizeHandle(input.replace(/^@/, ''))) {
    ctx.out(`warning:      ${input} points to ${id.did}, but that DID does not claim it`)
  }
  ctx.out(`signing key:  ${id.signingKey ?? 'none'}`)
  ctx.out(`pds:          ${id.pds ?? 'none'}`)
  return 0
}

function summary(op: PlcOp): string {
  if (op.type === 'plc_tombstone') return 'tombstone'
  if (op.type === 'create') return `legacy create handle=${op.handle} pds=${op.service}`
  const handle = op.alsoKnownAs.find((a) => a.startsWith('at://'))?.slice(5) ?? '-'
  return `handle=${handle} pds=${op.services.atproto_pds?.endpoint ?? '-'} rotationKeys=${op.rotationKeys.length}`
}

async function log(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { plc: { type: 'string' }, json: { type: 'boolean' } },
  })
  if (positionals.length !== 1 || !isPlcDid(positionals[0])) throw new UsageError('log takes one did:plc')
  const did = positionals[0]
  const url = `${plcUrl(values.plc, DEFAULT_PLC_URL)}/${encodeURIComponent(did)}/log/audit`
  // The directory is the user's choice, so its address is not restricted.
  const res = await safeFetch(url, {
    allowLoopback: true,
    allowPrivate: true,
    maxBytes: 16 * 1024 * 1024,
    timeoutMs: 15_000,
  })
  if (res.status === 404) throw new CommandError(`${did} is not registered at ${new URL(url).origin}`)
  if (res.status !== 200) throw new CommandError(`${new URL(url).origin} answered HTTP ${res.status}`)
  const entries = JSON.parse(res.body.toString('utf8')) as (AuditEntry & { cid: string; operation: PlcOp })[]
  if (!Array.isArray(entries)) throw new CommandError('the directory did not return an audit log')
  if (values.json) ctx.out(JSON.stringify(entries, null, 2))
  else {
    for (const e of entries) {
      ctx.out(`${e.createdAt}  ${e.cid}${e.nullified ? '  [nullified]' : ''}  ${summary(e.operation)}`)
    }
  }
  let state: ReturnType<typeof validateAuditLog>
  try {
    state = validateAuditLog(did, entries)
  } catch (err) {
    throw new CommandError(`the log of ${did} does NOT verify: ${(err as Error).message}`)
  }
  const nullified = entries.filter((e) => e.nullified).length
  ctx.err(
    `verified: ${entries.length} ops (${nullified} nullified); ${state ? 'active' : 'deactivated (tombstone)'}`,
  )
  return 0
}

async function create(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      handle: { type: 'string' },
      pds: { type: 'string' },
      plc: { type: 'string' },
      out: { type: 'string' },
    },
  })
  if (positionals.length > 0) throw new UsageError('create takes no positional arguments')
  if (!values.handle || !isValidHandle(values.handle)) throw new UsageError('--handle must be a valid handle')
  if (!values.pds || !isServiceOrigin(values.pds))
    throw new UsageError('--pds must be an http(s) origin, like https://pds.example.com')
  const plc = plcUrl(values.plc, LOCAL_PLC_URL)
  const handle = normalizeHandle(values.handle)
  const rotation = await Secp256k1Keypair.create()
  const signing = await Secp256k1Keypair.create()
  const { did, op } = await createGenesisOp(
    { rotationKeys: [rotation.did()], signingKey: signing.did(), handle, pds: values.pds },
    rotation,
  )
  // Save the keys before the directory knows the DID: losing them afterwards would lose the DID.
  const file = resolvePath(join(values.out ?? '.', `${did.replaceAll(':', '-')}.keys.json`))
  const keys = {
    did,
    handle,
    pds: values.pds,
    plc,
    createdAt: new Date().toISOString(),
    rotationKey: { type: 'secp256k1', did: rotation.did(), privateKeyHex: bytesToHex(rotation.export()) },
    signingKey: { type: 'secp256k1', did: signing.did(), privateKeyHex: bytesToHex(signing.export()) },
  }
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  let res: Response
  try {
    res = await fetch(`${plc}/${encodeURIComponent(did)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(op),
      signal: AbortSignal.timeout(15_000),
    })
  } catch (err) {
    await rm(file, { force: true })
    throw new CommandError(`cannot reach the directory at ${plc}: ${(err as Error).message}`)
  }
  if (!res.ok) {
    await rm(file, { force: true })
    const body = await res.text()
    let reason = body.slice(0, 300)
    try {
      reason = (JSON.parse(body) as { message?: string }).message ?? reason
    } catch {}
    throw new CommandError(`the directory refused the genesis op (HTTP ${res.status}): ${reason}`)
  }
  ctx.out(did)
  ctx.out(`keys saved to ${file}`)
  ctx.err(`registered at ${plc}; keep the key file secret: its rotation key controls the DID`)
  return 0
}

export const didCommand: Command = {
  summary: 'resolve, inspect and create DIDs',
  usage,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv
    switch (sub) {
      case 'resolve':
        return resolve(ctx, rest)
      case 'log':
        return log(ctx, rest)
      case 'create':
        return create(ctx, rest)
      default:
        throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand')
    }
  },
}
