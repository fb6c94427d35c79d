import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { TABLES } from '../../src/db/schema.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import { cleanup, type CleanupReport, openStore, type Store } from '../../src/index.js'
import { sha256 } from '../../src/auth/tokens.js'
import { DatabaseRateLimitStore } from '../../src/rate-limit/database-store.js'
import { AuthService } from '../../src/services/auth.js'
import { expectError, uniqueName } from '../conformance/helpers.js'
import { ROOT, runChatkeep } from '../support/cli.js'
import { counterRows } from '../support/rate-limits.js'
import {
  createTestDatabase,
  ENGINES,
  type EngineName,
  type TestDatabase,
} from '../support/engines.js'

const DAY = 86_400_000
const ago = (now: number, ms: number) => new Date(now - ms).toISOString()

/** Every row of every table, to prove that a dry run changes nothing. */
async function snapshot(store: Store): Promise<string> {
  const tables: Record<string, unknown[]> = {}
  for (const table of TABLES) {
    const { rows } = await sql`select * from ${sql.table(table)}`.execute(store.database.kysely)
    tables[table] = rows.map((row) => JSON.stringify(row)).sort()
  }
  return JSON.stringify(tables)
}

const ids = async (
  store: Store,
  table:
    | 'conversations'
    | 'messages'
    | 'documents'
    | 'document_chunks'
    | 'auth_sessions'
    | 'refresh_tokens'
    | 'api_keys',
) =>
  new Set((await store.database.kysely.selectFrom(table).select('id').execute()).map((r) => r.id))

/** A soft delete made `at`: the row and the messages deleted with it carry that time. */
async function backdateConversationDelete(store: Store, id: string, at: string) {
  const db = store.database.kysely
  const row = await db
    .selectFrom('conversations')
    .select('deleted_at')
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  await db
    .updateTable('messages')
    .set({ deleted_at: at })
    .where('conversation_id', '=', id)
    .where('deleted_at', '=', row.deleted_at)
    .execute()
  await db.updateTable('conversations').set({ deleted_at: at }).where('id', '=', id).execute()
}

async function backdateMessageDelete(store: Store, id: string, at: string) {
  await store.messages.delete(id)
  await store.database.kysely
    .updateTable('messages')
    .set({ deleted_at: at })
    .where('id', '=', id)
    .execute()
}

async function conversationWith(store: Store, user_id: string, messages: number) {
  const conversation = await store.conversations.create({ user_id })
  const appended = []
  for (let i = 0; i < messages; i++) {
    appended.push(
      await store.messages.append(conversation.id, {
        role: i % 2 === 0 ? 'user' : 'assistant',
        content: `message ${i} of ${conversation.id}`,
        tokens_used: 10,
      }),
    )
  }
  return { conversation, messages: appended }
}

async function documentAt(store: Store, user_id: string | null, deletedAt: string | null) {
  const { document } = await store.documents.ingest({
    ...(user_id === null ? {} : { user_id }),
    source_url: `https://docs.example/${uniqueName('doc')}`,
    chunks: [{ content: `first ${uniqueName()}` }, { content: `second ${uniqueName()}` }],
  })
  if (deletedAt !== null) {
    await store.documents.delete(document.id)
    await store.database.kysely
      .updateTable('documents')
      .set({ deleted_at: deletedAt })
      .where('id', '=', document.id)
      .execute()
  }
  return document.id
}

/**
 * A database with one row of each kind on each side of every line, relative to `now` and a
 * retention of 30 days, and what cleanup must remove.
 */
