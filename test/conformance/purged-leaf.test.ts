/**
 * A purge removes rows for good, the active leaf among them: the conversation must still read
 * what survived and take the next message, never point at a missing row.
 */
import { expect, it } from 'vitest'
import { cleanup } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { userWithConversation } from './helpers.js'

describeEachEngine('a purged active leaf', (ctx) => {
  it('reads the path that survived and continues from the newest message left', async () => {
    const store = ctx.store
    const { conversation } = await userWithConversation(store)
    const question = await store.messages.append(conversation.id, { role: 'user', content: 'q' })
    const answer = await store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'a',
    })
    await store.messages.delete(answer.id)
    await store.database.kysely
      .updateTable('messages')
      .set({ deleted_at: new Date(Date.now() - 40 * 86_400_000).toISOString() })
      .where('id', '=', answer.id)
      .execute()
    await cleanup(store, { retention_days: 30 })
    expect(await store.messages.get(answer.id).catch((e: Error) => e.name)).toBe('ChatkeepError')

    expect((await store.messages.lastN(conversation.id, 10)).map((m) => m.id)).toEqual([
      question.id,
    ])
    const next = await store.messages.append(conversation.id, { role: 'assistant', content: 'b' })
    expect(next.parent_id).toBe(question.id)
    expect((await store.messages.lastN(conversation.id, 10)).map((m) => m.content)).toEqual([
      'q',
      'b',
    ])
  })
})

describeEachEngine('a purged message within the path', (ctx) => {
  it('keeps the path going through the gap, as it did while the message was soft-deleted', async () => {
    const store = ctx.store
    const { conversation } = await userWithConversation(store)
    const say = (role: 'user' | 'assistant', content: string) =>
      store.messages.append(conversation.id, { role, content })
    const q1 = await say('user', 'q1')
    const a1 = await say('assistant', 'a1')
    const q2 = await say('user', 'q2')
    const a2 = await say('assistant', 'a2')
    // Two in a row go, so the child of the second must reach past both.
    for (const gone of [a1, q2]) {
      await store.messages.delete(gone.id)
      await store.database.kysely
        .updateTable('messages')
        .set({ deleted_at: new Date(Date.now() - 40 * 86_400_000).toISOString() })
        .where('id', '=', gone.id)
        .execute()
    }
    const before = (await store.messages.lastN(conversation.id, 10)).map((m) => m.content)
    expect(before).toEqual(['q1', 'a2'])

    const report = await cleanup(store, { retention_days: 30 })
    expect(report.removed.messages).toBeGreaterThanOrEqual(2)
    expect((await store.messages.lastN(conversation.id, 10)).map((m) => m.content)).toEqual(before)
    expect((await store.messages.get(a2.id)).parent_id).toBe(q1.id)
  })
})
