import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { violatedUniqueKey } from '../../src/db/driver-errors.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import { ChatkeepError } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { expectChatkeepError, uniqueName, userWithConversation } from './helpers.js'

/** A JSON column read back, ready to insert again: text on SQLite, parsed on PostgreSQL. */
const jsonText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value)

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work()
  } catch (error) {
    return error
  }
  return expect.fail('expected the write to fail')
}

/** One handle type for the database and its transactions (atproto's `(db, …)` helpers). */
describeEachEngine('database handles', (ctx) => {
  const titleOf = (db: Database) =>
    db.prepare((p: { id: string }) =>
      db.kysely.selectFrom('conversations').select('title').where('id', '=', p.id),
    )

  it('runs a prepared statement on the database or inside a transaction, seeing its writes', async () => {
    const db = ctx.store.database
    const { conversation } = await userWithConversation(ctx.store)
    const byId = titleOf(db)
    const title = uniqueName('title')
    const inside = await db.transaction(async (tx) => {
      expect(tx.inTransaction).toBe(true)
      expect(tx.root).toBe(db)
      await tx.kysely
        .updateTable('conversations')
        .set({ title })
        .where('id', '=', conversation.id)
        .execute()
      // The same statement, on the transaction's handle: it sees the uncommitted title.
      return (await byId.all(tx, { id: conversation.id }))[0]?.title
    })
    expect(inside).toBe(title)
    expect((await byId.all(db, { id: conversation.id }))[0]?.title).toBe(title)
  })

  it('rolls back when the work throws, and a nested transaction joins the outer one', async () => {
    const db = ctx.store.database
    const { conversation } = await userWithConversation(ctx.store)
    const boom = new ChatkeepError('conflict', 'on purpose')
    const error = await failure(() =>
      db.transaction(async (tx) => {
        await tx.transaction((inner) =>
          inner.kysely
            .updateTable('conversations')
            .set({ title: 'never' })
            .where('id', '=', conversation.id)
            .execute(),
        )
        throw boom
      }),
    )
    expect(error).toBe(boom)
    expect((await titleOf(db).all(db, { id: conversation.id }))[0]?.title).toBeNull()
  })

  it('refuses a transaction handle once its transaction has ended, with a clear error', async () => {
    const db = ctx.store.database
    const { conversation } = await userWithConversation(ctx.store)
    let leaked: Database | undefined
    await db.transaction(async (tx) => {
      leaked = tx
    })
    const uses: (() => Promise<unknown>)[] = [
      async () => leaked!.kysely.selectFrom('users').selectAll().execute(),
      () => titleOf(db).all(leaked!, { id: conversation.id }),
      () => leaked!.write(async () => 1),
      () => leaked!.transaction(async () => 1),
    ]
    for (const use of uses) {
      const error = await failure(use)
      expectChatkeepError(error)
      expect(error.code).toBe('internal')
      expect(error.message).toMatch(/transaction handle was used after its transaction ended/)
    }
  })

  it('names the violated unique constraint the same on both engines, never by its message', async () => {
    const db = ctx.store.database
    const { user, conversation } = await userWithConversation(ctx.store)
    const withMail = await ctx.store.users.create({
      username: uniqueName(),
      email: `${uniqueName()}@example.com`,
      discord_id: uniqueName('discord'),
    })
    const bound = await ctx.store.conversations.create({
      user_id: user.id,
      discord_channel_id: uniqueName('channel'),
    })
    const message = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'q',
      request_id: 'turn-1',
    })
    const userRow = await db.kysely
      .selectFrom('users')
      .selectAll()
      .where('id', '=', withMail.id)
      .executeTakeFirstOrThrow()
    const conversationRow = await db.kysely
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', bound.id)
      .executeTakeFirstOrThrow()
    const messageRow = await db.kysely
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', message.id)
      .executeTakeFirstOrThrow()
    const fresh = () => ({ id: uuid7(), username: uniqueName(), email: null, discord_id: null })
    const insertUser = (row: object) =>
      db.kysely
        .insertInto('users')
        .values({ ...userRow, preferences: jsonText(userRow.preferences), quota: null, ...row })
        .execute()
    const insertConversation = (row: object) =>
      db.kysely
        .insertInto('conversations')
        .values({
          ...conversationRow,
          parameters: jsonText(conversationRow.parameters),
          metadata: jsonText(conversationRow.metadata),
          forked_from: null,
          id: uuid7(),
          short_id: uniqueName('s'),
          ...row,
        })
        .execute()
    const insertMessage = (row: object) =>
      db.kysely
        .insertInto('messages')
        .values({
          ...messageRow,
          context_documents: jsonText(messageRow.context_documents),
          metadata: jsonText(messageRow.metadata),
          parts: null,
          id: uuid7(),
          sequence: 1000,
          request_id: null,
          ...row,
        })
        .execute()
    const cases: [string, () => Promise<unknown>][] = [
      ['users_pkey', () => insertUser({ ...fresh(), id: withMail.id })],
      ['users_username_key', () => insertUser({ ...fresh(), username: withMail.username })],
      ['users_email_key', () => insertUser({ ...fresh(), email: withMail.email })],
      ['users_discord_id_key', () => insertUser({ ...fresh(), discord_id: withMail.discord_id })],
      [
        'conversations_short_id_key',
        () => insertConversation({ short_id: bound.short_id, discord_channel_id: null }),
      ],
      ['conversations_discord_channel_id_key', () => insertConversation({})],
      ['messages_pkey', () => insertMessage({ id: message.id })],
      ['messages_conversation_sequence_key', () => insertMessage({ sequence: message.sequence })],
      ['messages_idempotency_key', () => insertMessage({ request_id: 'turn-1' })],
    ]
    for (const [name, insert] of cases) {
      const error = await failure(insert)
      expectChatkeepError(error)
      expect({ name, code: error.code, key: violatedUniqueKey(error) }).toEqual({
        name,
        code: 'conflict',
        key: name,
      })
    }
    // An index on expressions: SQLite names the index itself.
    const doc = { user_id: user.id, source_url: `https://docs.example/${randomUUID()}`, chunks: [] }
    await ctx.store.documents.ingest(doc)
    const docRow = await db.kysely
      .selectFrom('documents')
      .selectAll()
      .where('source_url', '=', doc.source_url)
      .executeTakeFirstOrThrow()
    const error = await failure(() =>
      db.kysely
        .insertInto('documents')
        .values({ ...docRow, metadata: jsonText(docRow.metadata), id: uuid7() })
        .execute(),
    )
    expect(violatedUniqueKey(error)).toBe('documents_owner_source_key')
  })
})