async function scenario(store: Store, now: number) {
  const user = await store.users.create({ username: uniqueName('owner') })
  const retention = 30 * DAY
  // Conversations: past retention (gone with its messages), just past, just inside, recent.
  const old = await conversationWith(store, user.id, 3)
  const justPast = await conversationWith(store, user.id, 2)
  const justInside = await conversationWith(store, user.id, 2)
  for (const c of [old, justPast, justInside]) await store.conversations.delete(c.conversation.id)
  await backdateConversationDelete(store, old.conversation.id, ago(now, 40 * DAY))
  await backdateConversationDelete(store, justPast.conversation.id, ago(now, retention + 1))
  await backdateConversationDelete(store, justInside.conversation.id, ago(now, retention))
  // A live conversation: one message deleted long ago (goes), one recently (stays).
  const live = await conversationWith(store, user.id, 5)
  await backdateMessageDelete(store, live.messages[1]!.id, ago(now, 40 * DAY))
  await backdateMessageDelete(store, live.messages[2]!.id, ago(now, 10 * DAY))
  // Deleted 10 days ago, after one of its messages was deleted on its own 40 days ago: that one
  // goes; the others, deleted with the conversation, stay to be restored with it.
  const restorable = await conversationWith(store, user.id, 3)
  await backdateMessageDelete(store, restorable.messages[0]!.id, ago(now, 40 * DAY))
  await store.conversations.delete(restorable.conversation.id)
  await backdateConversationDelete(store, restorable.conversation.id, ago(now, 10 * DAY))

  const documents = {
    userOld: await documentAt(store, user.id, ago(now, 40 * DAY)),
    sharedOld: await documentAt(store, null, ago(now, 31 * DAY)),
    sharedInside: await documentAt(store, null, ago(now, retention)),
    userRecent: await documentAt(store, user.id, ago(now, 2 * DAY)),
    userLive: await documentAt(store, user.id, null),
    sharedLive: await documentAt(store, null, null),
  }

  // Sessions and tokens, made at chosen times through the real AuthService.
  let clock = now
  const auth = await AuthService.open(store, {
    access_token_ttl_s: 60,
    refresh_token_ttl_s: 86_400,
    jwt_secret: 'cleanup-test-secret-of-at-least-thirty-two',
    now: () => clock,
  })
  const password = 'a long enough password'
  const member = await auth.register({ username: uniqueName('member'), password })
  const loginAt = async (at: number) => {
    clock = at
    return auth.login({ username: member.user.username, password })
  }
  const sessionId = async (refresh_token: string) =>
    (
      await store.database.kysely
        .selectFrom('refresh_tokens')
        .select('session_id')
        .where('token_hash', '=', sha256(refresh_token).toString('hex'))
        .executeTakeFirstOrThrow()
    ).session_id
  const expiredLong = await loginAt(now - 20 * DAY) // expired 19 days ago: goes
  const expiredRecently = await loginAt(now - 4 * DAY) // expired 3 days ago: within the grace
  const revokedLong = await loginAt(now - 12 * DAY)
  clock = now - 10 * DAY
  await auth.logout(member.user.id, await sessionId(revokedLong.refresh_token))
  const revokedRecently = await loginAt(now - 2 * DAY)
  clock = now - DAY
  await auth.logout(member.user.id, await sessionId(revokedRecently.refresh_token))
  // A live session that rotated: the used token must stay, for reuse detection.
  const rotating = await loginAt(now - 60_000)
  clock = now - 50_000
  const rotated = await auth.refresh(rotating.refresh_token)

  // API keys: revoked long ago (goes), recently (stays), live (stays).
  clock = now - 40 * DAY
  const keyOld = await auth.createApiKey(member.user.id, 'user', { name: 'old' })
  const keyRecent = await auth.createApiKey(member.user.id, 'user', { name: 'recent' })
  const keyLive = await auth.createApiKey(member.user.id, 'user', { name: 'live' })
  await auth.revokeApiKey(member.user.id, keyOld.id)
  clock = now - 10 * DAY
  await auth.revokeApiKey(member.user.id, keyRecent.id)

  // Rate-limit counters: a window that ended a minute ago (goes), one still open (stays).
  const counters = { ended: `ip:ended-${uniqueName()}`, open: `ip:open-${uniqueName()}` }
  const limits = new DatabaseRateLimitStore(store.database, { now: () => clock })
  try {
    clock = now - 120_000
    for (let i = 0; i < 3; i++) await limits.hit(counters.ended, 10, 60_000)
    clock = now - 1000
    await limits.hit(counters.open, 10, 60_000)
  } finally {
    await limits.close()
  }

  const sessions = {
    expiredLong: await sessionId(expiredLong.refresh_token),
    expiredRecently: await sessionId(expiredRecently.refresh_token),
    revokedLong: await sessionId(revokedLong.refresh_token),
    revokedRecently: await sessionId(revokedRecently.refresh_token),
    rotating: await sessionId(rotating.refresh_token),
  }
  return {
    user,
    old,
    justPast,
    justInside,
    live,
    restorable,
    documents,
    sessions,
    member,
    auth,
    setClock: (at: number) => (clock = at),
    rotating,
    rotated,
    keys: { keyOld, keyRecent, keyLive },
    counters,
    expected: {
      conversations: 2,
      inactive_conversations: 0,
      temporary_conversations: 0,
      // 3 + 2 with their conversations, one of `live`, one of `restorable`.
      messages: 7,
      transcripts: 0,
      documents: 2,
      document_chunks: 4,
      // The ones of member's registration session are live.
      auth_sessions: 2,
      // Each login's one token; the rotated session's two stay.
      refresh_tokens: 2,
      api_keys: 1,
      rate_limits: 1,
      // The scenario's events are all younger than EVENTS_RETENTION_DAYS.
      events: 0,
    },
  }
}

