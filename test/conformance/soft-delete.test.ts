import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import type { Store, User } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { countRows, createUser, expectError, userWithConversation } from './helpers.js'

/** Every table of the schema with a user_id column, as the database itself reports it. */
async function tablesWithUserId(store: Store): Promise<string[]> {
  const db = store.database.kysely
  const result =
    store.engine === 'postgres'
      ? await sql<{ name: string }>`
          select table_name as name from information_schema.columns
          where table_schema = current_schema() and column_name = 'user_id'`.execute(db)
      : await sql<{ name: string }>`
          select m.name as name from sqlite_master m, pragma_table_info(m.name) c
          where m.type = 'table' and c.name = 'user_id'`.execute(db)
  return result.rows.map((r) => r.name).sort()
}

/**
 * Gives the user at least one row in every table that has a user_id: through the store where it
 * has a method, straight into the table where it does not (yet).
 */
async function ownEverything(store: Store, user: User): Promise<void> {
  const db = store.database.kysely
  const now = new Date().toISOString()
  const later = new Date(Date.now() + 3_600_000).toISOString()
  const json = (value: unknown) => JSON.stringify(value)
  const chat = await store.conversations.create({ user_id: user.id, title: 'mine' })
  const [question] = await store.messages.appendMany(chat.id, [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: 'a' },
  ])
  await store.messages.delete(question!.id)
  const gone = await store.conversations.create({ user_id: user.id, title: 'deleted' })
  await store.messages.append(gone.id, { role: 'user', content: 'in a deleted conversation' })
  await store.conversations.delete(gone.id)

  const session = randomUUID()
  await db
    .insertInto('auth_sessions')
    .values({
      id: session,
      user_id: user.id,
      access_jti: randomUUID(),
      user_agent: 'test',
      ip_address: '127.0.0.1',
      created_at: now,
      last_activity: now,
      expires_at: later,
      revoked_at: null,
    })
    .execute()
  await db
    .insertInto('refresh_tokens')
    .values({
      id: randomUUID(),
      user_id: user.id,
      session_id: session,
      token_hash: randomUUID(),
      parent_id: null,
      created_at: now,
      expires_at: later,
      used_at: null,
      revoked_at: null,
    })
    .execute()
  await db
    .insertInto('api_keys')
    .values({
      id: randomUUID(),
      user_id: user.id,
      name: 'bot',
      prefix: 'ck_',
      key_hash: randomUUID(),
      scopes: json(['messages:write']),
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    })
    .execute()
  // A hold once placed on them and released: a live one would refuse the deletion.
  const hold = await store.legalHolds.create({ user_id: user.id, reason: 'a closed case' })
  await store.legalHolds.release(hold.id)
  const document = randomUUID()
  await db
    .insertInto('documents')
    .values({
      id: document,
      user_id: user.id,
      source_url: 'https://example.com/doc',
      title: 'doc',
      doc_type: 'html',
      version: '1',
      metadata: json({}),
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .execute()
  await db
    .insertInto('document_chunks')
    .values({
      id: randomUUID(),
      document_id: document,
      chunk_index: 0,
      content: 'chunk',
      content_hash: randomUUID(),
      token_count: 1,
      embedding_id: null,
      embedding: null,
      created_at: now,
      updated_at: now,
    })
    .execute()
  await db
    .insertInto('transcripts')
    .values({
      id: randomUUID(),
      conversation_id: chat.id,
      user_id: user.id,
      format: 'json',
      storage: 'fs',
      storage_key: `transcripts/${chat.id}.json`,
      file_size_bytes: 10,
      message_count: 2,
      sha256: 'x'.repeat(64),
      created_at: now,
    })
    .execute()
  await db
    .insertInto('audit_events')
    .values({
      id: randomUUID(),
      user_id: user.id,
      action: 'conversation.create',
      target_type: 'conversation',
      target_id: chat.id,
      ip_address: null,
      user_agent: null,
      details: json({}),
      created_at: now,
    })
    .execute()
}

describeEachEngine('soft delete', (ctx) => {
  it('hides a deleted conversation from every read and write', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const [m1] = await ctx.store.messages.appendMany(conversation.id, [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
    ])
    await ctx.store.forUser(user.id).conversations.delete(conversation.id)

    for (const store of [ctx.store, ctx.store.forUser(user.id)]) {
      const { conversations, messages } = store
      await expectError(conversations.get(conversation.id), 'not_found')
      expect((await conversations.list({ user_id: user.id })).data).toEqual([])
      await expectError(conversations.update(conversation.id, { title: 'x' }), 'not_found')
      await expectError(conversations.archive(conversation.id), 'not_found')
      await expectError(conversations.delete(conversation.id), 'not_found')
      await expectError(messages.list(conversation.id), 'not_found')
      await expectError(messages.lastN(conversation.id, 10), 'not_found')
      await expectError(messages.countByRole(conversation.id), 'not_found')
      await expectError(messages.get(m1!.id), 'not_found')
      await expectError(messages.setFeedback(m1!.id, 1), 'not_found')
      await expectError(messages.delete(m1!.id), 'not_found')
      // A message comes back only with its conversation.
      await expectError(messages.restore(m1!.id), 'not_found')
      await expectError(
        messages.append(conversation.id, { role: 'user', content: 'x' }),
        'not_found',
      )
      await expectError(
        messages.appendMany(conversation.id, [{ role: 'user', content: 'x' }]),
        'not_found',
      )
    }
    // Nothing was appended while it was gone.
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(2)
  })

  it('restores a conversation with its messages, but not those deleted before it', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const conversations = ctx.store.forUser(user.id).conversations
    const messages = ctx.store.forUser(user.id).messages
    const made = await messages.appendMany(conversation.id, [
      { role: 'system', content: 's' },
      { role: 'user', content: 'q', tokens_used: 3 },
      { role: 'assistant', content: 'a', tokens_used: 4 },
      { role: 'user', content: 'q2', tokens_used: 5 },
    ])
    await messages.setFeedback(made[2]!.id, -1)
    await messages.delete(made[1]!.id)
    const before = await conversations.get(conversation.id)

    await conversations.delete(conversation.id)
    const restored = await conversations.restore(conversation.id)
    expect(restored).toMatchObject({
      ...before,
      updated_at: restored.updated_at,
      deleted_at: null,
    })
    expect(restored.updated_at >= before.updated_at).toBe(true)
    expect(await conversations.get(conversation.id)).toEqual(restored)
    expect((await conversations.list()).data.map((c) => c.id)).toEqual([conversation.id])

    const live = await messages.list(conversation.id)
    expect(live.data.map((m) => m.sequence)).toEqual([1, 3, 4])
    expect(live.data[1]).toEqual({ ...made[2], feedback: -1 })
    await expectError(messages.get(made[1]!.id), 'not_found')
    expect(await messages.countByRole(conversation.id)).toEqual({
      system: 1,
      user: 1,
      assistant: 1,
      tool: 0,
    })
    // The one deleted before can still be restored on its own.
    expect(await messages.restore(made[1]!.id)).toEqual(made[1])
    // And the conversation takes messages again, numbered on.
    const next = await messages.append(conversation.id, { role: 'assistant', content: 'back' })
    expect(next.sequence).toBe(5)
  })

  it('keeps a message deleted in the same millisecond as its conversation deleted', async () => {
    // Deleting right after one another often lands both in one millisecond: run it a few times.
    for (let i = 0; i < 20; i++) {
      const { conversation } = await userWithConversation(ctx.store)
      const [first, second] = await ctx.store.messages.appendMany(conversation.id, [
        { role: 'user', content: 'deleted first' },
        { role: 'assistant', content: 'deleted with the conversation' },
      ])
      await ctx.store.messages.delete(first!.id)
      await ctx.store.conversations.delete(conversation.id)
      await ctx.store.conversations.restore(conversation.id)
      expect((await ctx.store.messages.list(conversation.id)).data).toEqual([second])
    }
  })

  it('restoring a live conversation changes nothing; a missing one is not_found', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    expect(await ctx.store.conversations.restore(conversation.id)).toEqual(conversation)
    await expectError(ctx.store.conversations.restore(randomUUID()), 'not_found')
  })

  it('deletes and restores again and again', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'still here' })
    for (let i = 0; i < 3; i++) {
      await ctx.store.conversations.delete(conversation.id)
      await expectError(ctx.store.conversations.get(conversation.id), 'not_found')
      await ctx.store.conversations.restore(conversation.id)
      expect((await ctx.store.messages.lastN(conversation.id, 5)).map((m) => m.content)).toEqual([
        'still here',
      ])
    }
  })

  it('deleting a user removes every row of theirs and no one else’s', async () => {
    const alice = await createUser(ctx.store, 'alice')
    const bob = await createUser(ctx.store, 'bob')
    await ownEverything(ctx.store, alice)
    await ownEverything(ctx.store, bob)

    const tables = await tablesWithUserId(ctx.store)
    expect(tables).toEqual(
      expect.arrayContaining([
        'api_keys',
        'audit_events',
        'auth_sessions',
        'conversations',
        'documents',
        'messages',
        'refresh_tokens',
        'transcripts',
      ]),
    )
    const bobBefore: Record<string, number> = {}
    for (const table of tables) {
      // Every such table must be covered above, or this test would prove nothing about it.
      expect({ table, rows: await countRows(ctx.store, table, { user_id: alice.id }) }).not.toEqual(
        { table, rows: 0 },
      )
      bobBefore[table] = await countRows(ctx.store, table, { user_id: bob.id })
    }
    const chunksBefore = await countRows(ctx.store, 'document_chunks')
    const auditBefore = await countRows(ctx.store, 'audit_events')

    await ctx.store.users.delete(alice.id)

    for (const table of tables) {
      expect({ table, rows: await countRows(ctx.store, table, { user_id: alice.id }) }).toEqual({
        table,
        rows: 0,
      })
      expect({ table, rows: await countRows(ctx.store, table, { user_id: bob.id }) }).toEqual({
        table,
        rows: bobBefore[table],
      })
    }
    // Alice's document chunks went with her documents; Bob's stayed.
    expect(await countRows(ctx.store, 'document_chunks')).toBe(chunksBefore - 1)
    // The audit trail keeps what happened, without pointing at her.
    expect(await countRows(ctx.store, 'audit_events')).toBe(auditBefore)
    await expectError(ctx.store.users.get(alice.id), 'not_found')
    expect((await ctx.store.forUser(alice.id).conversations.list()).data).toEqual([])
    expect((await ctx.store.forUser(bob.id).conversations.list()).data).toHaveLength(1)
  })
})
