// What the relay remembers about one account (sync.md "Reliable Repository Synchronization":
// the last rev and tree root per repo, hosting status, and the identity it was checked against).
// One compact row each; a million accounts fit in SQLite, and only a bounded cache of them in
// memory.

export interface RepoState {
  did: string
  /** The host the account's events come from (its PDS), as of the last accepted event. */
  hostId: number | null
  /** Last accepted commit: rev, commit CID and MST root (`data`) CID, as binary strings (util/bin). */
  rev: string | null
  head: string | null
  data: string | null
  /** Hosting status at the account's PDS (from #account events). */
  upstreamActive: boolean
  upstreamStatus: string | null
  /** Taken down by this relay's operator. */
  takedown: boolean
  /** Identity as last resolved: the atproto signing key (did:key) and the PDS's hostname. */
  signingKey: string | null
  pds: string | null
  /** When the identity was resolved (ms), 0 if never. */
  resolvedAt: number
  /** A row exists in SQLite (so a flush updates it rather than inserting). Not stored. */
  stored?: boolean
}

export function blankState(did: string): RepoState {
  return {
    did,
    hostId: null,
    rev: null,
    head: null,
    data: null,
    upstreamActive: true,
    upstreamStatus: null,
    takedown: false,
    signingKey: null,
    pds: null,
    resolvedAt: 0,
  }
}

/** The status this relay reports for the account (account.md "Hosting Status"). */
export function hostingStatus(s: RepoState): { active: boolean; status?: string } {
  if (s.takedown) return { active: false, status: 'takendown' }
  if (!s.upstreamActive)
    return s.upstreamStatus ? { active: false, status: s.upstreamStatus } : { active: false }
  return { active: true }
}

export interface RepoRow {
  did: string
  host_id: number | null
  rev: string | null
  head: Uint8Array | null
  data: Uint8Array | null
  upstream_active: number
  upstream_status: string | null
  takedown: number
  signing_key: string | null
  pds: string | null
  resolved_at: number | null
}

export function stateFromRow(r: RepoRow): RepoState {
  return {
    did: r.did,
    hostId: r.host_id,
    rev: r.rev,
    head: r.head ? Buffer.from(r.head).toString('latin1') : null,
    data: r.data ? Buffer.from(r.data).toString('latin1') : null,
    upstreamActive: r.upstream_active === 1,
    upstreamStatus: r.upstream_status,
    takedown: r.takedown === 1,
    signingKey: r.signing_key,
    pds: r.pds,
    resolvedAt: r.resolved_at ?? 0,
    stored: true,
  }
}

/** Column values in the order of the INSERT, with `did` first. */
export function rowFromState(s: RepoState): unknown[] {
  return [
    s.did,
    s.hostId,
    s.rev,
    s.head === null ? null : Buffer.from(s.head, 'latin1'),
    s.data === null ? null : Buffer.from(s.data, 'latin1'),
    s.upstreamActive ? 1 : 0,
    s.upstreamStatus,
    s.takedown ? 1 : 0,
    s.signingKey,
    s.pds,
    s.resolvedAt,
  ]
}
