import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import type { Database } from './database.js'
import { classifyDriverError, translateDriverError } from './driver-errors.js'
import type { SqliteDatabase } from './sqlite.js'

/** The PostgreSQL schema of the key store: `pg_dump --exclude-schema` leaves it out of backups. */
export const KEY_STORE_SCHEMA = 'chatkeep_keys'

/**
 * Each user's data-key secret (crypto-shredding, docs/encryption.md), kept where no backup of
 * the database goes: on SQLite a file of its own beside the database (`keyStorePath`), on
 * PostgreSQL the schema `chatkeep_keys`, which pg_dump is told to leave out. Erasing a user
 * replaces their secret with a tombstone (the id and when), so a backup restored later still
 * tells "erased" from "key store lost". Its table is created here, not by a migration: the
 * migration history travels inside every backup, the key store must not.
 */
export interface UserKeyStore {
  /** Each user's secret (null: erased), for the users with a row; `db` is the caller's handle. */
  get(db: Database, user_ids: readonly string[]): Promise<Map<string, Buffer | null>>
  /**
   * Sets the key store up (its table), on a connection of its own: call it before a transaction
   * that will use the store, so that the transaction never waits for a second connection.
   */
  ready(): Promise<void>
  /**
   * Stores `secret` unless the user has a row already; answers the row's secret (null: erased).
   * PostgreSQL writes it on `db` (inside its transaction, if it is one); SQLite in its own file,
   * committed at once.
   */
  create(db: Database, user_id: string, secret: Buffer): Promise<Buffer | null>
  /**
   * Replaces the user's secret with a tombstone (PostgreSQL: inside `db`'s transaction); true
   * when there was a secret to destroy.
   */
  destroy(db: Database, user_id: string, at: string): Promise<boolean>
  /** Up to `limit` rows after user id `after`, in user id order (for the key store's backup). */
  list(after: string | null, limit: number): Promise<KeyStoreRow[]>
  /** Inserts a row read from a key-store backup, unless the user has one already. */
  insert(row: KeyStoreRow): Promise<void>
  close(): Promise<void>
}

/** One user's row, as a key-store backup holds it. */
export interface KeyStoreRow {
  user_id: string
  /** Null once the user was erased. */
  secret: Buffer | null
  created_at: string
  destroyed_at: string | null
}

const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString())

export function openUserKeyStore(db: Database): UserKeyStore {
  return db.engine === 'sqlite'
    ? new SqliteUserKeys(keyStorePath((db as SqliteDatabase).path))
    : new PostgresUserKeys(db)
}

/** Where a SQLite database's key store lives: `chatkeep.db` → `chatkeep.db.keys`. */
export function keyStorePath(databasePath: string): string {
  return databasePath === ':memory:' ? ':memory:' : `${databasePath}.keys`
}

const lower = (ids: readonly string[]) => [...new Set(ids.map((id) => id.toLowerCase()))]

class PostgresUserKeys implements UserKeyStore {
  #ready: Promise<void> | undefined

  constructor(private readonly root: Database) {}

  /** The schema and table, once per store; an advisory lock keeps two creators apart. */
  #setUp(): Promise<void> {
    this.#ready ??= this.root
      .transaction(async (tx) => {
        await sql`select pg_advisory_xact_lock(hashtext('chatkeep_keys'))`.execute(tx.kysely)
        await sql`create schema if not exists chatkeep_keys`.execute(tx.kysely)
        await sql`create table if not exists chatkeep_keys.user_keys (
          user_id uuid primary key,
          secret bytea,
          created_at timestamptz not null default now(),
          destroyed_at timestamptz
        )`.execute(tx.kysely)
      })
      .catch((error: unknown) => {
        this.#ready = undefined
        throw error
      })
    return this.#ready
  }

  async get(db: Database, user_ids: readonly string[]) {
    const found = new Map<string, Buffer | null>()
    if (user_ids.length === 0) return found
    await this.#setUp()
    const { rows } = await sql<{ user_id: string; secret: Buffer | null }>`
      select user_id, secret from chatkeep_keys.user_keys
      where user_id = any(${lower(user_ids)}::uuid[])`.execute(db.kysely)
    for (const row of rows) found.set(row.user_id, row.secret)
    return found
  }

  ready() {
    return this.#setUp()
  }

  async create(db: Database, user_id: string, secret: Buffer) {
    await this.#setUp()
    await sql`insert into chatkeep_keys.user_keys (user_id, secret) values (${user_id}, ${secret})
      on conflict (user_id) do nothing`.execute(db.kysely)
    const stored = await this.get(db, [user_id])
    return stored.get(user_id.toLowerCase()) ?? null
  }

  async destroy(db: Database, user_id: string, at: string) {
    await this.#setUp()
    const { rows } = await sql<{ secret: Buffer | null }>`
      select secret from chatkeep_keys.user_keys where user_id = ${user_id} for update`.execute(
      db.kysely,
    )
    await sql`insert into chatkeep_keys.user_keys (user_id, secret, destroyed_at)
      values (${user_id}, null, ${at})
      on conflict (user_id) do update set secret = null,
        destroyed_at = coalesce(chatkeep_keys.user_keys.destroyed_at, excluded.destroyed_at)`.execute(
      db.kysely,
    )
    return rows[0]?.secret != null
  }

  async list(after: string | null, limit: number) {
    await this.#setUp()
    const { rows } = await sql<{
      user_id: string
      secret: Buffer | null
      created_at: Date
      destroyed_at: Date | null
    }>`select user_id, secret, created_at, destroyed_at from chatkeep_keys.user_keys
      where ${after === null ? sql`true` : sql`user_id > ${after}::uuid`}
      order by user_id limit ${limit}`.execute(this.root.kysely)
    return rows.map((r) => ({
      ...r,
      created_at: iso(r.created_at)!,
      destroyed_at: iso(r.destroyed_at),
    }))
  }

  async insert(row: KeyStoreRow) {
    await this.#setUp()
    await sql`insert into chatkeep_keys.user_keys (user_id, secret, created_at, destroyed_at)
      values (${row.user_id}, ${row.secret}, ${row.created_at}, ${row.destroyed_at})
      on conflict (user_id) do nothing`.execute(this.root.kysely)
  }

  async close() {}
}

