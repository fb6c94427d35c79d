/**
 * Schema migrations on both engines: all the way down and up again on a populated database, a
 * store refusing a database that is behind the code (unless told to migrate) or ahead of it,
 * and several stores migrating the same fresh database at once.
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/store-config.js'
import type { Database } from '../../src/db/database.js'
import { MIGRATIONS } from '../../src/db/migrations/index.js'
import {
  createMigrator,
  NO_MIGRATIONS,
  prepareSchema,
  schemaStatus,
  unwrap,
} from '../../src/db/migrator.js'
import { openDatabase } from '../../src/db/open.js'
import { ChatkeepError, openStore, type Store } from '../../src/index.js'
import { createTestDatabase, describeEachEngine, type TestDatabase } from '../support/engines.js'
import { startWorker } from '../support/workers.js'

const KNOWN = Object.keys(MIGRATIONS)
const LATEST = KNOWN.at(-1)!
const MIGRATION_TABLE = 'chatkeep_migration'
/** Tables every migration creates; the migrator's own two tables are not among them. */
const DATA_TABLES = ['users', 'conversations', 'messages', 'documents', 'audit_events']

/** The database without a store on it: no schema check, for looking and poking. */
const openRaw = (database: TestDatabase) =>
  openDatabase(resolveConfig({ database_url: database.database_url }))

async function tableNames(db: Database): Promise<string[]> {
  const tables = await db.kysely.introspection.getTables()
  return tables.map((t) => t.name).filter((name) => !name.startsWith(MIGRATION_TABLE))
}

