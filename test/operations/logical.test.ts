import { FEED_TABLES } from '../../src/db/schema.js'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable, Writable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/store-config.js'
import type { Database } from '../../src/db/database.js'
import { MIGRATIONS } from '../../src/db/migrations/index.js'
import { createMigrator, unwrap } from '../../src/db/migrator.js'
import { openDatabase } from '../../src/db/open.js'
import { exportDatabase, importDatabase, openStore, type Store } from '../../src/index.js'
import { canonicalJson } from '../../src/lib/canonical-json.js'
import { defaultName } from '../../src/cli/export.js'
import { specOf, TABLE_ORDER, type TableName } from '../../src/operations/logical/format.js'
import { AuthService } from '../../src/services/auth.js'
import { createUser, expectError } from '../conformance/helpers.js'
import { runChatkeep } from '../support/cli.js'
import {
  createTestDatabase,
  type EngineName,
  ENGINES,
  type TestDatabase,
} from '../support/engines.js'

// ---------------------------------------------------------------------------------------------
// Databases

const opened: { store: Store; database: TestDatabase }[] = []
const folders: string[] = []

afterAll(async () => {
  for (const { store, database } of opened) {
    await store.close().catch(() => {})
    await database.drop()
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

/** A new, migrated, empty database and a store on it, dropped after the file. */
async function fresh(engine: EngineName): Promise<Store> {
  const database = await createTestDatabase(engine)
  const store = await openStore({ database_url: database.database_url, migrate: true })
  opened.push({ store, database })
  return store
}

const urlOf = (store: Store) => opened.find((o) => o.store === store)!.database.database_url

const other = (engine: EngineName): EngineName => (engine === 'sqlite' ? 'postgres' : 'sqlite')

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'chatkeep-logical-'))
  folders.push(folder)
  return folder
}

// ---------------------------------------------------------------------------------------------
// Export and import to and from memory

async function exportText(db: Database): Promise<string> {
  const chunks: Buffer[] = []
  const out = new PassThrough()
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await exportDatabase(db, out)
  out.end()
  return Buffer.concat(chunks).toString('utf8')
}

const importText = (db: Database, text: string | Buffer, replace = false) =>
  importDatabase(db, Readable.from([Buffer.from(text)]), { replace })

const fileLines = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

function rowsOf(text: string, table: TableName): Record<string, unknown>[] {
  return fileLines(text)
    .filter((line) => line.table === table)
    .map((line) => line.row as Record<string, unknown>)
}

// ---------------------------------------------------------------------------------------------
// What is compared: every table, row by row, and a hash per conversation

/** A json column as read: text on SQLite, parsed already on PostgreSQL. */
const fromDb = (db: Database, value: unknown) =>
  db.engine === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value

/** The newest migration this code knows: what an export's header names. */
const LATEST = Object.keys(MIGRATIONS).at(-1)!

/** Every row of every table in one engine-neutral shape, sorted: equal dumps, equal databases. */
async function dump(
  db: Database,
  options: { without_cli?: string[] } = {},
): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {}
  for (const table of TABLE_ORDER) {
    const spec = specOf(table)
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
      db.kysely,
    )
    tables[table] = rows
      .filter((row) => table !== 'audit_events' || !isCliRow(db, row, options.without_cli ?? []))
      .map((row) => {
        const shaped: Record<string, unknown> = {}
        for (const name of spec.names) {
          const value = row[name]
          const kind = spec.columns[name]
          shaped[name] =
            value === null || value === undefined
              ? null
              : kind === 'json'
                ? fromDb(db, value)
                : kind === 'bool'
                  ? Boolean(value)
                  : kind === 'bytes'
                    ? Buffer.from(value as Uint8Array).toString('base64')
                    : value
        }
        return canonicalJson(shaped)
      })
      .sort()
  }
  return tables
}

/** An audit row a CLI command wrote of itself (via cli), of one of `actions`. */
function isCliRow(db: Database, row: Record<string, unknown>, actions: string[]): boolean {
  const details = fromDb(db, row.details) as Record<string, unknown>
  return details.via === 'cli' && actions.includes(row.action as string)
}