const BUSY_LIMIT_MS = 5000
const BUSY_MAX_DELAY_MS = 50
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const SQLITE_SCHEMA = `create table if not exists user_keys (
  user_id text primary key,
  secret blob,
  created_at text not null,
  destroyed_at text
)`

/**
 * The key store in a SQLite file of its own, shared by every process on the database. Unlike
 * the rate-limit counters it commits with `synchronous=FULL`: a secret must be on disk before a
 * message sealed with it is, or a power cut could leave messages nobody can open; and
 * `secure_delete`, so a destroyed secret leaves no copy in the file. Every
 * statement runs to completion in one synchronous call; a lock held by another process is
 * waited for with short sleeps, so the event loop keeps serving.
 */
class SqliteUserKeys implements UserKeyStore {
  readonly #handle: BetterSqlite3.Database
  #ready = false

  constructor(path: string) {
    // Loaded here, so that a PostgreSQL server never loads the native module.
    const Connection = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3
    this.#handle = new Connection(path, { timeout: 0 })
  }

  get(_db: Database, user_ids: readonly string[]) {
    return this.#run(() => {
      const found = new Map<string, Buffer | null>()
      const select = this.#handle.prepare('select secret from user_keys where user_id = ?')
      for (const id of lower(user_ids)) {
        const row = select.get(id) as { secret: Buffer | null } | undefined
        if (row !== undefined) found.set(id, row.secret)
      }
      return found
    })
  }

  async ready() {
    await this.#run(() => {})
  }

  create(_db: Database, user_id: string, secret: Buffer) {
    const id = user_id.toLowerCase()
    return this.#run(() => {
      this.#handle
        .prepare(
          'insert into user_keys (user_id, secret, created_at) values (?, ?, ?) on conflict (user_id) do nothing',
        )
        .run(id, secret, new Date().toISOString())
      const row = this.#handle.prepare('select secret from user_keys where user_id = ?').get(id) as
        { secret: Buffer | null } | undefined
      return row?.secret ?? null
    })
  }

  async destroy(_db: Database, user_id: string, at: string) {
    const id = user_id.toLowerCase()
    const had = await this.#run(() =>
      this.#handle
        .transaction(() => {
          const row = this.#handle
            .prepare('select secret from user_keys where user_id = ?')
            .get(id) as { secret: Buffer | null } | undefined
          this.#handle
            .prepare(
              `insert into user_keys (user_id, secret, created_at, destroyed_at) values (?, null, ?, ?)
             on conflict (user_id) do update set secret = null,
               destroyed_at = coalesce(destroyed_at, excluded.destroyed_at)`,
            )
            .run(id, at, at)
          return row?.secret != null
        })
        .immediate(),
    )
    // The page that held the secret also sits in the WAL until a checkpoint: copy it back and
    // empty the WAL now. Best effort: a reader in another process only delays it to the next.
    try {
      this.#handle.pragma('wal_checkpoint(TRUNCATE)')
    } catch {
      // the next checkpoint does it
    }
    return had
  }

  list(after: string | null, limit: number) {
    return this.#run(
      () =>
        this.#handle
          .prepare(
            `select user_id, secret, created_at, destroyed_at from user_keys
             where user_id > ? order by user_id limit ?`,
          )
          .all(after ?? '', limit) as KeyStoreRow[],
    )
  }

  async insert(row: KeyStoreRow) {
    await this.#run(() =>
      this.#handle
        .prepare(
          `insert into user_keys (user_id, secret, created_at, destroyed_at) values (?, ?, ?, ?)
           on conflict (user_id) do nothing`,
        )
        .run(row.user_id.toLowerCase(), row.secret, row.created_at, row.destroyed_at),
    )
  }

  async close() {
    this.#handle.close()
  }

  async #run<T>(work: () => T): Promise<T> {
    const started = Date.now()
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.#ready) {
          this.#handle.pragma('journal_mode = WAL')
          this.#handle.pragma('synchronous = FULL')
          // A destroyed secret is overwritten with zeros in the file, not left in a free page.
          this.#handle.pragma('secure_delete = ON')
          this.#handle.exec(SQLITE_SCHEMA)
          this.#ready = true
        }
        return work()
      } catch (error) {
        if (classifyDriverError(error) !== 'busy' || Date.now() - started >= BUSY_LIMIT_MS) {
          throw translateDriverError(error)
        }
        await sleep(Math.random() * Math.min(BUSY_MAX_DELAY_MS, 2 ** attempt))
      }
    }
  }
}