async function appliedNames(db: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}
    order by name`.execute(db.kysely)
  return rows.map((r) => r.name)
}

async function openError(config: Parameters<typeof openStore>[0]): Promise<ChatkeepError> {
  const error: unknown = await openStore(config).then(
    async (store) => {
      await store.close()
      return undefined
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ChatkeepError)
  return error as ChatkeepError
}

/** A store works: a new user's new conversation takes sequences 1, 2. */
async function expectWorking(store: Store, username: string): Promise<void> {
  const user = await store.users.create({ username })
  const chat = await store.conversations.create({ user_id: user.id })
  const first = await store.messages.append(chat.id, {
    role: 'user',
    content: 'hi',
    tokens_used: 2,
  })
  const second = await store.messages.append(chat.id, { role: 'assistant', content: 'hello' })
  expect([first.sequence, second.sequence]).toEqual([1, 2])
  expect((await store.conversations.get(chat.id)).message_count).toBe(2)
}

/** A fresh database for one test, dropped afterwards. */
async function withDatabase(
  engine: TestDatabase['engine'],
  work: (database: TestDatabase) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase(engine)
  try {
    await work(database)
  } finally {
    await database.drop()
  }
}

describeEachEngine('migrations', (ctx) => {
  it('goes all the way down and up again on a populated database', async () => {
    const { store } = ctx
    for (const name of ['ana', 'ben', 'cy']) {
      const user = await store.users.create({ username: name, email: `${name}@example.com` })
      for (let c = 0; c < 3; c++) {
        const chat = await store.conversations.create({ user_id: user.id, title: `${name} ${c}` })
        await store.messages.appendMany(chat.id, [
          { role: 'user', content: 'question', request_id: `turn-${c}`, tokens_used: 5 },
          {
            role: 'assistant',
            content: 'answer',
            request_id: `turn-${c}`,
            tokens_used: 7,
            // With a vector index of messages (SQLite: a vec0 table) for the way down to drop.
            embedding: [1, c, 0],
          },
        ])
      }
    }
    const db = store.database
    expect(await schemaStatus(db)).toMatchObject({ current: LATEST, pending: [], unknown: [] })

    const down = unwrap(await createMigrator(db).migrateTo(NO_MIGRATIONS))
    expect(down.results?.map((r) => [r.migrationName, r.direction, r.status])).toEqual(
      [...KNOWN].reverse().map((name) => [name, 'Down', 'Success']),
    )
    expect(await tableNames(db)).toEqual([])
    expect(await schemaStatus(db)).toMatchObject({ current: null, pending: KNOWN, unknown: [] })
    // A store no longer opens on it without migrating.
    expect((await openError({ database_url: ctx.database.database_url })).code).toBe(
      'schema_out_of_date',
    )

    const up = unwrap(await createMigrator(db).migrateToLatest())
    expect(up.results?.map((r) => [r.migrationName, r.direction, r.status])).toEqual(
      KNOWN.map((name) => [name, 'Up', 'Success']),
    )
    expect(await tableNames(db)).toEqual(expect.arrayContaining(DATA_TABLES))
    expect(await schemaStatus(db)).toMatchObject({ current: LATEST, pending: [], unknown: [] })
    // The data went with the tables; the schema is whole again.
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from users`.execute(
      db.kysely,
    )
    expect(Number(rows[0]!.n)).toBe(0)
    await prepareSchema(db, false)

    // A store opened now works, and so does the one that stayed open throughout.
    await expectWorking(await ctx.open(), 'after-up')
    await expectWorking(store, 'same-store')
  })

  it('refuses an empty database unless told to migrate it', async () => {
    await withDatabase(ctx.engine, async (database) => {
      const error = await openError({ database_url: database.database_url })
      expect(error.code).toBe('schema_out_of_date')
      expect(error.message).toMatch(/chatkeep migrate up|migrate: true/)
      // Refusing changed nothing.
      const raw = await openRaw(database)
      try {
        expect(await tableNames(raw)).toEqual([])
        expect((await schemaStatus(raw)).pending).toEqual(KNOWN)
      } finally {
        await raw.close()
      }

      const store = await openStore({ database_url: database.database_url, migrate: true })
      try {
        expect(await schemaStatus(store.database)).toMatchObject({ current: LATEST, pending: [] })
        await expectWorking(store, 'first')
      } finally {
        await store.close()
      }
      // Migrated, it opens without being told.
      const again = await openStore({ database_url: database.database_url })
      try {
        await expectWorking(again, 'second')
      } finally {
        await again.close()
      }
    })
  })

  it('refuses a database migrated by a newer version, and leaves it alone', async () => {
    await withDatabase(ctx.engine, async (database) => {
      await (await openStore({ database_url: database.database_url, migrate: true })).close()
      const future = '2999-01-01-01-from-a-newer-chatkeep'
      const raw = await openRaw(database)
      try {
        await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp)
          values (${future}, ${new Date().toISOString()})`.execute(raw.kysely)
        expect((await schemaStatus(raw)).unknown).toEqual([future])

        for (const migrate of [false, true]) {
          const error = await openError({ database_url: database.database_url, migrate })
          expect(error.code).toBe('schema_too_new')
          expect(error.status).toBe(503)
          expect(error.message).toContain(future)
          // It says what to do about it.
          expect(error.message).toMatch(/upgrade Chatkeep/i)
        }
        expect(await appliedNames(raw)).toEqual([...KNOWN, future])
        expect(await tableNames(raw)).toEqual(expect.arrayContaining(DATA_TABLES))
      } finally {
        await raw.close()
      }
    })
  })

  it('applies a migration once when several stores open a fresh database at once', async () => {
    await withDatabase(ctx.engine, async (database) => {
      const stores = await Promise.all(
        [1, 2, 3].map(() => openStore({ database_url: database.database_url, migrate: true })),
      )
      try {
        expect(await appliedNames(stores[0]!.database)).toEqual(KNOWN)
        for (const [i, store] of stores.entries()) await expectWorking(store, `store-${i}`)
      } finally {
        for (const store of stores) await store.close()
      }
    })
  })

  it('applies a migration once when several processes open a fresh database at once', async () => {
    await withDatabase(ctx.engine, async (database) => {
      const workers = [1, 2, 3].map((i) =>
        startWorker('open-worker.ts', ['--url', database.database_url, '--username', `proc-${i}`]),
      )
      try {
        await Promise.all(workers.map((w) => w.waitForLines(/^started$/)))
        for (const w of workers) w.send('open')
        for (const exit of await Promise.all(workers.map((w) => w.exited))) {
          expect(exit.code, exit.stdout + exit.stderr).toBe(0)
          expect(exit.stdout).toMatch(/^ok 1$/m)
        }
      } finally {
        for (const w of workers) w.kill()
      }
      const raw = await openRaw(database)
      try {
        expect(await appliedNames(raw)).toEqual(KNOWN)
        const { rows } = await sql<{ n: number | string }>`select count(*) as n from users`.execute(
          raw.kysely,
        )
        expect(Number(rows[0]!.n)).toBe(3)
      } finally {
        await raw.close()
      }
    })
  })
})
