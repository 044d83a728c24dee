// A repository written by the official PDS, downloaded as a CAR, with everything a test needs
// to check a reader against it: the signing key from the DID document, the latest commit, and
// every record exactly as com.atproto.repo.getRecord returns it.
import {
  createAccount,
  getLatestCommit,
  getRecordJson,
  getRepoCar,
  type OfficialAccount,
  type WrittenRecord,
  writeFollows,
  writeLikes,
  writePosts,
  writeProfile,
  writeRecord,
} from './accounts.js'
import { type OfficialPds, startOfficialPds } from './official-pds.js'
import { startOfficialPlc } from './official-plc.js'
import { fetchSigningKey } from './plc-signing-key.js'

export interface OfficialRepoRecord {
  collection: string
  rkey: string
  uri: string
  cid: string
  /** atproto-JSON, as getRecord returns it. */
  value: Record<string, unknown>
}

export interface OfficialRepoCar {
  car: Uint8Array
  did: string
  handle: string
  /** The account's #atproto key as a did:key. */
  signingKey: string
  /** The #atproto key of another account on the same PDS: a real key that must not verify. */
  otherSigningKey: string
  rev: string
  commitCid: string
  records: OfficialRepoRecord[]
  /** Records per collection NSID. */
  counts: Record<string, number>
}

/** A collection no lexicon describes, holding every kind of value the data model has. */
export const SAMPLE_COLLECTION = 'com.example.interop.sample'

let shared: Promise<OfficialRepoCar> | undefined

/**
 * Writes a 50-record repo (profile with avatar, posts, likes, follows, data-model samples) on
 * the given PDS, or on a private official PLC + PDS started and stopped for the purpose (then
 * the result is built once per process and shared).
 */
export function makeOfficialRepoCar(pds?: OfficialPds): Promise<OfficialRepoCar> {
  if (pds) return build(pds)
  shared ??= withPrivateServices(build).catch((err) => {
    shared = undefined
    throw err
  })
  return shared
}

async function withPrivateServices<T>(fn: (pds: OfficialPds) => Promise<T>): Promise<T> {
  const plc = await startOfficialPlc()
  try {
    const pds = await startOfficialPds({ plcUrl: plc.url })
    try {
      return await fn(pds)
    } finally {
      await pds.close()
    }
  } finally {
    await plc.close()
  }
}

async function build(pds: OfficialPds): Promise<OfficialRepoCar> {
  const account = await createAccount(pds)
  const friends = [await createAccount(pds), await createAccount(pds), await createAccount(pds)]
  const written = [await writeProfile(account)]
  const posts = await writePosts(account, 30)
  written.push(...posts)
  written.push(...(await writeLikes(account, posts.slice(0, 10))))
  written.push(
    ...(await writeFollows(
      account,
      friends.map((f) => f.did),
    )),
  )
  written.push(...(await writeSamples(account, posts[0].cid)))

  const records: OfficialRepoRecord[] = []
  for (const w of written) {
    const got = await getRecordJson(pds.url, account.did, w.collection, w.rkey)
    records.push({ ...w, cid: got.cid, value: got.value })
  }
  const counts: Record<string, number> = {}
  for (const r of records) counts[r.collection] = (counts[r.collection] ?? 0) + 1
  const latest = await getLatestCommit(pds.url, account.did)
  return {
    car: await getRepoCar(pds.url, account.did),
    did: account.did,
    handle: account.handle,
    signingKey: await fetchSigningKey(pds.plcUrl, account.did),
    otherSigningKey: await fetchSigningKey(pds.plcUrl, friends[0].did),
    rev: latest.rev,
    commitCid: latest.cid,
    records,
    counts,
  }
}

/** Six records covering integers at the safe limits, null, nesting, bytes, links and odd rkeys. */
async function writeSamples(account: OfficialAccount, linkTo: string): Promise<WrittenRecord[]> {
  const rkeys = ['sample-a', 'sample.b', 'sample_c~d', undefined, undefined, undefined]
  const out: WrittenRecord[] = []
  for (const [i, rkey] of rkeys.entries()) {
    const record = {
      index: i,
      max: Number.MAX_SAFE_INTEGER - i,
      min: Number.MIN_SAFE_INTEGER + i,
      flag: i % 2 === 0,
      nothing: null,
      text: `sample ${i}: ß 🦋 \u0000 end`,
      bytes: {
        $bytes: Buffer.alloc(i * 7, i)
          .toString('base64')
          .replace(/=+$/, ''),
      },
      link: { $link: linkTo },
      nested: { list: [i, [i + 1, [i + 2]], { key: 'value' }], empty: {}, none: [] },
    }
    out.push(await writeRecord(account, SAMPLE_COLLECTION, record, rkey))
  }
  return out
}
