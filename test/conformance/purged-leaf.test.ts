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
