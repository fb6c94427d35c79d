/**
 * Retention policies (default, per user, per conversation), temporary conversations and legal
 * holds: what `cleanup` removes under each, on a fake clock, and what a hold refuses.
 */
import { expect, it } from 'vitest'
import { cleanup, type CleanupReport, type Store } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { countRows, createUser, expectError } from './helpers.js'

const DAY = 86_400_000
/** The clock cleanup runs on: the rows below are backdated relative to it. */
const NOW = Date.now()
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString()

async function exists(store: Store, table: 'conversations' | 'messages', id: string) {
  const row = await store.database.kysely
    .selectFrom(table)
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst()
  return row !== undefined
}

/** A conversation with two messages whose last activity was `inactiveDays` ago. */
async function conversationOf(
  store: Store,
  user_id: string,
  inactiveDays: number,
  options: Parameters<Store['conversations']['create']>[0] = {},
) {
  const conversation = await store.conversations.create({ ...options, user_id })
  const first = await store.messages.append(conversation.id, { role: 'user', content: 'hello' })
  const second = await store.messages.append(conversation.id, {
    role: 'assistant',
    content: 'hi',
  })
  await store.database.kysely
    .updateTable('conversations')
    .set({ last_activity: daysAgo(inactiveDays) })
    .where('id', '=', conversation.id)
    .execute()
  return { id: conversation.id, messages: [first.id, second.id] }
}

async function softDeleteAt(store: Store, id: string, days: number) {
  await store.conversations.delete(id)
  const at = daysAgo(days)
  await store.database.kysely
    .updateTable('messages')
    .set({ deleted_at: at })
    .where('conversation_id', '=', id)
    .execute()
  await store.database.kysely
    .updateTable('conversations')
    .set({ deleted_at: at })
    .where('id', '=', id)
    .execute()
}

async function deleteMessageAt(store: Store, id: string, days: number) {
  await store.messages.delete(id)
  await store.database.kysely
    .updateTable('messages')
    .set({ deleted_at: daysAgo(days) })
    .where('id', '=', id)
    .execute()
}

/** A dry run, then the run: the dry run must have said exactly what the run removed. */
async function cleanupTwice(store: Store, options: { older_than_days?: number } = {}) {
  const base = { retention_days: 30, now: new Date(NOW), ...options }
  const dry = await cleanup(store, { ...base, dry_run: true })
  const run = await cleanup(store, base)
  expect(dry.removed).toEqual(run.removed)
  return run
}

const removedConversations = (report: CleanupReport) =>
  report.removed.conversations +
  report.removed.inactive_conversations +
  report.removed.temporary_conversations

