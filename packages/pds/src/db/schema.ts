// The SQLite schema, as numbered migrations. One database file holds accounts, repositories and
// the event log, so a repo write and its `#commit` event commit in one transaction (README,
// "Transactions"). Never edit a released migration: append a new one.

export interface Migration {
  version: number
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE account (
  did TEXT PRIMARY KEY,
  handle TEXT UNIQUE,
  email TEXT UNIQUE,
  email_confirmed_at TEXT,
  password_hash TEXT,
  signing_key_alg TEXT NOT NULL,
  signing_key BLOB NOT NULL,
  status TEXT NOT NULL DEFAULT 'active',
  created_at TEXT NOT NULL,
  deactivated_at TEXT,
  delete_after TEXT,
  takedown_ref TEXT,
  invite_code TEXT
) STRICT;

CREATE TABLE app_password (
  did TEXT NOT NULL,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  privileged INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (did, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE refresh_token (
  id TEXT PRIMARY KEY,
  did TEXT NOT NULL,
  app_password_name TEXT,
  expires_at INTEGER NOT NULL,
  next_id TEXT,
  rotated_at INTEGER
) STRICT;
CREATE INDEX refresh_token_did ON refresh_token (did);

CREATE TABLE invite_code (
  code TEXT PRIMARY KEY,
  available_uses INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  for_account TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE invite_code_use (
  code TEXT NOT NULL,
  used_by TEXT NOT NULL,
  used_at TEXT NOT NULL,
  PRIMARY KEY (code, used_by)
) STRICT, WITHOUT ROWID;

-- The current commit of each repo, its block inline: every write rewrites this row anyway, and
-- the previous commit block then needs no separate deletion.
CREATE TABLE repo_root (
  did TEXT PRIMARY KEY,
  cid BLOB NOT NULL,
  rev TEXT NOT NULL,
  commit_bytes BLOB NOT NULL,
  indexed_at TEXT NOT NULL
) STRICT;

-- MST nodes. The rev column is the commit that last stored the node: garbage collection (below) only
-- removes a node not stored again since it was dropped from the tree.
CREATE TABLE repo_block (
  did TEXT NOT NULL,
  cid BLOB NOT NULL,
  rev TEXT NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY (did, cid)
) STRICT;

-- MST nodes a commit dropped from its tree (their CIDs concatenated, one row per commit),
-- deleted later in batches sorted by key: a write appends one row here instead of deleting at
-- random places in repo_block (node-gc.ts).
CREATE TABLE repo_block_gc (
  did TEXT NOT NULL,
  rev TEXT NOT NULL,
  cids BLOB NOT NULL
) STRICT;

-- Current records, block bytes inline: a record's bytes go with its row, so a block shared by
-- two paths needs no reference counting, and a create appends in rkey (TID) order.
CREATE TABLE record (
  did TEXT NOT NULL,
  collection TEXT NOT NULL,
  rkey TEXT NOT NULL,
  cid BLOB NOT NULL,
  bytes BLOB NOT NULL,
  rev TEXT NOT NULL,
  indexed_at TEXT NOT NULL,
  takedown_ref TEXT,
  PRIMARY KEY (did, collection, rkey)
) STRICT, WITHOUT ROWID;

CREATE TABLE blob (
  did TEXT NOT NULL,
  cid TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  temp_key TEXT,
  permanent INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  takedown_ref TEXT,
  PRIMARY KEY (did, cid)
) STRICT, WITHOUT ROWID;
CREATE INDEX blob_temporary ON blob (created_at) WHERE permanent = 0;
CREATE INDEX blob_moving ON blob (did) WHERE permanent = 1 AND temp_key IS NOT NULL;

CREATE TABLE record_blob (
  did TEXT NOT NULL,
  blob_cid TEXT NOT NULL,
  collection TEXT NOT NULL,
  rkey TEXT NOT NULL,
  PRIMARY KEY (did, blob_cid, collection, rkey)
) STRICT, WITHOUT ROWID;
CREATE INDEX record_blob_record ON record_blob (did, collection, rkey);

-- No AUTOINCREMENT (it writes sqlite_sequence on every insert): the sequencer counts from
-- max(seq), and retention never deletes the newest event, so a seq is never reused.
CREATE TABLE repo_seq (
  seq INTEGER PRIMARY KEY,
  did TEXT NOT NULL,
  type TEXT NOT NULL,
  frame BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
`,
  },
]
