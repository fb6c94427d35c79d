import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { importTinyDb, type ImportReport, openStore, type Store } from '../../src/index.js'
import { canonicalJson } from '../../src/lib/canonical-json.js'
import { AuthService } from '../../src/services/auth.js'
import { ROOT, runChatkeep } from '../support/cli.js'
import { createTestDatabase, describeEachEngine, type EngineName } from '../support/engines.js'

/**
 * The TinyDB database a seed-003 app left behind, written by the real TinyDB library from
 * make_fixture.py (never by hand; tinydb-fixtures.test.ts checks the two still agree).
 */
const FIXTURES = join(ROOT, 'test/fixtures/tinydb')
const fixture = join(FIXTURES, 'tinydb.json')
/** The same database, later: two more messages in c-alice-1 and a new conversation. */
const later = join(FIXTURES, 'tinydb-later.json')

interface ConversationState {
  key: string
  user: string
  title: string | null
  status: string
  message_count: number
  total_tokens: number
  created_at: string
  updated_at: string
  last_activity: string
  /** SHA-256 over every message row, in sequence order. */
  messages: string
}

/** Everything the import writes, read straight from the tables: what "changes nothing" compares. */
async function snapshot(store: Store) {
  const db = store.database.kysely
  const count = async (table: string) =>
    Number(
      (await sql<{ n: string | number }>`select count(*) as n from ${sql.table(table)}`.execute(db))
        .rows[0]!.n,
    )
  const conversations = await db
    .selectFrom('conversations as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .select([
      'c.id',
      'u.username',
      'c.title',
      'c.status',
      'c.metadata',
      'c.message_count',
      'c.total_tokens',
      'c.created_at',
      'c.updated_at',
      'c.last_activity',
    ])
    .orderBy('c.created_at')
    .execute()
  const state: Record<string, ConversationState> = {}
  for (const c of conversations) {
    const rows = await db
      .selectFrom('messages')
      .select([
        'id',
        'sequence',
        'parent_id',
        'role',
        'content',
        'tokens_used',
        'model_version',
        'context_documents',
        'metadata',
        'created_at',
      ])
      .where('conversation_id', '=', c.id)
      .orderBy('sequence')
      .execute()
    const decoded = rows.map((r) => ({
      ...r,
      context_documents: store.database.codec.json(r.context_documents),
      metadata: store.database.codec.json(r.metadata),
    }))
    const key = store.database.codec.json<{ import: { conversation_id: string } }>(c.metadata)
      .import.conversation_id
    state[key] = {
      key,
      user: c.username,
      title: c.title,
      status: c.status,
      message_count: Number(c.message_count),
      total_tokens: Number(c.total_tokens),
      created_at: c.created_at,
      updated_at: c.updated_at,
      last_activity: c.last_activity,
      messages: createHash('sha256').update(canonicalJson(decoded)).digest('hex'),
    }
  }
  return {
    counts: Object.fromEntries(
      await Promise.all(
        ['users', 'conversations', 'messages', 'auth_sessions', 'documents', 'document_chunks'].map(
          async (t) => [t, await count(t)] as const,
        ),
      ),
    ),
    conversations: state,
  }
}

async function messagesOf(store: Store, key: string) {
  const db = store.database.kysely
  const rows = await db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select(['m.sequence', 'm.role', 'm.content', 'm.created_at', 'm.tokens_used', 'c.metadata'])
    .orderBy('m.sequence')
    .execute()
  return rows
    .filter(
      (r) =>
        store.database.codec.json<{ import?: { conversation_id: string } }>(r.metadata).import
          ?.conversation_id === key,
    )
    .map(({ metadata: _metadata, ...rest }) => rest)
}

/** Makes every insert of a message with this content fail, as a broken disk or bug would. */
async function failInsertsOf(store: Store, engine: EngineName, content: string): Promise<void> {
  const db = store.database.kysely
  if (engine === 'sqlite') {
    await sql`create trigger fail_import before insert on messages
      when new.content = ${sql.lit(content)}
      begin select raise(abort, 'injected failure'); end`.execute(db)
  } else {
    await sql`create function fail_import() returns trigger language plpgsql as $$
      begin
        if new.content = ${sql.lit(content)} then raise exception 'injected failure'; end if;
        return new;
      end $$`.execute(db)
    await sql`create trigger fail_import before insert on messages
      for each row execute function fail_import()`.execute(db)
  }
}