type Scenario = Awaited<ReturnType<typeof scenario>>

async function expectSurvivors(store: Store, s: Scenario) {
  const conversations = await ids(store, 'conversations')
  expect(conversations.has(s.old.conversation.id)).toBe(false)
  expect(conversations.has(s.justPast.conversation.id)).toBe(false)
  for (const c of [s.justInside, s.live, s.restorable])
    expect(conversations.has(c.conversation.id)).toBe(true)
  const messages = await ids(store, 'messages')
  for (const m of [
    ...s.old.messages,
    ...s.justPast.messages,
    s.live.messages[1]!,
    s.restorable.messages[0]!,
  ]) {
    expect(messages.has(m.id)).toBe(false)
  }
  const kept = [
    ...s.justInside.messages,
    ...s.live.messages.filter((_, i) => i !== 1),
    ...s.restorable.messages.slice(1),
  ]
  for (const m of kept) expect(messages.has(m.id)).toBe(true)
  const documents = await ids(store, 'documents')
  expect(documents.has(s.documents.userOld)).toBe(false)
  expect(documents.has(s.documents.sharedOld)).toBe(false)
  for (const id of [
    s.documents.sharedInside,
    s.documents.userRecent,
    s.documents.userLive,
    s.documents.sharedLive,
  ]) {
    expect(documents.has(id)).toBe(true)
  }
  const sessions = await ids(store, 'auth_sessions')
  expect(sessions.has(s.sessions.expiredLong)).toBe(false)
  expect(sessions.has(s.sessions.revokedLong)).toBe(false)
  for (const id of [s.sessions.expiredRecently, s.sessions.revokedRecently, s.sessions.rotating]) {
    expect(sessions.has(id)).toBe(true)
  }
  const counters = (await counterRows(store.database)).map((r) => r.key)
  expect(counters).toContain(s.counters.open)
  expect(counters).not.toContain(s.counters.ended)
  const keys = await ids(store, 'api_keys')
  expect(keys.has(s.keys.keyOld.id)).toBe(false)
  expect(keys.has(s.keys.keyRecent.id)).toBe(true)
  expect(keys.has(s.keys.keyLive.id)).toBe(true)
  expect(
    await store.database.kysely
      .selectFrom('users')
      .select('id')
      .where('id', '=', s.user.id)
      .execute(),
  ).toHaveLength(1)
}