describeEachEngine('retention policies and legal holds', (ctx) => {
  it('without any policy, soft-deleted conversations go after RETENTION_DAYS, live ones stay', async () => {
    const store = ctx.store
    await store.retention.update({ default: null })
    const user = await createUser(store)
    const old = await conversationOf(store, user.id, 400)
    const gone = await conversationOf(store, user.id, 50)
    const recent = await conversationOf(store, user.id, 40)
    await softDeleteAt(store, gone.id, 31)
    await softDeleteAt(store, recent.id, 29)
    await cleanupTwice(store)
    expect(await exists(store, 'conversations', old.id)).toBe(true)
    expect(await exists(store, 'conversations', gone.id)).toBe(false)
    expect(await exists(store, 'messages', gone.messages[0]!)).toBe(false)
    expect(await exists(store, 'conversations', recent.id)).toBe(true)
    expect((await store.retention.settings()).default).toEqual({
      mode: 'after_soft_delete',
      days: 30,
    })
  })

  it('the default after_last_activity removes live conversations idle past it, deleted or not', async () => {
    const store = ctx.store
    const user = await createUser(store)
    const idle = await conversationOf(store, user.id, 11)
    const active = await conversationOf(store, user.id, 9)
    const deletedIdle = await conversationOf(store, user.id, 12)
    await softDeleteAt(store, deletedIdle.id, 2)
    await store.retention.update({ default: { mode: 'after_last_activity', days: 10 } })
    try {
      const report = await cleanupTwice(store)
      expect(report.cutoffs.fallback).toEqual({ mode: 'after_last_activity', days: 10 })
      expect(await exists(store, 'conversations', idle.id)).toBe(false)
      expect(await exists(store, 'messages', idle.messages[1]!)).toBe(false)
      expect(await exists(store, 'conversations', deletedIdle.id)).toBe(false)
      expect(await exists(store, 'conversations', active.id)).toBe(true)
    } finally {
      await store.retention.update({ default: null })
    }
  })

  it("a user's keep outlasts the default; a conversation's own policy outranks its user's", async () => {
    const store = ctx.store
    const keeper = await createUser(store, 'keeper')
    const other = await createUser(store, 'other')
    await store.retention.update({ users: [{ user_id: keeper.id, policy: { mode: 'keep' } }] })
    const kept = await conversationOf(store, keeper.id, 500)
    await softDeleteAt(store, kept.id, 400)
    const short = await conversationOf(store, keeper.id, 3, {
      retention: { mode: 'after_soft_delete', days: 1 },
    })
    await softDeleteAt(store, short.id, 2)
    const others = await conversationOf(store, other.id, 500)
    await softDeleteAt(store, others.id, 400)

    const settings = await store.retention.settings()
    expect(settings.users).toContainEqual({
      user_id: keeper.id,
      username: keeper.username,
      policy: { mode: 'keep' },
    })
    await cleanupTwice(store)
    expect(await exists(store, 'conversations', kept.id)).toBe(true)
    expect(await exists(store, 'conversations', short.id)).toBe(false)
    expect(await exists(store, 'conversations', others.id)).toBe(false)
    // --older-than is the operator's tool, and still keeps what a policy says to keep.
    await cleanupTwice(store, { older_than_days: 100 })
    expect(await exists(store, 'conversations', kept.id)).toBe(true)
  })

  it("soft-deleted messages go by their conversation's policy; under keep they stay", async () => {
    const store = ctx.store
    const user = await createUser(store)
    const brief = await conversationOf(store, user.id, 0, {
      retention: { mode: 'after_soft_delete', days: 5 },
    })
    const forever = await conversationOf(store, user.id, 0, { retention: { mode: 'keep' } })
    await deleteMessageAt(store, brief.messages[0]!, 6)
    await deleteMessageAt(store, brief.messages[1]!, 4)
    await deleteMessageAt(store, forever.messages[0]!, 4000)
    const report = await cleanupTwice(store)
    expect(report.removed.messages).toBeGreaterThanOrEqual(1)
    expect(await exists(store, 'messages', brief.messages[0]!)).toBe(false)
    expect(await exists(store, 'messages', brief.messages[1]!)).toBe(true)
    expect(await exists(store, 'messages', forever.messages[0]!)).toBe(true)
    expect((await store.conversations.get(brief.id)).retention).toEqual({
      mode: 'after_soft_delete',
      days: 5,
    })
    const cleared = await store.conversations.update(brief.id, { retention: null })
    expect(cleared.retention).toBeNull()
  })

  it('a temporary conversation is not listed by default, is gone at its time, and cleanup removes it', async () => {
    const store = ctx.store
    const user = await createUser(store)
    const scoped = store.forUser(user.id)
    const lasting = await scoped.conversations.create({ title: 'lasting' })
    const temporary = await scoped.conversations.create({ temporary: true, ttl_hours: 2 })
    expect(temporary.temporary).toBe(true)
    expect(Date.parse(temporary.expires_at!) - Date.parse(temporary.created_at)).toBe(2 * 3_600_000)
    expect(lasting).toMatchObject({ temporary: false, expires_at: null })
    expect((await scoped.conversations.list()).data.map((c) => c.id)).toEqual([lasting.id])
    const all = await scoped.conversations.list({ include_temporary: true })
    expect(all.data.map((c) => c.id).sort()).toEqual([lasting.id, temporary.id].sort())
    await scoped.messages.append(temporary.id, { role: 'user', content: 'off the record' })

    // Its time passes: no read finds it, and the next cleanup removes it, keep policy or not.
    await store.retention.update({ users: [{ user_id: user.id, policy: { mode: 'keep' } }] })
    await store.database.kysely
      .updateTable('conversations')
      .set({ expires_at: new Date(NOW - 1000).toISOString() })
      .where('id', '=', temporary.id)
      .execute()
    await expectError(scoped.conversations.get(temporary.id), 'not_found')
    // Nor does it take another message, by either append path.
    await expectError(
      scoped.messages.append(temporary.id, { role: 'user', content: 'too late' }),
      'not_found',
    )
    await expectError(
      scoped.messages.appendMany(temporary.id, [{ role: 'user', content: 'too late' }]),
      'not_found',
    )
    expect((await scoped.conversations.list({ include_temporary: true })).data).toHaveLength(1)
    const report = await cleanupTwice(store)
    expect(report.removed.temporary_conversations).toBeGreaterThanOrEqual(1)
    expect(await exists(store, 'conversations', temporary.id)).toBe(false)
    expect(await exists(store, 'conversations', lasting.id)).toBe(true)

    await expectError(
      scoped.conversations.create({ ttl_hours: 3 }),
      'validation_failed',
      '/ttl_hours',
    )
  })

  it('a held conversation cannot be deleted or purged by anyone until released', async () => {
    const store = ctx.store
    const user = await createUser(store)
    const held = await conversationOf(store, user.id, 500, {
      retention: { mode: 'after_last_activity', days: 1 },
    })
    const hold = await store.legalHolds.create({ conversation_id: held.id, reason: 'Case 114' })
    expect(hold).toMatchObject({ conversation_id: held.id, user_id: null, released_at: null })

    const scoped = store.forUser(user.id)
    await expectError(scoped.conversations.delete(held.id), 'legal_hold')
    await expectError(scoped.messages.delete(held.messages[0]!), 'legal_hold')
    await expectError(store.users.delete(user.id), 'legal_hold')
    // Someone else still learns nothing: their answer is the one any missing id gets.
    const stranger = store.forUser((await createUser(store)).id)
    await expectError(stranger.conversations.delete(held.id), 'not_found')
    expect((await store.conversations.get(held.id)).deleted_at).toBeNull()
    expect((await store.messages.get(held.messages[0]!)).deleted_at).toBeNull()

    await cleanupTwice(store, { older_than_days: 1 })
    expect(await exists(store, 'conversations', held.id)).toBe(true)
    for (const id of held.messages) expect(await exists(store, 'messages', id)).toBe(true)

    const released = await store.legalHolds.release(hold.id)
    expect(released.released_at).not.toBeNull()
    expect((await store.legalHolds.release(hold.id)).released_at).toBe(released.released_at)
    expect((await store.legalHolds.list({ active: false })).map((h) => h.id)).toContain(hold.id)
    expect((await store.legalHolds.list()).map((h) => h.id)).not.toContain(hold.id)
    await cleanupTwice(store)
    expect(await exists(store, 'conversations', held.id)).toBe(false)
  })

  it("a held user's conversations and documents stay, though soft-deleted long ago", async () => {
    const store = ctx.store
    const user = await createUser(store)
    const old = await conversationOf(store, user.id, 400)
    await softDeleteAt(store, old.id, 300)
    const { document } = await store.documents.ingest({
      user_id: user.id,
      title: 'contract',
      chunks: [{ content: 'the terms' }],
    })
    await store.documents.delete(document.id)
    await store.database.kysely
      .updateTable('documents')
      .set({ deleted_at: daysAgo(300) })
      .where('id', '=', document.id)
      .execute()
    const second = await store.documents.ingest({ user_id: user.id, chunks: [{ content: 'x' }] })
    const hold = await store.legalHolds.create({ user_id: user.id, reason: 'Subpoena' })

    await expectError(store.documents.delete(second.document.id), 'legal_hold')
    await expectError(store.users.delete(user.id), 'legal_hold')
    await cleanupTwice(store)
    expect(await exists(store, 'conversations', old.id)).toBe(true)
    expect(await countRows(store, 'documents', { id: document.id })).toBe(1)

    await store.legalHolds.release(hold.id)
    const report = await cleanupTwice(store)
    expect(removedConversations(report)).toBeGreaterThanOrEqual(1)
    expect(await countRows(store, 'documents', { id: document.id })).toBe(0)
    await store.users.delete(user.id)
  })

  it('holds and policy changes are audited in their own transaction, and a failing change changes nothing', async () => {
    const store = ctx.store
    const admin = await createUser(store, 'admin')
    const user = await createUser(store)
    const before = await store.retention.settings()
    await expectError(
      store.retention.update({
        default: { mode: 'keep' },
        users: [
          { user_id: user.id, policy: { mode: 'keep' } },
          { user_id: '00000000-0000-4000-8000-000000000000', policy: null },
        ],
      }),
      'not_found',
      '/users/1/user_id',
    )
    expect(await store.retention.settings()).toEqual(before)

    await store.retention.update(
      { users: [{ user_id: user.id, policy: { mode: 'after_soft_delete', days: 7 } }] },
      { user_id: admin.id },
    )
    const hold = await store.legalHolds.create(
      { user_id: user.id, reason: 'Audit 7' },
      { user_id: admin.id },
    )
    expect(hold.created_by).toBe(admin.id)
    await store.legalHolds.release(hold.id, { user_id: admin.id })
    const trail = await store.audit.list({ user_id: admin.id })
    expect(trail.data.map((e) => e.action).sort()).toEqual([
      'legal_hold.create',
      'legal_hold.release',
      'retention.update',
    ])

    await expectError(store.legalHolds.create({ reason: 'nothing named' }), 'validation_failed')
    await expectError(
      store.legalHolds.create({ user_id: user.id, conversation_id: user.id, reason: 'both' }),
      'validation_failed',
    )
    await expectError(
      store.legalHolds.create({ user_id: '00000000-0000-4000-8000-000000000000', reason: 'r' }),
      'not_found',
    )
    await expectError(
      store.retention.update({ default: { mode: 'after_soft_delete', days: 0 } }),
      'validation_failed',
    )
  })
})