describeEachEngine('import tinydb', (ctx) => {
  let report: ImportReport
  let first: Awaited<ReturnType<typeof snapshot>>

  beforeAll(async () => {
    report = await importTinyDb(ctx.store, fixture)
    first = await snapshot(ctx.store)
  })

  it('stores users with normalized names, their roles, emails, hashes and source times', async () => {
    const rows = await ctx.store.database.kysely
      .selectFrom('users')
      .select(['username', 'email', 'role', 'created_at', 'password_hash'])
      .orderBy('created_at')
      .execute()
    expect(rows.map((r) => [r.username, r.email, r.role, r.created_at])).toEqual([
      ['alice', 'alice@example.com', 'admin', '2023-01-05T09:30:00.250Z'],
      ['bob', null, 'user', '2023-01-06T10:13:20.000Z'],
      ['zoë', null, 'user', '2023-01-07T14:00:00.123Z'],
      ['carol', null, 'user', '2023-01-08T17:46:40.500Z'],
      ['dave', null, 'user', '2023-01-09T10:00:00.000Z'],
    ])
    const hashes = Object.fromEntries(rows.map((r) => [r.username, r.password_hash!]))
    expect(hashes.alice).toMatch(/^\$pbkdf2-sha256\$100000\$/)
    expect(hashes.bob).toMatch(/^pbkdf2:sha256:100000\$/)
    expect(hashes.carol).toMatch(/^\$pbkdf2-sha256\$i=100000,l=32\$/)
    // No hash, and a bcrypt hash Chatkeep cannot check: both get a generated argon2id one.
    expect(hashes['zoë']).toMatch(/^\$argon2id\$/)
    expect(hashes.dave).toMatch(/^\$argon2id\$/)
  })

  it('stores conversations with recomputed counts and the times of the source', () => {
    const c = first.conversations
    expect(Object.keys(c)).toEqual(['c-alice-1', 'c-bob-1', 'c-zoe-1', 'c-carol-1', 'c-alice-2'])
    expect(c['c-alice-1']).toMatchObject({
      user: 'alice',
      title: 'Café ☕ talk',
      status: 'active',
      // The file said 99; there are four distinct messages.
      message_count: 4,
      total_tokens: 22,
      created_at: '2023-03-01T10:00:00.123Z',
      last_activity: '2023-03-01T10:00:10.000Z',
    })
    expect(c['c-bob-1']).toMatchObject({ user: 'bob', message_count: 3, total_tokens: 8 })
    expect(c['c-zoe-1']).toMatchObject({ user: 'zoë', status: 'archived', message_count: 2 })
    // Closed in the source, and imported whole all the same.
    expect(c['c-carol-1']).toMatchObject({ user: 'carol', status: 'closed', message_count: 2 })
    // Owned through the duplicate Alice record, dated by its only message.
    expect(c['c-alice-2']).toMatchObject({
      user: 'alice',
      message_count: 1,
      created_at: '2023-04-01T00:00:00.000Z',
    })
  })

  it('orders messages by their time, ties in source order, with times kept', async () => {
    expect(await messagesOf(ctx.store, 'c-alice-1')).toEqual([
      {
        sequence: 1,
        role: 'user',
        content: 'Recommend a coffee?',
        created_at: '2023-03-01T10:00:01.000Z',
        tokens_used: 5,
      },
      {
        sequence: 2,
        role: 'assistant',
        content: 'Sure — a flat white ☕.',
        created_at: '2023-03-01T10:00:05.000Z',
        tokens_used: 12,
      },
      {
        sequence: 3,
        role: 'user',
        content: 'Thanks!',
        created_at: '2023-03-01T10:00:10.000Z',
        tokens_used: 2,
      },
      {
        sequence: 4,
        role: 'assistant',
        content: "You're welcome.",
        created_at: '2023-03-01T10:00:10.000Z',
        tokens_used: 3,
      },
    ])
    const bob = await messagesOf(ctx.store, 'c-bob-1')
    expect(bob.map((m) => [m.role, m.created_at])).toEqual([
      ['system', '2023-03-01T19:46:40.250Z'],
      ['user', '2023-03-01T19:46:41.000Z'],
      ['assistant', '2023-03-01T19:46:42.000Z'],
    ])
    const zoe = await messagesOf(ctx.store, 'c-zoe-1')
    expect(zoe.map((m) => m.content)).toEqual(['こんにちは 👋', 'Hallo Zoë! 😊'])
  })

  it('imports sessions as revoked history and documents with their chunks', async () => {
    const db = ctx.store.database.kysely
    const sessions = await db.selectFrom('auth_sessions').selectAll().execute()
    expect(sessions).toHaveLength(1)
    expect(sessions[0]).toMatchObject({
      access_jti: 'jti-alice-1',
      ip_address: '10.0.0.1',
      created_at: '2023-03-01T09:59:00.000Z',
      revoked_at: '2023-03-01T10:01:40.000Z',
    })
    const docs = await db
      .selectFrom('documents as d')
      .leftJoin('document_chunks as k', 'k.document_id', 'd.id')
      .select(['d.title', 'd.user_id', 'd.created_at', 'k.chunk_index', 'k.content'])
      .orderBy('d.title')
      .orderBy('k.chunk_index')
      .execute()
    expect(docs.map((d) => [d.title, d.user_id === null, d.chunk_index, d.content])).toEqual([
      ['Coffee guide', false, 0, 'Espresso is coffee brewed under pressure.'],
      ['Shared FAQ', true, 0, 'First answer.'],
      ['Shared FAQ', true, 1, 'Second answer.'],
    ])
    expect(docs.every((d) => d.created_at === '2023-02-01T00:00:00.000Z')).toBe(true)
  })

  it('reports every record it could not place, with its table and doc id', () => {
    const skipped = report.skipped.map((s) => `${s.table} #${s.doc_id}`)
    expect(skipped).toEqual([
      'users #6',
      'users #7',
      'users #8',
      'conversations #5',
      'conversations #6',
      'conversations #7',
      'messages #11',
      'messages #13',
      'messages #14',
      'messages #15',
      'messages #16',
      'messages #17',
      'messages #18',
      'sessions #2',
      'documents #3',
    ])
    const reason = (table: string, id: string) =>
      report.skipped.find((s) => s.table === table && s.doc_id === id)!.reason
    expect(reason('conversations', '5')).toMatch(/orphan.*u-ghost/)
    expect(reason('conversations', '6')).toMatch(/missing required field conversation_id/)
    expect(reason('conversations', '7')).toMatch(/unparseable.*last tuesday/)
    expect(reason('messages', '11')).toMatch(/unparseable.*yesterday/)
    expect(reason('messages', '13')).toMatch(/orphan: conversation c-missing/)
    expect(reason('messages', '14')).toMatch(/c-ghost .* was skipped/)
    expect(reason('messages', '17')).toMatch(/unknown role "wizard"/)
    expect(report.created).toEqual({
      users: 5,
      conversations: 5,
      messages: 12,
      sessions: 1,
      documents: 2,
    })
    expect(report.duplicates).toMatchObject({ users: 1, messages: 1 })
    expect(report.generated_passwords.map((g) => g.username)).toEqual(['zoë', 'dave'])
    expect(report.notes.join('\n')).toMatch(/dave.*cannot verify/)
  })

  it('changes nothing when the same file is imported again', async () => {
    const again = await importTinyDb(ctx.store, fixture)
    expect(await snapshot(ctx.store)).toEqual(first)
    expect(again.created).toEqual({
      users: 0,
      conversations: 0,
      messages: 0,
      sessions: 0,
      documents: 0,
    })
    expect(again.existing).toEqual({
      users: 5,
      conversations: 5,
      messages: 12,
      sessions: 1,
      documents: 2,
    })
    expect(again.generated_passwords).toEqual([])
  })

  it('lets users log in with their old passwords, and with the generated ones', async () => {
    const auth = await AuthService.open(ctx.store, {
      access_token_ttl_s: 60,
      refresh_token_ttl_s: 600,
      jwt_secret: 'tinydb-import-test-secret-of-32-characters-or-more',
    })
    for (const [username, password] of [
      ['Alice', 'alice-password'],
      ['bob', 'bob-password'],
      ['carol', 'carol-password'],
      ...report.generated_passwords.map((g) => [g.username, g.password]),
    ] as const) {
      const login = await auth.login({ username, password })
      expect(login.user.username).toBe(username.toLowerCase())
    }
    await expect(auth.login({ username: 'bob', password: 'wrong-password' })).rejects.toThrow()
  })

  it('runs as `chatkeep import tinydb FILE`, printing the report', async () => {
    const run = await runChatkeep(['import', 'tinydb', fixture, '--json'], {
      DATABASE_URL: ctx.database.database_url,
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const printed = JSON.parse(run.stdout) as ImportReport
    expect(printed.existing.messages).toBe(12)
    expect(printed.created.messages).toBe(0)
    const text = await runChatkeep(['import', 'tinydb', join(FIXTURES, 'missing.json')], {
      DATABASE_URL: ctx.database.database_url,
    })
    expect(text.code).toBe(1)
    expect(text.stderr).toMatch(/^error \[not_found\]: .*missing\.json does not exist/)
    const usage = await runChatkeep(['import', 'tinydb'], {
      DATABASE_URL: ctx.database.database_url,
    })
    expect(usage.code).toBe(2)
  })

  it('appends what a later file adds after the messages already there', async () => {
    const result = await importTinyDb(ctx.store, later)
    expect(result.created).toMatchObject({ users: 0, conversations: 1, messages: 3 })
    expect(result.existing).toMatchObject({ conversations: 4, messages: 10 })
    // A closed conversation takes no more messages, as an append would be refused.
    expect(result.skipped.find((r) => r.table === 'conversations' && r.doc_id === '8')).toEqual({
      table: 'conversations',
      doc_id: '8',
      reason: expect.stringMatching(/closed in Chatkeep, so its 1 new message/) as string,
    })
    const now = await snapshot(ctx.store)
    // Sequences 1-4 stay; the new ones follow in their own time order, even the one dated earlier.
    const alice = await messagesOf(ctx.store, 'c-alice-1')
    expect(alice.map((m) => [m.sequence, m.content, m.created_at])).toEqual([
      [1, 'Recommend a coffee?', '2023-03-01T10:00:01.000Z'],
      [2, 'Sure — a flat white ☕.', '2023-03-01T10:00:05.000Z'],
      [3, 'Thanks!', '2023-03-01T10:00:10.000Z'],
      [4, "You're welcome.", '2023-03-01T10:00:10.000Z'],
      [5, 'One more, a late-arriving note', '2023-03-01T10:00:03.000Z'],
      [6, 'Noted.', '2023-03-02T08:00:00.000Z'],
    ])
    expect(now.conversations['c-alice-1']).toMatchObject({
      message_count: 6,
      total_tokens: 29,
      last_activity: '2023-03-02T08:00:00.000Z',
    })
    expect(now.conversations['c-bob-2']).toMatchObject({ user: 'bob', message_count: 1 })
    for (const key of ['c-bob-1', 'c-zoe-1', 'c-carol-1', 'c-alice-2']) {
      expect(now.conversations[key]).toEqual(first.conversations[key])
    }
  })

  it('leaves whole conversations or nothing of them when the database fails midway', async () => {
    const database = await createTestDatabase(ctx.engine)
    const store = await openStore({ database_url: database.database_url, migrate: true })
    try {
      // The second message of the second conversation cannot be written.
      await failInsertsOf(store, ctx.engine, 'Plan my week.')
      const failed = await importTinyDb(store, fixture).catch((error: unknown) => error)
      expect(failed).toBeInstanceOf(Error)
      expect((failed as Error).message).toMatch(
        /stopped at conversations #2 \(conversation_id c-bob-1\)/,
      )
      const partial = await snapshot(store)
      // The conversation before it is whole; of c-bob-1 not even the row is there.
      expect(Object.keys(partial.conversations)).toEqual(['c-alice-1'])
      expect(partial.conversations['c-alice-1']).toEqual(first.conversations['c-alice-1'])
      expect(partial.counts.messages).toBe(4)

      await sql`drop trigger fail_import ${sql.raw(ctx.engine === 'postgres' ? 'on messages' : '')}`.execute(
        store.database.kysely,
      )
      const resumed = await importTinyDb(store, fixture)
      expect(resumed.existing.conversations).toBe(1)
      expect(resumed.created.conversations).toBe(4)
      const whole = await snapshot(store)
      // Ids are derived from the records, so the resumed database equals the one imported at once.
      expect(whole.conversations).toEqual(first.conversations)
      expect(whole.counts).toEqual(first.counts)
    } finally {
      await store.close()
      await database.drop()
    }
  })
})
