// `welkin repo inspect|verify|export`, run as a real process over a repository written by the
// official PDS (50 records in five collections): the CLI must agree with what the official
// server says about its own repo, accept its signature, and refuse tampered copies and wrong keys.
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scanCar } from './car-scan.js'
import { CarScanError } from './errors.js'
import { makeOfficialRepoCar, type OfficialRepoCar } from './official-repo-car.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const welkinBin = join(repoRoot, 'packages/cli/bin/welkin.js')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function welkin(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [welkinBin, ...args],
      { cwd: repoRoot, timeout: 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
        done({ code, stdout, stderr })
      },
    )
  })
}

let repo: OfficialRepoCar
let work: string
let carPath: string
let tamperedPath: string
let tampered: { cid: string; path: string }

beforeAll(async () => {
  repo = await makeOfficialRepoCar()
  work = await mkdtemp(join(tmpdir(), 'welkin-repo-cli-'))
  carPath = join(work, 'official.car')
  await writeFile(carPath, repo.car)
  const copy = tamperWithPost(repo)
  tampered = copy.target
  tamperedPath = join(work, 'tampered.car')
  await writeFile(tamperedPath, copy.car)
})

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

/** Changes one letter of a post's text in a copy of the CAR, keeping the CBOR well-formed. */
function tamperWithPost(source: OfficialRepoCar): { car: Uint8Array; target: { cid: string; path: string } } {
  const post = source.records.filter((r) => r.collection === 'app.bsky.feed.post')[5]
  const block = scanCar(source.car).blocks.find((b) => b.cid === post.cid)
  if (!block) throw new Error(`record block ${post.cid} is not in the official CAR`)
  const car = source.car.slice()
  const data = Buffer.from(car.buffer, car.byteOffset + block.offset, block.length)
  const at = data.indexOf(Buffer.from(String(post.value.text)))
  if (at < 0) throw new Error('post text not found in its block')
  data[at] = data[at] === 0x70 ? 0x71 : 0x70 // 'p' <-> 'q'
  return { car, target: { cid: post.cid, path: `${post.collection}/${post.rkey}` } }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
}

describe('welkin repo over a repository written by the official PDS', () => {
  it('the test fixture is what it claims: 50 records, and the tampered copy really is broken', () => {
    expect(repo.records).toHaveLength(50)
    expect(Object.keys(repo.counts).length).toBe(5)
    expect(() => scanCar(repo.car)).not.toThrow()
    expect(() => scanCar(tamperedCarSync())).toThrow(CarScanError)
  })

  it('inspect --json reports the DID, rev, commit, record count and counts per collection', async () => {
    const run = await welkin('repo', 'inspect', carPath, '--json')
    expect(run.stderr.includes('    at '), run.stderr).toBe(false)
    expect(run.code, run.stderr).toBe(0)
    const info = JSON.parse(run.stdout) as Record<string, unknown>
    expect(info).toMatchObject({
      did: repo.did,
      rev: repo.rev,
      commit: repo.commitCid,
      recordCount: 50,
      collections: repo.counts,
    })
  })

  it('inspect prints the same facts for people', async () => {
    const run = await welkin('repo', 'inspect', carPath)
    expect(run.code, run.stderr).toBe(0)
    for (const fact of [repo.did, repo.rev, repo.commitCid]) expect(run.stdout).toContain(fact)
    expect(run.stdout).toMatch(/\b50\b/)
    const lines = run.stdout.split('\n')
    for (const [collection, count] of Object.entries(repo.counts)) {
      const line = lines.find((l) => l.includes(collection))
      expect(line, collection).toBeDefined()
      expect(line).toMatch(new RegExp(`\\s${count}\\s*$`))
    }
  })

  it('verify accepts the official repo with its DID and signing key', async () => {
    const run = await welkin('repo', 'verify', carPath, '--did', repo.did, '--key', repo.signingKey)
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0)
  })

  it('verify refuses a copy with one changed byte in a record block, naming the block', async () => {
    const run = await welkin('repo', 'verify', tamperedPath, '--did', repo.did, '--key', repo.signingKey)
    expect(run.code).not.toBe(0)
    const said = run.stdout + run.stderr
    expect(said.includes(tampered.cid) || said.includes(tampered.path), said).toBe(true)
    expect(said.includes('    at '), 'a bad file must not end in a stack trace').toBe(false)
  })

  it('verify refuses the signature under another real account key', async () => {
    const run = await welkin('repo', 'verify', carPath, '--did', repo.did, '--key', repo.otherSigningKey)
    expect(run.code).not.toBe(0)
    expect(run.stdout + run.stderr).toMatch(/signature/i)
  })

  it('verify refuses a repo presented under another DID', async () => {
    const otherDid = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
    const run = await welkin('repo', 'verify', carPath, '--did', otherDid, '--key', repo.signingKey)
    expect(run.code).not.toBe(0)
    const said = run.stdout + run.stderr
    expect(said.includes(repo.did) || said.includes(otherDid), said).toBe(true)
  })

  it('verify without --key resolves the DID it finds in the commit, and says why it cannot', async () => {
    // The official directory is gone by now, and nothing listens on port 1: the DID read from
    // the official CAR's commit must be named, and the run must fail rather than pass unsigned.
    const run = await welkin('repo', 'verify', carPath, '--plc', 'http://127.0.0.1:1')
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`cannot check the signature: resolving ${repo.did}`)
    expect(run.stderr.includes('    at '), run.stderr).toBe(false)
  })

  it('verify --no-signature checks everything else and says the signature was not checked', async () => {
    const run = await welkin('repo', 'verify', carPath, '--no-signature')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/signature:\s+NOT CHECKED/)
  })

  it('inspect refuses a truncated file with one line, not a stack trace', async () => {
    const truncatedPath = join(work, 'truncated.car')
    await writeFile(truncatedPath, repo.car.subarray(0, Math.floor(repo.car.length / 2)))
    const run = await welkin('repo', 'inspect', truncatedPath)
    expect(run.code).not.toBe(0)
    expect(run.stderr.includes('    at '), run.stderr).toBe(false)
  })

  it('export writes one atproto-JSON file per record, equal to what getRecord returns', async () => {
    const out = join(work, 'export')
    const run = await welkin('repo', 'export', carPath, out)
    expect(run.code, run.stderr).toBe(0)
    const files = await filesUnder(out)
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(repo.records.length)
    for (const record of repo.records) {
      const file = files.find((f) => f.endsWith(`${record.collection}/${record.rkey}.json`))
      expect(file, `${record.collection}/${record.rkey}`).toBeDefined()
      const written = JSON.parse(await readFile(join(out, file!), 'utf8'))
      expect(written, file).toEqual(record.value)
    }
  })
})

function tamperedCarSync(): Uint8Array {
  return tamperWithPost(repo).car
}
