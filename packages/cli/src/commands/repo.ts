// `welkin repo inspect|verify|export`: tools over a repository CAR file (as served by
// com.atproto.sync.getRepo). Reading streams the file with a progress bar; every block's hash
// is checked on the way in. Only verify goes online, to resolve the DID's signing key when it
// is not given one.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parsePublicKey } from '@welkin/crypto'
import { dataToJson } from '@welkin/data'
import { DEFAULT_PLC_URL } from '@welkin/identity'
import { inspectRepoCar, type RepoCarInfo, readRepoRecords, verifyRepoCar } from '@welkin/repo'
import { isValidDid } from '@welkin/syntax'
import { type Command, type CommandContext, CommandError, UsageError } from '../command.js'
import { readFileWithProgress } from '../progress.js'
import { commitDidOfCar, resolveSigningKey } from './repo-key.js'

const usage = `Usage:
  welkin repo inspect <car> [--json]
      DID, rev, commit CID, record count and records per collection.
  welkin repo verify <car> [--did DID] [--key did:key:... | --no-signature]
                     [--plc URL] [--allow-loopback] [--json]
      Checks every block hash, the MST structure and the commit signature. The signature is
      checked against --key, else against the atproto signing key in the DID document of the
      repo's DID, resolved through --plc (default ${DEFAULT_PLC_URL}) or did:web; a key that
      cannot be resolved is a failure unless --no-signature is given.
      Exits 1 naming the first thing that failed.
  welkin repo export <car> <dir>
      Writes each record as <dir>/<collection>/<rkey>.json in atproto-JSON.
  --allow-loopback  let a did:web document be fetched from a loopback address (local networks)`

function describe(info: RepoCarInfo): string[] {
  const lines = [
    `did:          ${info.did}`,
    `rev:          ${info.rev}`,
    `commit:       ${info.commit}`,
    `data:         ${info.data}`,
    `records:      ${info.recordCount}`,
    `mst nodes:    ${info.mstNodeCount}`,
  ]
  const names = Object.keys(info.collections)
  if (names.length > 0) {
    lines.push('collections:')
    const width = Math.max(...names.map((n) => n.length))
    for (const name of names) lines.push(`  ${name.padEnd(width)}  ${info.collections[name]}`)
  }
  return lines
}

function infoJson(info: RepoCarInfo, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      did: info.did,
      rev: info.rev,
      commit: info.commit.toString(),
      data: info.data.toString(),
      recordCount: info.recordCount,
      mstNodeCount: info.mstNodeCount,
      collections: info.collections,
      ...extra,
    },
    null,
    2,
  )
}

async function inspect(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  })
  if (positionals.length !== 1) throw new UsageError('inspect takes one CAR file')
  const info = await inspectRepoCar(readFileWithProgress(positionals[0]))
  if (values.json) ctx.out(infoJson(info))
  else for (const line of describe(info)) ctx.out(line)
  return 0
}

function plcOrigin(raw: string | undefined): string {
  const url = (raw ?? DEFAULT_PLC_URL).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new UsageError(`--plc must be an http(s) origin, got ${url}`)
  return url
}

async function verify(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      did: { type: 'string' },
      key: { type: 'string' },
      'no-signature': { type: 'boolean' },
      plc: { type: 'string' },
      'allow-loopback': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  })
  if (positionals.length !== 1) throw new UsageError('verify takes one CAR file')
  const [path] = positionals
  if (values.did !== undefined && !isValidDid(values.did))
    throw new UsageError(`--did is not a DID: ${values.did}`)
  if (values.key !== undefined && values['no-signature'])
    throw new UsageError('--key and --no-signature contradict each other')
  const plcUrl = plcOrigin(values.plc)
  // Settle the key before reading a possibly large file, so a typo or an unresolvable DID
  // fails at once.
  let did = values.did
  let keyText = values.key
  let signature = 'valid (--key)'
  if (keyText === undefined && !values['no-signature']) {
    const commitDid = await commitDidOfCar(path)
    if (did !== undefined && commitDid !== did)
      throw new CommandError(`commit is for ${commitDid}, expected ${did}`)
    // Pinned for the full read, so the key is checked against the commit it was resolved for.
    did = commitDid
    keyText = await resolveSigningKey(did, { plcUrl, allowLoopback: values['allow-loopback'] === true })
    signature = `valid (key ${keyText} from the DID document)`
  }
  const key = keyText === undefined ? undefined : parsePublicKey(keyText)
  if (!key) signature = 'NOT CHECKED (--no-signature)'
  const info = await verifyRepoCar(readFileWithProgress(path), { did, key })
  if (values.json)
    ctx.out(infoJson(info, { valid: true, signature: key ? 'valid' : 'not checked', key: keyText ?? null }))
  else {
    for (const line of describe(info)) ctx.out(line)
    ctx.out(`blocks:       every hash matches`)
    ctx.out(`mst:          valid`)
    ctx.out(`signature:    ${signature}`)
    ctx.out('OK')
  }
  return 0
}

async function exportRecords(ctx: CommandContext, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  if (positionals.length !== 2) throw new UsageError('export takes a CAR file and an output directory')
  const [car, dir] = positionals
  let count = 0
  const made = new Set<string>()
  for await (const record of readRepoRecords(readFileWithProgress(car))) {
    // Collections are NSIDs and record keys exclude '/', '.' and '..' (record-key.md), so both
    // are safe as single path segments.
    const folder = join(dir, record.collection)
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true })
      made.add(folder)
    }
    await writeFile(
      join(folder, `${record.rkey}.json`),
      `${JSON.stringify(dataToJson(record.value), null, 2)}\n`,
    )
    count++
  }
  ctx.out(`exported ${count} records to ${dir}`)
  return 0
}

export const repoCommand: Command = {
  summary: 'inspect, verify and export repository CAR files',
  usage,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv
    switch (sub) {
      case 'inspect':
        return inspect(ctx, rest)
      case 'verify':
        return verify(ctx, rest)
      case 'export':
        return exportRecords(ctx, rest)
      default:
        throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand')
    }
  },
}