for (const engine of ENGINES) {
  describe(`chatkeep cleanup [${engine}]`, () => {
    const opened: { store: Store; database: TestDatabase }[] = []
    const fresh = async (name: EngineName = engine) => {
      const database = await createTestDatabase(name)
      const store = await openStore({ database_url: database.database_url, migrate: true })
      opened.push({ store, database })
      return { store, database, env: { DATABASE_URL: database.database_url } }
    }
    afterEach(async () => {
      for (const { store, database } of opened.splice(0)) {
        await store.close()
        await database.drop()
      }
    })

    it('removes exactly what is past retention; a dry run first reports the same and changes nothing', async () => {
      const { store } = await fresh()
      const now = Date.now()
      const s = await scenario(store, now)
      const before = await snapshot(store)
      const dry = await cleanup(store, { retention_days: 30, dry_run: true, now: new Date(now) })
      expect(dry.removed).toEqual(s.expected)
      expect(await snapshot(store)).toBe(before)

      const report = await cleanup(store, { retention_days: 30, now: new Date(now) })
      expect(report).toMatchObject({ dry_run: false, retention_days: 30, older_than_days: null })
      expect(report.cutoffs).toEqual({
        now: new Date(now).toISOString(),
        deleted_before: ago(now, 30 * DAY),
        inactive_before: null,
        credentials_before: ago(now, 7 * DAY),
        // No policy set: RETENTION_DAYS after soft delete, the one policy in use.
        fallback: { mode: 'after_soft_delete', days: 30 },
        policies: [{ mode: 'after_soft_delete', days: 30, before: ago(now, 30 * DAY) }],
        events_before: ago(now, 7 * DAY),
      })
      expect(report.removed).toEqual(s.expected)
      await expectSurvivors(store, s)
      // Each batch that removed content left a retention.purge row, committed with it.
      const purges = (await store.audit.list({ action: 'retention.purge', limit: 100 })).data
      const total = (key: string) =>
        purges.reduce((n, e) => n + ((e.details[key] as number | undefined) ?? 0), 0)
      expect(total('messages')).toBe(report.removed.messages)
      expect(total('conversations')).toBe(
        report.removed.conversations +
          report.removed.temporary_conversations +
          report.removed.inactive_conversations,
      )
      expect(purges.every((e) => e.details.now === report.cutoffs.now)).toBe(true)

      // Counters stay: the next append takes the next number, never a purged one.
      const live = await store.conversations.get(s.live.conversation.id)
      expect(live).toMatchObject({ message_count: 5, total_tokens: 50 })
      expect(
        (await store.messages.append(live.id, { role: 'user', content: 'after' })).sequence,
      ).toBe(6)
      // The recently deleted conversation comes back with the messages deleted with it.
      await store.conversations.restore(s.restorable.conversation.id)
      const back = await store.messages.list(s.restorable.conversation.id)
      expect(back.data.map((m) => m.sequence)).toEqual([2, 3])
      // The used token of the live session is still there: presenting it again ends the session.
      s.setClock(now)
      const reused = await expectError(s.auth.refresh(s.rotating.refresh_token), 'unauthorized')
      expect(reused.message).toContain('already used')
      await expectError(s.auth.refresh(s.rotated.refresh_token), 'unauthorized')

      // Nothing is left to do.
      const again = await cleanup(store, { retention_days: 30, now: new Date(now) })
      expect(Object.values(again.removed).every((n) => n === 0)).toBe(true)
    })

    it('the CLI: RETENTION_DAYS, --retention-days, --dry-run and --json', async () => {
      const { store, env } = await fresh()
      const now = Date.now()
      // A minute of margin on the lines: the CLI reads its own clock a moment later.
      const user = await store.users.create({ username: uniqueName('cli') })
      const c40 = await conversationWith(store, user.id, 2)
      const c20 = await conversationWith(store, user.id, 1)
      for (const c of [c40, c20]) await store.conversations.delete(c.conversation.id)
      await backdateConversationDelete(store, c40.conversation.id, ago(now, 40 * DAY))
      await backdateConversationDelete(store, c20.conversation.id, ago(now, 20 * DAY))

      const keptByEnv = await runChatkeep(['cleanup', '--json'], { ...env, RETENTION_DAYS: '60' })
      expect(keptByEnv).toMatchObject({ code: 0, stderr: '' })
      expect((JSON.parse(keptByEnv.stdout) as CleanupReport).removed.conversations).toBe(0)

      const dry = await runChatkeep(['cleanup', '--dry-run', '--retention-days', '10'], {
        ...env,
        RETENTION_DAYS: '60',
      })
      expect(dry).toMatchObject({ code: 0, stderr: '' })
      expect(dry.stdout).toContain('Would remove (dry run, nothing changed)')
      expect(dry.stdout).toMatch(/^conversations +2$/m)
      expect(dry.stdout).toMatch(/^messages +3$/m)
      expect(dry.stdout).not.toContain('inactive_conversations')
      expect((await ids(store, 'conversations')).size).toBe(2)

      const run = await runChatkeep(['cleanup', '--json', '--retention-days', '30'], {
        ...env,
        RETENTION_DAYS: '60',
      })
      expect(run).toMatchObject({ code: 0, stderr: '' })
      const report = JSON.parse(run.stdout) as CleanupReport
      expect(Object.keys(report)).toEqual([
        'dry_run',
        'retention_days',
        'older_than_days',
        'cutoffs',
        'removed',
      ])
      expect(report).toMatchObject({ dry_run: false, retention_days: 30, older_than_days: null })
      expect(report.removed).toMatchObject({ conversations: 1, messages: 2 })
      expect([...(await ids(store, 'conversations'))]).toEqual([c20.conversation.id])

      for (const args of [
        ['--retention-days', '0'],
        ['--older-than', 'x'],
        ['--batch-size', '-1'],
        ['extra'],
      ]) {
        const bad = await runChatkeep(['cleanup', ...args], env)
        expect(bad.code, args.join(' ')).toBe(2)
        expect(bad.stderr).toContain('Usage: chatkeep cleanup')
      }
      const badEnv = await runChatkeep(['cleanup'], { ...env, RETENTION_DAYS: 'soon' })
      expect(badEnv.code).toBe(1)
      expect(badEnv.stderr).toMatch(/^error \[invalid_config\]: RETENTION_DAYS/)
      const help = await runChatkeep(['cleanup', '--help'], {})
      expect(help.code).toBe(0)
      expect(help.stdout).toContain('--dry-run')
    })

    it('--older-than removes inactive conversations, live ones too, with their messages', async () => {
      const { store, env } = await fresh()
      const now = Date.now()
      const user = await store.users.create({ username: uniqueName('idle') })
      const idle = await conversationWith(store, user.id, 2)
      const recent = await conversationWith(store, user.id, 2)
      const deletedIdle = await conversationWith(store, user.id, 1)
      const db = store.database.kysely
      await db
        .updateTable('conversations')
        .set({ last_activity: ago(now, 100 * DAY) })
        .where('id', 'in', [idle.conversation.id, deletedIdle.conversation.id])
        .execute()
      await db
        .updateTable('conversations')
        .set({ last_activity: ago(now, 80 * DAY) })
        .where('id', '=', recent.conversation.id)
        .execute()
      await store.conversations.delete(deletedIdle.conversation.id)
      await backdateConversationDelete(store, deletedIdle.conversation.id, ago(now, 45 * DAY))

      const run = await runChatkeep(['cleanup', '--older-than', '90', '--json'], env)
      expect(run).toMatchObject({ code: 0, stderr: '' })
      const report = JSON.parse(run.stdout) as CleanupReport
      expect(report.older_than_days).toBe(90)
      // The soft-deleted one past retention counts once, as a purged deleted conversation.
      expect(report.removed).toMatchObject({
        conversations: 1,
        inactive_conversations: 1,
        messages: 3,
      })
      expect([...(await ids(store, 'conversations'))]).toEqual([recent.conversation.id])
      expect((await ids(store, 'messages')).size).toBe(2)
    })

    it("a purged conversation's transcript files go with it; a live one's stay", async () => {
      const { database } = await fresh()
      const transcript_dir = mkdtempSync(join(tmpdir(), 'chatkeep-cleanup-transcripts-'))
      const store = await openStore({ database_url: database.database_url, transcript_dir })
      try {
        const now = Date.now()
        const user = await store.users.create({ username: uniqueName('exported') })
        const doomed = await conversationWith(store, user.id, 2)
        const kept = await conversationWith(store, user.id, 2)
        const gone = await store.transcripts.create(doomed.conversation.id, { format: 'csv' })
        const stays = await store.transcripts.create(kept.conversation.id, { format: 'markdown' })
        const goneFile = store.transcripts.location(gone)
        const staysFile = store.transcripts.location(stays)
        expect(existsSync(goneFile)).toBe(true)
        await store.conversations.delete(doomed.conversation.id)
        await backdateConversationDelete(store, doomed.conversation.id, ago(now, 45 * DAY))

        const dry = await cleanup(store, { retention_days: 30, dry_run: true, now: new Date(now) })
        expect(dry.removed).toMatchObject({ conversations: 1, transcripts: 1 })
        expect(existsSync(goneFile)).toBe(true)

        const report = await cleanup(store, { retention_days: 30, now: new Date(now) })
        expect(report.removed).toMatchObject({ conversations: 1, messages: 2, transcripts: 1 })
        expect(existsSync(goneFile)).toBe(false)
        expect(existsSync(staysFile)).toBe(true)
        expect((await store.transcripts.get(stays.id)).sha256).toBe(stays.sha256)
      } finally {
        await store.close()
        rmSync(transcript_dir, { recursive: true, force: true })
      }
    })

    it('a failure midway leaves a consistent database, and the next run finishes the work', async () => {
      const { store } = await fresh()
      const now = Date.now()
      const s = await scenario(store, now)
      const failing = cleanup(store, {
        retention_days: 30,
        batch_size: 2,
        now: new Date(now),
        onBatch: (kind) => {
          if (kind === 'conversations') throw new Error('injected failure')
        },
      })
      await expect(failing).rejects.toThrow('injected failure')
      // The first batch committed: the oldest conversation went, with every one of its messages;
      // the next is whole, and nothing else changed yet.
      const conversations = await ids(store, 'conversations')
      const messages = await ids(store, 'messages')
      expect(conversations.has(s.old.conversation.id)).toBe(false)
      expect(conversations.has(s.justPast.conversation.id)).toBe(true)
      for (const m of s.justPast.messages) expect(messages.has(m.id)).toBe(true)
      expect(messages.has(s.live.messages[1]!.id)).toBe(true)
      await expectConsistent(store)

      const rest = await cleanup(store, { retention_days: 30, now: new Date(now) })
      expect(rest.removed).toEqual({ ...s.expected, conversations: 1, messages: 4 })
      await expectSurvivors(store, s)
      await expectConsistent(store)
    })

    it('a cleanup SIGKILLed in the middle of a large purge leaves a consistent database', async () => {
      const { store, database } = await fresh()
      const now = Date.now()
      const user = await store.users.create({ username: uniqueName('bulk') })
      const conversations = 400
      const perConversation = 5
      const deletedAt = ago(now, 40 * DAY)
      const liveId = (await store.conversations.create({ user_id: user.id })).id
      await store.database.transaction(async (tx) => {
        const convRows = []
        const messageRows = []
        for (let i = 0; i < conversations; i++) {
          const id = uuid7()
          convRows.push({
            id,
            short_id: `k${i}${uniqueName('s').slice(-6)}`,
            user_id: user.id,
            status: 'active',
            origin: 'api',
            parameters: '{}',
            metadata: '{}',
            message_count: perConversation,
            total_tokens: perConversation,
            created_at: deletedAt,
            updated_at: deletedAt,
            last_activity: deletedAt,
            deleted_at: deletedAt,
          })
          for (let j = 1; j <= perConversation; j++) {
            messageRows.push({
              id: uuid7(),
              conversation_id: id,
              user_id: user.id,
              sequence: j,
              role: 'user',
              content: `m${j}`,
              tokens_used: 1,
              context_documents: '[]',
              metadata: '{}',
              created_at: deletedAt,
              deleted_at: deletedAt,
            })
          }
        }
        // Deleted one by one in a live conversation.
        for (let j = 1; j <= 500; j++) {
          messageRows.push({
            id: uuid7(),
            conversation_id: liveId,
            user_id: user.id,
            sequence: j,
            role: 'user',
            content: `live ${j}`,
            tokens_used: 1,
            context_documents: '[]',
            metadata: '{}',
            created_at: deletedAt,
            deleted_at: deletedAt,
          })
        }
        for (let i = 0; i < convRows.length; i += 200)
          await tx.kysely
            .insertInto('conversations')
            .values(convRows.slice(i, i + 200))
            .execute()
        for (let i = 0; i < messageRows.length; i += 200)
          await tx.kysely
            .insertInto('messages')
            .values(messageRows.slice(i, i + 200))
            .execute()
        await tx.kysely
          .updateTable('conversations')
          .set({ message_count: 500, total_tokens: 500 })
          .where('id', '=', liveId)
          .execute()
      })
      const total = conversations + 1
      const app = 'chatkeep_killed_cleanup'
      const url =
        engine === 'postgres'
          ? `${database.database_url}?application_name=${app}`
          : database.database_url
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', `${ROOT}src/cli/main.ts`, 'cleanup', '--batch-size', '10'],
        {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: url, RETENTION_DAYS: '30' },
          stdio: 'ignore',
        },
      )
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      const count = async () => (await ids(store, 'conversations')).size
      // Kill as soon as the purge is under way.
      while ((await count()) === total && child.exitCode === null) await sleep(5)
      child.kill('SIGKILL')
      expect(await exited).toBe(null)
      if (engine === 'postgres') await backendsGone(store, app)
      const left = await count()
      expect(left).toBeGreaterThan(1)
      expect(left).toBeLessThan(total)
      await expectConsistent(store)
      // Every conversation still there has all of its messages: none went halfway.
      const partial = await store.database.kysely
        .selectFrom('conversations')
        .leftJoin('messages', 'messages.conversation_id', 'conversations.id')
        .select((eb) => ['conversations.id', eb.fn.count('messages.id').as('n')])
        .where('conversations.id', '<>', liveId)
        .groupBy('conversations.id')
        .execute()
      for (const row of partial) expect(Number(row.n)).toBe(perConversation)
      const live = await store.conversations.get(liveId)
      expect(live.message_count).toBe(500)

      const rerun = await runChatkeep(['cleanup', '--json'], {
        DATABASE_URL: database.database_url,
      })
      expect(rerun.code).toBe(0)
      expect((JSON.parse(rerun.stdout) as CleanupReport).removed.conversations).toBe(left - 1)
      expect([...(await ids(store, 'conversations'))]).toEqual([liveId])
      expect((await ids(store, 'messages')).size).toBe(0)
      expect((await store.conversations.get(liveId)).message_count).toBe(500)
    })

    it('checks its options', async () => {
      const { store } = await fresh()
      await expectError(
        cleanup(store, { retention_days: 0 }),
        'validation_failed',
        '/retention_days',
      )
      await expectError(
        cleanup(store, { retention_days: 30, older_than_days: 1.5 }),
        'validation_failed',
        '/older_than_days',
      )
      await expectError(
        cleanup(store, { retention_days: 30, batch_size: 0 }),
        'validation_failed',
        '/batch_size',
      )
    })
  })
}

