// The shared backend, for directories run as several processes over one PostgreSQL database
// (as the public directory runs). An append is one transaction: a per-DID advisory lock, the
// DID's history, validation, then a global advisory lock held only while the row is numbered
// and committed, so `seq` order is commit order and a `seq` cursor never skips a late commit.
import pg from 'pg'
import { PlcStoreError } from '../errors.js'
import { KeyedLock } from './keyed-lock.js'
import type { DecideFn, PlcStore, StoredOp } from './types.js'

export interface PostgresStoreOptions {
  /** postgres://user@host:port/database */
  url: string
  /** Schema to keep the tables in (created if missing); `[a-z_][a-z0-9_]*`. Default: public. */
  schema?: string
  /** Pool size (default 10). */
  poolSize?: number
  /** Wall clock in ms (default Date.now); tests inject one to move time without sleeping. */
  clock?: () => number
}

// Advisory lock namespaces (first key of the two-int form); arbitrary but fixed.
const LOCK_DID = 0x504c43
const LOCK_SEQ = 0x504c44
const LOCK_MIGRATE = 0x504c45

interface Row {
  seq: string
  did: string
  cid: string
  operation: string
  nullified: boolean
  created_at: string
}

const COLUMNS = 'seq, did, cid, operation, nullified, created_at'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS plc_op (
  seq BIGSERIAL PRIMARY KEY,
  did TEXT NOT NULL,
  cid TEXT NOT NULL,
  operation TEXT NOT NULL,
  nullified BOOLEAN NOT NULL DEFAULT false,
  created_at TEXT NOT NULL,
  UNIQUE (did, cid)
);
CREATE INDEX IF NOT EXISTS plc_op_did ON plc_op (did, seq);
CREATE INDEX IF NOT EXISTS plc_op_created ON plc_op (created_at, seq);
`

function toStored(row: Row): StoredOp {
  return {
    seq: Number(row.seq),
    did: row.did,
    cid: row.cid,
    operation: JSON.parse(row.operation),
    nullified: row.nullified,
    createdAt: row.created_at,
  }
}

function storeError(what: string, err: unknown): PlcStoreError {
  return new PlcStoreError(`PostgreSQL ${what}: ${(err as Error).message}`, { cause: err })
}

export class PostgresPlcStore implements PlcStore {
  readonly kind = 'postgres'
  readonly #pool: pg.Pool
  readonly #locks = new KeyedLock()
  readonly #clock: () => number

  private constructor(pool: pg.Pool, clock: () => number) {
    this.#pool = pool
    this.#clock = clock
  }

  static async open(opts: PostgresStoreOptions): Promise<PostgresPlcStore> {
    const schema = opts.schema
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new PlcStoreError(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`)
    }
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 })
    // An idle client's connection can drop (server restart); without a listener that kills the process.
    pool.on('error', () => {})
    if (schema)
      pool.on('connect', (client) => void client.query(`SET search_path TO "${schema}"`).catch(() => {}))
    const store = new PostgresPlcStore(pool, opts.clock ?? Date.now)
    try {
      const client = await pool.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [LOCK_MIGRATE])
        if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
        await client.query(SCHEMA)
        await client.query('SELECT pg_advisory_unlock($1)', [LOCK_MIGRATE])
      } finally {
        client.release()
      }
    } catch (err) {
      await pool.end().catch(() => {})
      throw storeError(`setup of ${opts.url.replace(/\/\/[^@/]*@/, '//***@')}`, err)
    }
    return store
  }

  async #query(sql: string, params: unknown[]): Promise<Row[]> {
    try {
      return (await this.#pool.query<Row>(sql, params)).rows
    } catch (err) {
      throw storeError('query', err)
    }
  }

  async getOps(did: string, opts: { includeNullified?: boolean } = {}): Promise<StoredOp[]> {
    const filter = opts.includeNullified ? '' : ' AND NOT nullified'
    return (
      await this.#query(`SELECT ${COLUMNS} FROM plc_op WHERE did = $1${filter} ORDER BY seq`, [did])
    ).map(toStored)
  }

  async getLastOp(did: string): Promise<StoredOp | null> {
    const rows = await this.#query(
      `SELECT ${COLUMNS} FROM plc_op WHERE did = $1 AND NOT nullified ORDER BY seq DESC LIMIT 1`,
      [did],
    )
    return rows.length > 0 ? toStored(rows[0]) : null
  }

  appendOp(did: string, decide: DecideFn): Promise<StoredOp> {
    return this.#locks.run(did, () => this.#append(did, decide))
  }

  async #append(did: string, decide: DecideFn): Promise<StoredOp> {
    let client: pg.PoolClient
    try {
      client = await this.#pool.connect()
    } catch (err) {
      throw storeError('connect', err)
    }
    let refusal: unknown
    try {
      await client.query('BEGIN')
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_DID, did])
      const history = (
        await client.query<Row>(`SELECT ${COLUMNS} FROM plc_op WHERE did = $1 ORDER BY seq`, [did])
      ).rows.map(toStored)
      const now = this.#clock()
      let decision: ReturnType<DecideFn>
      try {
        decision = decide(history, now)
      } catch (err) {
        refusal = err
        throw err
      }
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_SEQ])
      const last = await client.query<{ created_at: string }>(
        'SELECT created_at FROM plc_op ORDER BY seq DESC LIMIT 1',
      )
      const createdAt = new Date(
        Math.max(now, last.rows[0] ? Date.parse(last.rows[0].created_at) : 0),
      ).toISOString()
      const inserted = await client.query<{ seq: string }>(
        'INSERT INTO plc_op (did, cid, operation, created_at) VALUES ($1, $2, $3, $4) RETURNING seq',
        [did, decision.cid, JSON.stringify(decision.operation), createdAt],
      )
      if (decision.nullify.length > 0) {
        await client.query('UPDATE plc_op SET nullified = true WHERE did = $1 AND cid = ANY($2)', [
          did,
          decision.nullify,
        ])
      }
      await client.query('COMMIT')
      return {
        seq: Number(inserted.rows[0].seq),
        did,
        cid: decision.cid,
        operation: decision.operation,
        nullified: false,
        createdAt,
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      // A refusal from `decide` is the caller's error; anything else is the database's.
      throw err === refusal ? err : storeError('append', err)
    } finally {
      client.release()
    }
  }

  async exportBySeq(after: number, count: number): Promise<StoredOp[]> {
    return (
      await this.#query(`SELECT ${COLUMNS} FROM plc_op WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, count])
    ).map(toStored)
  }

  async exportByTime(after: string | undefined, count: number): Promise<StoredOp[]> {
    const rows = await this.#query(
      `SELECT ${COLUMNS} FROM plc_op WHERE created_at > $1 ORDER BY created_at, seq LIMIT $2`,
      [after ?? '', count],
    )
    const last = rows[rows.length - 1]
    if (rows.length === count && last) {
      rows.push(
        ...(await this.#query(
          `SELECT ${COLUMNS} FROM plc_op WHERE created_at = $1 AND seq > $2 ORDER BY seq LIMIT 10000`,
          [last.created_at, last.seq],
        )),
      )
    }
    return rows.map(toStored)
  }

  async healthCheck(): Promise<void> {
    await this.#query('SELECT 1', [])
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}

export function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresPlcStore> {
  return PostgresPlcStore.open(opts)
}