/** A SHA-256 per conversation over its messages' fields, in sequence order, and its counters. */
async function conversationHashes(db: Database): Promise<Record<string, string>> {
  const messages = await db.kysely
    .selectFrom('messages')
    .selectAll()
    .orderBy('conversation_id')
    .orderBy('sequence')
    .execute()
  const byConversation = new Map<string, ReturnType<typeof createHash>>()
  for (const m of messages) {
    let hash = byConversation.get(m.conversation_id)
    if (hash === undefined) {
      hash = createHash('sha256')
      byConversation.set(m.conversation_id, hash)
    }
    hash.update(
      canonicalJson({
        id: m.id,
        conversation_id: m.conversation_id,
        user_id: m.user_id,
        sequence: m.sequence,
        parent_id: m.parent_id,
        role: m.role,
        content: m.content,
        encrypted_content: m.encrypted_content?.toString('base64') ?? null,
        key_id: m.key_id,
        request_id: m.request_id,
        tokens_used: m.tokens_used,
        model_version: m.model_version,
        context_documents: fromDb(db, m.context_documents),
        metadata: fromDb(db, m.metadata),
        feedback: m.feedback,
        created_at: m.created_at,
        deleted_at: m.deleted_at,
      }) + '\n',
    )
  }
  const conversations = await db.kysely
    .selectFrom('conversations')
    .select(['id', 'message_count', 'total_tokens', 'last_activity', 'deleted_at'])
    .execute()
  const result: Record<string, string> = {}
  for (const c of conversations) {
    const counters = `${c.message_count}/${Number(c.total_tokens)}/${c.last_activity}/${c.deleted_at}`
    result[c.id] = `${byConversation.get(c.id)?.digest('hex') ?? 'none'} ${counters}`
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// A richly populated store

const AUTH = {
  access_token_ttl_s: 900,
  refresh_token_ttl_s: 3600,
  jwt_secret: 'logical-export-test-secret-0123456789abcdef',
}

interface Populated {
  /** A word only in one message, and the message's id. */
  messageWord: string
  messageId: string
  chunkWord: string
  chunkId: string
}

/** Users, credentials, conversations, messages of every kind, documents and every other table. */
async function populate(store: Store): Promise<Populated> {
  const db = store.database
  const tag = Math.random().toString(36).slice(2, 8)
  const auth = await AuthService.open(store, AUTH)
  const zoe = await auth.register(
    {
      username: `Zoë_${tag}`,
      password: 'correct horse battery staple',
      email: `zoe.${tag}@example.com`,
      display_name: 'Zoë 🦓 Ünïcödé — 名前',
    },
    { user_agent: 'vitest/4 (ümlaut)', ip_address: '192.0.2.7' },
  )
  // Rotation: the second refresh token's parent is the first.
  await auth.refresh(zoe.refresh_token)
  await auth.createApiKey(zoe.user.id, 'user', { name: 'bot 🤖', scopes: ['read'] })
  const revoked = await auth.createApiKey(zoe.user.id, 'user', { name: 'old key' })
  await auth.revokeApiKey(zoe.user.id, revoked.id)
  const kenji = await store.users.create({
    username: `健二_${tag}`,
    display_name: 'Kenji',
    role: 'admin',
    discord_id: `d-${tag}`,
    preferences: { theme: 'dark', nested: { list: [1, 2.5, 'three', null, true] } },
  })
  const idle = await store.users.create({ username: `idle_${tag}`, is_active: false })

  const messageWord = `zebra${tag}`
  const chat = await store.conversations.create({
    user_id: zoe.user.id,
    title: 'Über emoji 😀 and ünïcode',
    origin: 'website',
    parameters: { temperature: 0.7, max_tokens: 512 },
    metadata: { tags: ['travel', 'é'], category: 'chat', custom: { deep: { x: null } } },
  })
  const system = await store.messages.append(chat.id, {
    role: 'system',
    content: 'You are helpful.',
  })
  const question = await store.messages.append(chat.id, {
    role: 'user',
    content: `Where do ${messageWord} live? 🦓🌍 "quotes" \\ back\nslash\ttab \u2028 sep`,
    request_id: 'turn-1',
    tokens_used: 12,
    metadata: { latency_ms: 5, source: 'web' },
    embedding: [0.5, -2, 0, 7e-9, 1e12],
  })
  const answer = await store.messages.append(chat.id, {
    role: 'assistant',
    content: 'In Africa. 非洲。',
    request_id: 'turn-1',
    parent_id: question.id,
    tokens_used: 40,
    model_version: 'gpt-x-2026',
    context_documents: ['doc-1', { id: 'chunk-7', score: 0.91 }],
    metadata: { confidence: 0.93, custom: { ok: true } },
  })
  await store.messages.append(chat.id, {
    role: 'tool',
    content: '{"result": 42}',
    parent_id: answer.id,
    tokens_used: 3,
  })
  const gone = await store.messages.append(chat.id, { role: 'user', content: 'never mind' })
  await store.messages.setFeedback(answer.id, 1)
  await store.messages.setFeedback(system.id, -1)
  await store.messages.delete(gone.id)

  const archived = await store.conversations.create({ user_id: kenji.id, origin: 'discord' })
  await store.messages.appendMany(
    archived.id,
    Array.from({ length: 30 }, (_, i) => ({
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `message ${i} ${'·'.repeat(i)}`,
      tokens_used: i,
    })),
  )
  await store.conversations.archive(archived.id)
  await store.conversations.findOrCreateByDiscordChannel(`chan-${tag}`, { user_id: kenji.id })
  const deleted = await store.conversations.create({ user_id: idle.id, title: 'to delete' })
  await store.messages.append(deleted.id, { role: 'user', content: 'bye' })
  await store.conversations.delete(deleted.id)

  // An encrypted message (no content) and a child whose id sorts before its parent's.
  const sealed = await store.conversations.create({ user_id: zoe.user.id, title: 'sealed' })
  const now = new Date().toISOString()
  const parentId = `ffffffff-ffff-7fff-bfff-${tag.padEnd(12, 'f').replace(/[^0-9a-f]/g, 'f')}`
  const childId = `00000000-0000-7000-8000-${tag.padEnd(12, '0').replace(/[^0-9a-f]/g, '0')}`
  await db.kysely
    .insertInto('messages')
    .values([
      {
        id: parentId,
        conversation_id: sealed.id,
        user_id: zoe.user.id,
        sequence: 1,
        parent_id: null,
        role: 'user',
        content: null,
        encrypted_content: Buffer.from([0, 1, 2, 250, 255, 0, 128]),
        key_id: 'key-2026',
        request_id: null,
        tokens_used: 0,
        model_version: null,
        context_documents: '[]',
        metadata: '{"enc":"aes-256-gcm"}',
        feedback: null,
        created_at: now,
        deleted_at: null,
      },
      {
        id: childId,
        conversation_id: sealed.id,
        user_id: zoe.user.id,
        sequence: 2,
        parent_id: parentId,
        role: 'assistant',
        content: 'a reply to a sealed message',
        encrypted_content: null,
        key_id: null,
        request_id: null,
        tokens_used: 9,
        model_version: null,
        context_documents: '[]',
        metadata: '{}',
        feedback: null,
        created_at: now,
        deleted_at: null,
      },
    ])
    .execute()
  await db.kysely
    .updateTable('conversations')
    .set({ message_count: 2, total_tokens: 9, last_activity: now })
    .where('id', '=', sealed.id)
    .execute()

  const chunkWord = `quokka${tag}`
  const doc = await store.documents.ingest({
    user_id: zoe.user.id,
    source_url: `https://docs.example/${tag}`,
    title: 'Guide 📘',
    doc_type: 'guide',
    version: '2',
    metadata: { lang: 'en', pages: [1, 2] },
    chunks: [
      { content: `The ${chunkWord} smiles.`, token_count: 4, embedding: [0.25, -1.5, 3e-8, 1e10] },
      { content: 'Ünïcode chunk 中文', embedding_id: 'ext-1' },
    ],
  })
  const shared = await store.documents.ingest({
    title: 'Shared',
    chunks: [{ content: 'shared knowledge', embedding: [1, 0, 0] }],
  })
  await store.documents.delete(shared.document.id)

  await db.kysely
    .insertInto('rate_limits')
    .values({
      key: `ip:192.0.2.${tag.length}`,
      request_count: 7,
      window_start: now,
      reset_time: now,
      last_request: now,
    })
    .execute()
  await db.kysely
    .insertInto('transcripts')
    .values({
      id: crypto.randomUUID(),
      conversation_id: chat.id,
      user_id: zoe.user.id,
      format: 'markdown',
      storage: 'fs',
      storage_key: `transcripts/${chat.id}.md`,
      file_size_bytes: 9_000_000_000,
      message_count: 4,
      sha256: 'ab'.repeat(32),
      created_at: now,
    })
    .execute()
  await db.kysely
    .insertInto('metrics')
    .values({
      id: crypto.randomUUID(),
      source: 'bot-1',
      metric_type: 'latency',
      timestamp: now,
      metric_data: JSON.stringify({ p50: 12.5, p99: [1, 2] }),
    })
    .execute()
  await db.kysely
    .insertInto('system_configs')
    .values([
      { key: `feature.${tag}`, value: 'true', updated_at: now, updated_by: kenji.id },
      { key: `nothing.${tag}`, value: 'null', updated_at: now, updated_by: null },
      { key: `text.${tag}`, value: '"ünï 😀"', updated_at: now, updated_by: null },
    ])
    .execute()
  await db.kysely
    .insertInto('backup_logs')
    .values({
      id: crypto.randomUUID(),
      backup_type: 'sqlite',
      status: 'failed',
      started_at: now,
      completed_at: null,
      file_path: null,
      file_size_bytes: null,
      sha256: null,
      error_message: 'disk full',
    })
    .execute()
  return {
    messageWord,
    messageId: question.id,
    chunkWord,
    chunkId: doc.chunks[0]!.id,
  }
}

async function expectSearchable(store: Store, populated: Populated): Promise<void> {
  const messages = await store.search.search({ q: populated.messageWord })
  expect(messages.data.map((h) => h.id)).toEqual([populated.messageId])
  const chunks = await store.search.search({ q: populated.chunkWord, scope: 'documents' })
  expect(chunks.data.map((h) => h.id)).toEqual([populated.chunkId])
  // A message's embedding travels too, and is found by the target's index (or exact scan).
  const recalled = await store.search.similarMessages({ embedding: [0.5, -2, 0, 7e-9, 1e12] })
  expect(recalled.data.map((h) => h.id)).toEqual([populated.messageId])
  expect(recalled.data[0]!.score).toBeCloseTo(1, 5)
}

// ---------------------------------------------------------------------------------------------

describe('logical export and import', () => {
  for (const engine of ENGINES) {
    it(`moves a ${engine} database to ${other(engine)} and back, identical`, async () => {
      const source = await fresh(engine)
      const populated = await populate(source)
      const text = await exportText(source.database)

      const header = fileLines(text)[0]!
      expect(header).toMatchObject({
        format: 'chatkeep-export',
        version: 1,
        schema: LATEST,
        engine,
      })
      const trailer = fileLines(text).at(-1)!
      expect(Object.keys((trailer.end as { counts: object }).counts)).toEqual([...TABLE_ORDER])
      // Bytes travel as base64, booleans as booleans, json as JSON values.
      const sealed = rowsOf(text, 'messages').find((m) => m.encrypted_content !== null)!
      expect(Buffer.from(sealed.encrypted_content as string, 'base64')).toEqual(
        Buffer.from([0, 1, 2, 250, 255, 0, 128]),
      )
      expect(rowsOf(text, 'users').map((u) => typeof u.is_active)).toEqual(
        expect.arrayContaining(['boolean']),
      )
      expect(rowsOf(text, 'users').some((u) => u.is_active === false)).toBe(true)
      expect(typeof rowsOf(text, 'conversations')[0]!.metadata).toBe('object')

      const target = await fresh(other(engine))
      const summary = await importText(target.database, text)
      expect(summary).toMatchObject({ engine, replaced: false, skipped: 0, recounted: 0 })
      expect(summary.inserted).toBe(header.rows)
      expect(await conversationHashes(target.database)).toEqual(
        await conversationHashes(source.database),
      )
      expect(await dump(target.database)).toEqual(await dump(source.database))
      await expectSearchable(target, populated)

      const back = await fresh(engine)
      await importText(back.database, await exportText(target.database))
      expect(await conversationHashes(back.database)).toEqual(
        await conversationHashes(source.database),
      )
      expect(await dump(back.database)).toEqual(await dump(source.database))
      await expectSearchable(back, populated)
      // The imported store works on: the next append takes the next sequence.
      const chat = await target.conversations.list({ limit: 200 })
      for (const c of chat.data.filter((c) => c.status === 'active')) {
        const next = await target.messages.append(c.id, { role: 'user', content: 'after import' })
        expect(next.sequence).toBe(c.message_count + 1)
      }
    })
  }

  for (const engine of ENGINES) {
    it(`imports the same file twice into ${engine}: the second changes nothing`, async () => {
      const source = await fresh(other(engine))
      await populate(source)
      const text = await exportText(source.database)
      const target = await fresh(engine)
      const first = await importText(target.database, text)
      const hashes = await conversationHashes(target.database)
      const rows = await dump(target.database)
      const second = await importText(target.database, text)
      expect(second.inserted).toBe(0)
      expect(second.skipped).toBe(first.inserted)
      for (const table of TABLE_ORDER) {
        expect(second.tables[table]).toEqual({ inserted: 0, skipped: first.tables[table].inserted })
      }
      expect(await conversationHashes(target.database)).toEqual(hashes)
      expect(await dump(target.database)).toEqual(rows)
    })
  }

  for (const engine of ENGINES) {
    it(`refuses a truncated or damaged file with replace on ${engine}, changing nothing`, async () => {
      const source = await fresh(engine)
      await populate(source)
      const text = await exportText(source.database)
      const target = await fresh(engine)
      await populate(target)
      const before = await dump(target.database)

      const lines = text.trimEnd().split('\n')
      const withoutTrailer = lines.slice(0, -1).join('\n') + '\n'
      const cutMidLine = text.slice(0, Math.floor(text.length * 0.6))
      const gzipCut = gzipSync(text).subarray(0, Math.floor(gzipSync(text).length * 0.7))
      const badRole = text.replace('"role":"tool"', '"role":"wizard"')
      const badCount = text.replace(/"messages":(\d+)/, (_m, n: string) => `"messages":${+n + 1}`)
      for (const damaged of [withoutTrailer, cutMidLine, gzipCut, badRole, badCount]) {
        await expectError(importText(target.database, damaged, true), 'validation_failed')
        expect(await dump(target.database)).toEqual(before)
      }
      // The same file, whole, replaces everything.
      const summary = await importText(target.database, gzipSync(text), true)
      expect(summary.replaced).toBe(true)
      expect(await dump(target.database)).toEqual(await dump(source.database))
    })
  }

  it('without replace, a truncated file imports its complete rows and reports the rest', async () => {
    const source = await fresh('sqlite')
    await populate(source)
    const text = await exportText(source.database)
    const lines = text.trimEnd().split('\n')
    const target = await fresh('postgres')
    const cut = lines.slice(0, Math.floor(lines.length * 0.7)).join('\n') + '\n{"table":"mess'
    const error = await expectError(importText(target.database, cut), 'validation_failed')
    expect(error.message).toMatch(/truncated/)
    expect(error.message).toMatch(/row\(s\) were imported before it/)
    const users = await target.database.kysely.selectFrom('users').select('id').execute()
    expect(users.length).toBe(rowsOf(text, 'users').length)
    const summary = await importText(target.database, text)
    expect(summary.skipped).toBeGreaterThan(0)
    expect(await dump(target.database)).toEqual(await dump(source.database))
  })

  for (const engine of ENGINES) {
    it(`refuses a file from a newer schema or format, and an out-of-date target (${engine})`, async () => {
      const source = await fresh(engine)
      await createUser(source)
      const text = await exportText(source.database)
      const target = await fresh(engine)
      const newerSchema = text.replace(
        `"schema":"${LATEST}"`,
        '"schema":"2099-01-01-01-from-the-future"',
      )
      expect(newerSchema).not.toBe(text)
      await expectError(importText(target.database, newerSchema), 'schema_too_new')
      await expectError(importText(target.database, newerSchema, true), 'schema_too_new')
      const newerFormat = text.replace('"version":1', '"version":2')
      await expectError(importText(target.database, newerFormat), 'schema_too_new')
      await expectError(importText(target.database, 'hello\n'), 'validation_failed')
      expect(await target.database.kysely.selectFrom('users').selectAll().execute()).toEqual([])

      const old = await createTestDatabase(engine)
      const db = await openDatabase(resolveConfig({ database_url: old.database_url }))
      try {
        unwrap(await createMigrator(db).migrateTo('2026-11-25-03-document-keys'))
        await expectError(importText(db, text), 'schema_out_of_date')
        await expectError(exportText(db), 'schema_out_of_date')
      } finally {
        await db.close()
        await old.drop()
      }
    })
  }

  for (const engine of ENGINES) {
    it(`brings zoned times to UTC and refuses values of the wrong kind (${engine})`, async () => {
      const source = await fresh(other(engine))
      const user = await createUser(source)
      const text = await exportText(source.database)
      const created = `"created_at":"${user.created_at}"`
      expect(text).toContain(created)
      const target = await fresh(engine)
      for (const [value, column] of [
        ['"yesterday"', 'created_at'],
        ['1795609819000', 'created_at'],
      ] as const) {
        const error = await expectError(
          importText(target.database, text.replace(created, `"created_at":${value}`)),
          'validation_failed',
        )
        expect(error.message).toContain(`users.${column} must be an ISO-8601 time`)
      }
      const wrongBool = text.replace('"is_active":true', '"is_active":1')
      await expectError(importText(target.database, wrongBool), 'validation_failed')
      const extraColumn = text.replace('"is_active":true', '"is_active":true,"mood":"happy"')
      const error = await expectError(importText(target.database, extraColumn), 'validation_failed')
      expect(error.message).toMatch(/users has no column mood/)
      expect(await target.database.kysely.selectFrom('users').selectAll().execute()).toEqual([])

      const zoned = text.replace(created, '"created_at":"2026-11-25T12:30:19.123456+02:00"')
      await importText(target.database, zoned)
      const [row] = await target.database.kysely.selectFrom('users').selectAll().execute()
      expect(row!.created_at).toBe('2026-11-25T10:30:19.123Z')
    })
  }

  for (const engine of ENGINES) {
    it(`exports every table and refuses a table it does not know (${engine})`, async () => {
      const store = await fresh(engine)
      const text = await exportText(store.database)
      const tables = await store.database.kysely.introspection.getTables()
      const data = tables
        .map((t) => t.name)
        // Bookkeeping, the vector indexes and their change logs, derived from the rows, and the
        // message search mode with what it left pending, this database's own state.
        .filter(
          (name) =>
            !/^chatkeep_migration|_fts($|_)|^(chunk|message)_vector_changes$|^(chunk|message)_vectors_\d+|^message_search_(mode|pending)$/.test(
              name,
            ),
        )
        // The feed's tables are this database's own state (cursors mean nothing elsewhere).
        .filter((name) => !(FEED_TABLES as readonly string[]).includes(name))
      const counts = (fileLines(text).at(-1)!.end as { counts: object }).counts
      expect(Object.keys(counts).sort()).toEqual(data.sort())

      // Parents come before children: the order rows are inserted in.
      const references =
        engine === 'postgres'
          ? (
              await sql<{ child: string; parent: string }>`select conrelid::regclass::text as child,
                confrelid::regclass::text as parent from pg_constraint where contype = 'f'`.execute(
                store.database.kysely,
              )
            ).rows
          : (
              await sql<{
                child: string
                parent: string
              }>`select m.name as child, f."table" as parent
                from sqlite_master m, pragma_foreign_key_list(m.name) f
                where m.type = 'table'`.execute(store.database.kysely)
            ).rows
      expect(references.length).toBeGreaterThan(10)
      for (const { child, parent } of references) {
        if ((FEED_TABLES as readonly string[]).includes(child)) continue
        const order = TABLE_ORDER as readonly string[]
        expect(order.indexOf(parent), `${child} → ${parent}`).toBeLessThanOrEqual(
          order.indexOf(child),
        )
      }

      await sql`create table extra_things (id text primary key)`.execute(store.database.kysely)
      try {
        const error = await expectError(exportText(store.database), 'internal')
        expect(error.message).toMatch(/extra_things/)
        await expectError(importText(store.database, text), 'internal')
      } finally {
        await sql`drop table extra_things`.execute(store.database.kysely)
      }
    })
  }

  for (const engine of ENGINES) {
    it(`exports one consistent snapshot while appends go on (${engine})`, async () => {
      const store = await fresh(engine)
      const user = await createUser(store)
      const conversations = await Promise.all(
        [1, 2, 3].map(() => store.conversations.create({ user_id: user.id })),
      )
      for (const half of [0, 1]) {
        await store.messages.appendMany(
          conversations[0]!.id,
          Array.from({ length: 600 }, (_, i) => ({
            role: 'user' as const,
            content: `seed ${half} ${i}`,
            tokens_used: 1,
          })),
        )
      }
      let stop = false
      let appended = 0
      const appenders = conversations.map(async (c) => {
        while (!stop) {
          await store.messages.append(c.id, { role: 'assistant', content: 'more', tokens_used: 3 })
          appended++
          // As a server's requests do, each append arrives in a turn of the event loop of its own.
          await new Promise((resolve) => setImmediate(resolve))
        }
      })
      while (appended < 5) await new Promise((resolve) => setTimeout(resolve, 5))
      const chunks: Buffer[] = []
      // A slow reader: every page waits for it, so appends land while the export is under way.
      const slow = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk)
          setTimeout(done, 40)
        },
      })
      const startedAt = appended
      await exportDatabase(store.database, slow)
      const during = appended - startedAt
      stop = true
      await Promise.all(appenders)
      expect(during).toBeGreaterThan(0)

      const text = Buffer.concat(chunks).toString('utf8')
      const messages = rowsOf(text, 'messages')
      let total = 0
      for (const c of rowsOf(text, 'conversations')) {
        const own = messages.filter((m) => m.conversation_id === c.id)
        total += own.length
        expect(own.length).toBe(c.message_count)
        expect(Math.max(0, ...own.map((m) => m.sequence as number))).toBe(c.message_count)
        expect(own.reduce((sum, m) => sum + (m.tokens_used as number), 0)).toBe(c.total_tokens)
      }
      const now = await store.database.kysely.selectFrom('messages').select('id').execute()
      expect(now.length).toBeGreaterThan(total)
      // And it imports as it was.
      const target = await fresh(other(engine))
      await importText(target.database, text)
      const imported = await target.database.kysely.selectFrom('messages').select('id').execute()
      expect(imported.length).toBe(total)
    })
  }

  it('imports rows whose parent comes later in the file, across batches', async () => {
    const source = await fresh('postgres')
    const user = await createUser(source)
    const chat = await source.conversations.create({ user_id: user.id })
    // A chain of 1,200 answers, each id sorting before its parent's: every row waits for its parent.
    const n = 1200
    const id = (i: number) =>
      `${(0xfffffff - i).toString(16).padStart(8, '0')}-0000-7000-8000-000000000000`
    const rows = Array.from({ length: n }, (_, i) => ({
      id: id(i),
      conversation_id: chat.id,
      user_id: user.id,
      sequence: i + 1,
      parent_id: i === 0 ? null : id(i - 1),
      role: i % 2 === 0 ? 'user' : 'assistant',
      content: `link ${i}`,
      tokens_used: 1,
      context_documents: '[]',
      metadata: '{}',
      created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    }))
    for (let i = 0; i < n; i += 400) {
      await source.database.kysely
        .insertInto('messages')
        .values(rows.slice(i, i + 400))
        .execute()
    }
    await source.database.kysely
      .updateTable('conversations')
      .set({ message_count: n, total_tokens: n })
      .where('id', '=', chat.id)
      .execute()
    const text = await exportText(source.database)
    expect(rowsOf(text, 'messages')[0]!.id).toBe(id(n - 1))
    for (const replace of [false, true]) {
      const target = await fresh('sqlite')
      const summary = await importText(target.database, text, replace)
      expect(summary.tables.messages).toEqual({ inserted: n, skipped: 0 })
      expect(await conversationHashes(target.database)).toEqual(
        await conversationHashes(source.database),
      )
    }
  })

  for (const engine of ENGINES) {
    it(`a newer export of the same data adds what is new and keeps counters right (${engine})`, async () => {
      const source = await fresh(other(engine))
      const user = await createUser(source)
      const chat = await source.conversations.create({ user_id: user.id })
      for (let i = 0; i < 3; i++) {
        await source.messages.append(chat.id, {
          role: 'user',
          content: `early ${i}`,
          tokens_used: 2,
        })
      }
      const older = await exportText(source.database)
      for (let i = 0; i < 2; i++) {
        await source.messages.append(chat.id, {
          role: 'user',
          content: `late ${i}`,
          tokens_used: 5,
        })
      }
      const newer = await exportText(source.database)

      const target = await fresh(engine)
      await importText(target.database, older)
      const summary = await importText(target.database, newer)
      expect(summary.tables.messages).toEqual({ inserted: 2, skipped: 3 })
      expect(summary.tables.conversations).toEqual({ inserted: 0, skipped: 1 })
      expect(summary.recounted).toBe(1)
      expect(await conversationHashes(target.database)).toEqual(
        await conversationHashes(source.database),
      )
      const next = await target.messages.append(chat.id, { role: 'user', content: 'go on' })
      expect(next.sequence).toBe(6)
    })
  }

  it('round-trips through the CLI: gzip file, import, import again', async () => {
    const source = await fresh('sqlite')
    const populated = await populate(source)
    const folder = tempFolder()
    const file = join(folder, 'moved.jsonl.gz')
    const env = { DATABASE_URL: urlOf(source) }

    const exported = await runChatkeep(['export', '--output', file], env)
    expect(exported).toMatchObject({ code: 0, stderr: '' })
    expect(exported.stdout).toMatch(
      new RegExp(
        `^Exported \\d+ rows of 1\\d tables \\(sqlite, schema ${LATEST}\\) to .*moved\\.jsonl\\.gz \\(\\d`,
      ),
    )
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    expect(readdirSync(folder)).toEqual(['moved.jsonl.gz'])
    const again = await runChatkeep(['export', '-o', file], env)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^error \[conflict\]: .*already exists/)
    const plain = join(folder, 'plain.jsonl')
    expect((await runChatkeep(['export', '-o', plain], env)).code).toBe(0)
    expect(readFileSync(plain, 'utf8').startsWith('{"format":"chatkeep-export"')).toBe(true)

    const target = await createTestDatabase('postgres')
    const targetEnv = { DATABASE_URL: target.database_url }
    try {
      const early = await runChatkeep(['import', file], targetEnv)
      expect(early.code).toBe(1)
      expect(early.stderr).toMatch(/^error \[schema_out_of_date\]: .*migrate up/)
      expect((await runChatkeep(['migrate', 'up'], targetEnv)).code).toBe(0)
      const first = await runChatkeep(['import', file], targetEnv)
      expect(first).toMatchObject({ code: 0, stderr: '' })
      expect(first.stdout).toMatch(
        /^Imported .*moved\.jsonl\.gz \(exported from sqlite at .*\): [\d,]+ rows inserted, 0 already present\./,
      )
      expect(first.stdout).toMatch(/\n {2}messages +\d+ inserted +0 skipped/)
      const second = await runChatkeep([
        'import',
        'jsonl',
        plain,
        '--database-url',
        target.database_url,
      ])
      expect(second.code).toBe(0)
      // All but one row already there: the second export's own audit row (database.export,
      // written before it read), which the first file could not hold.
      expect(second.stdout).toMatch(/: 1 rows inserted, [\d,]+ already present\./)
      expect(second.stdout).toMatch(/\n {2}audit_events +1 inserted/)
      const store = await openStore({ database_url: target.database_url })
      try {
        // The target also records the two imports (database.import, via cli), after them.
        expect(await dump(store.database, { without_cli: ['database.import'] })).toEqual(
          await dump(source.database),
        )
        await expectSearchable(store, populated)
      } finally {
        await store.close()
      }
    } finally {
      await target.drop()
    }

    const missing = await runChatkeep(['import', join(folder, 'nope.jsonl')], env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^error \[not_found\]: There is no file/)
    const noDb = await runChatkeep(['export', '-o', join(folder, 'x.jsonl')], {
      DATABASE_URL: join(folder, 'absent.db'),
    })
    expect(noDb.code).toBe(1)
    expect(existsSync(join(folder, 'absent.db'))).toBe(false)
    expect(readdirSync(folder).sort()).toEqual(['moved.jsonl.gz', 'plain.jsonl'])
    for (const args of [
      ['export', '--help'],
      ['import', 'jsonl', '--help'],
    ]) {
      const help = await runChatkeep(args)
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(/^Usage: chatkeep (export|import)/)
    }
    expect((await runChatkeep(['export', 'extra'])).code).toBe(2)
    expect((await runChatkeep(['import'])).code).toBe(2)
  })

  it('names a default export file by its UTC time', () => {
    expect(defaultName(new Date('2026-11-25T12:30:19.123Z'))).toBe(
      'chatkeep-export-20261125T123019Z.jsonl.gz',
    )
  })
})