/** No message without its conversation, no chunk without its document, a sound file on SQLite. */
async function expectConsistent(store: Store) {
  const db = store.database.kysely
  const orphans = await db
    .selectFrom('messages')
    .leftJoin('conversations', 'conversations.id', 'messages.conversation_id')
    .select('messages.id')
    .where('conversations.id', 'is', null)
    .execute()
  expect(orphans).toEqual([])
  const chunks = await db
    .selectFrom('document_chunks')
    .leftJoin('documents', 'documents.id', 'document_chunks.document_id')
    .select('document_chunks.id')
    .where('documents.id', 'is', null)
    .execute()
  expect(chunks).toEqual([])
  // Sequences stay within each conversation's counter.
  const over = await db
    .selectFrom('messages')
    .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
    .select('messages.id')
    .whereRef('messages.sequence', '>', 'conversations.message_count')
    .execute()
  expect(over).toEqual([])
  if (store.engine === 'sqlite') {
    const { rows } = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db)
    expect(rows).toEqual([{ integrity_check: 'ok' }])
    expect((await sql`pragma foreign_key_check`.execute(db)).rows).toEqual([])
  }
}

/** PostgreSQL finishes what a killed client had sent before it notices: wait for that. */
async function backendsGone(store: Store, app: string) {
  for (const deadline = Date.now() + 10_000; ;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${app}`.execute(
      store.database.kysely,
    )
    if (rows[0]!.n === 0) return
    if (Date.now() > deadline) throw new Error("the killed cleanup's connections are still open")
    await sleep(20)
  }
}
