import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import { openStore, type Store, type StoreConfig } from '../../src/index.js'

export type EngineName = 'sqlite' | 'postgres'
export const ENGINES: EngineName[] = ['sqlite', 'postgres']

/** The PostgreSQL server the suite creates its throwaway databases on. */
export const PG_ADMIN_URL =
  process.env.CHATKEEP_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  engine: EngineName
  /** What to hand openStore (or a child process) to reach this database. */
  database_url: string
  drop(): Promise<void>
}

/** A new, empty database: a file in a temporary folder, or a PostgreSQL database of its own. */
export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'chatkeep-test-'))
    return {
      engine,
      database_url: join(dir, 'chatkeep.db'),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    }
  }
  const name = `ck_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    engine,
    database_url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL })
      await c.connect()
      try {
        await c.query(`drop database if exists ${name} with (force)`)
      } finally {
        await c.end()
      }
    },
  }
}

export interface EngineContext {
  engine: EngineName
  /** The store opened on this engine's database for the describe block (migrated). */
  readonly store: Store
  readonly database: TestDatabase
  /** Opens another store on the same database. */
  open(config?: StoreConfig): Promise<Store>
}

/**
 * Within the describe block it is called in: a fresh migrated database of `engine` and a store
 * on it, for the block's cases, closed and dropped after them.
 */
function engineContext(engine: EngineName): EngineContext {
  let database: TestDatabase
  let store: Store
  const extra: Store[] = []
  beforeAll(async () => {
    database = await createTestDatabase(engine)
    store = await openStore({ database_url: database.database_url, migrate: true })
  })
  afterAll(async () => {
    for (const s of extra) await s.close()
    await store?.close()
    await database?.drop()
  })
  return {
    engine,
    get store() {
      return store
    },
    get database() {
      return database
    },
    async open(config = {}) {
      const s = await openStore({ database_url: database.database_url, ...config })
      extra.push(s)
      return s
    },
  }
}

/**
 * Runs the same cases on every engine: one describe block per engine, each with a fresh
 * migrated database and a store on it.
 */
export function describeEachEngine(title: string, cases: (ctx: EngineContext) => void): void {
  for (const engine of ENGINES) describeOnEngine(title, engine, cases)
}

/** The cases of what only one engine has (a PostgreSQL proxy, a SQLite file's disk), as above. */
export function describeOnEngine(
  title: string,
  engine: EngineName,
  cases: (ctx: EngineContext) => void,
): void {
  describe(`${title} [${engine}]`, () => cases(engineContext(engine)))
}
