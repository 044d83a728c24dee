// Test support shared by the store and HTTP suites (not part of the public API): backends to
// run the same suites over, and a small account fixture that signs real operations.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Keypair, P256Keypair, Secp256k1Keypair } from '@welkin/crypto'
import { cidForOp, createGenesisOp, type PlcOp, type PlcOperation, updateHandleOp } from '@welkin/identity'
import pg from 'pg'
import { openPostgresStore } from './store/postgres.js'
import { openSqliteStore } from './store/sqlite.js'
import type { PlcStore } from './store/types.js'

/** The local test server (trust auth, database `test`). */
export const TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test'

export interface Backend {
  name: 'sqlite' | 'postgres'
  /** Opens a store; the same `where` reopens the same data. `clock` replaces Date.now. */
  open(where: string, opts?: { clock?: () => number }): Promise<PlcStore>
  /** A fresh location (temp dir or schema). */
  fresh(): Promise<string>
  /** Removes a location made by fresh(). */
  destroy(where: string): Promise<void>
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async open(dir, opts) {
    return openSqliteStore({ path: join(dir, 'plc.sqlite'), clock: opts?.clock })
  },
  async fresh() {
    return mkdtempSync(join(tmpdir(), 'welkin-plc-'))
  },
  async destroy(dir) {
    rmSync(dir, { recursive: true, force: true })
  },
}

export const postgresBackend: Backend = {
  name: 'postgres',
  async open(schema, opts) {
    return openPostgresStore({ url: TEST_PG_URL, schema, poolSize: 4, clock: opts?.clock })
  },
  async fresh() {
    return `plc_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  },
  async destroy(schema) {
    const client = new pg.Client({ connectionString: TEST_PG_URL })
    await client.connect()
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    } finally {
      await client.end()
    }
  },
}

export interface PostgresCheckOptions {
  /** Default TEST_PG_URL. */
  url?: string
  /**
   * A server that does not answer is an error rather than a skip. Defaults to whether CI is set:
   * CI (.ci/run) starts PostgreSQL, so there a skip would hide a broken backend behind a warning.
   */
  required?: boolean
}

/**
 * Whether the local PostgreSQL answers; suites over it are skipped (loudly) when not, except
 * where it is required (CI), where this rejects and the test file fails.
 */
export async function postgresAvailable(opts: PostgresCheckOptions = {}): Promise<boolean> {
  const url = opts.url ?? TEST_PG_URL
  const required = opts.required ?? Boolean(process.env.CI)
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (err) {
    if (required) {
      throw new Error(`PostgreSQL is required here (CI is set) but not reachable at ${url}`, { cause: err })
    }
    console.warn(`\n*** SKIPPED: PostgreSQL not reachable at ${url} ***\n`)
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** An account with a k256 recovery key (highest priority), a p256 rotation key and a signing key. */
export class TestAccount {
  readonly did: string
  readonly ops: PlcOp[]

  private constructor(
    readonly recovery: Keypair,
    readonly rotation: Keypair,
    readonly signing: Keypair,
    genesis: { did: string; op: PlcOperation },
  ) {
    this.did = genesis.did
    this.ops = [genesis.op]
  }

  static async create(handle = 'alice.test'): Promise<TestAccount> {
    const recovery = await Secp256k1Keypair.create()
    const rotation = await P256Keypair.create()
    const signing = await Secp256k1Keypair.create()
    const genesis = await createGenesisOp(
      {
        rotationKeys: [recovery.did(), rotation.did()],
        signingKey: signing.did(),
        handle,
        pds: 'https://pds.test',
      },
      rotation,
    )
    return new TestAccount(recovery, rotation, signing, genesis)
  }

  get genesis(): PlcOperation {
    return this.ops[0] as PlcOperation
  }

  get last(): PlcOp {
    return this.ops[this.ops.length - 1]
  }

  cid(op: PlcOp = this.last): string {
    return cidForOp(op)
  }

  /** A handle update following `after` (default: the latest op), signed by the rotation key. */
  async update(
    handle: string,
    after: PlcOp = this.last,
    signer: Keypair = this.rotation,
  ): Promise<PlcOperation> {
    return updateHandleOp(after, signer, handle)
  }
}
