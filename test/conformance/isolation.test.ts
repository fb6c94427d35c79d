import { expect, it } from 'vitest'
import type { ChatkeepError, Conversation, Message, ScopedStore, User } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import {
  countRows,
  createUser,
  errorShape,
  expectChatkeepError,
  expectError,
  MALFORMED_IDS,
  missingId,
  sleep,
} from './helpers.js'

interface Alice {
  user: User
  conversation: Conversation
  messages: Message[]
  /** A message of hers that is soft-deleted, for restore. */
  deleted: Message
}

/** One operation a caller can aim at a conversation id or a message id. */
type Probe = [
  name: string,
  run: (as: ScopedStore, conversationId: string, messageId: string) => Promise<unknown>,
]

const PROBES: Probe[] = [
  ['conversations.get', (as, c) => as.conversations.get(c)],
  ['conversations.update', (as, c) => as.conversations.update(c, { title: 'taken over' })],
  ['conversations.archive', (as, c) => as.conversations.archive(c)],
  ['conversations.unarchive', (as, c) => as.conversations.unarchive(c)],
  ['conversations.delete', (as, c) => as.conversations.delete(c)],
  ['conversations.restore', (as, c) => as.conversations.restore(c)],
  ['messages.append', (as, c) => as.messages.append(c, { role: 'user', content: 'hi' })],
  [
    'messages.append (replayed key)',
    (as, c) => as.messages.append(c, { role: 'user', content: 'q', request_id: 'turn-1' }),
  ],
  ['messages.appendMany', (as, c) => as.messages.appendMany(c, [{ role: 'user', content: 'hi' }])],
  ['messages.list', (as, c) => as.messages.list(c)],
  ['messages.lastN', (as, c) => as.messages.lastN(c, 5)],
  ['messages.countByRole', (as, c) => as.messages.countByRole(c)],
  ['messages.get', (as, _c, m) => as.messages.get(m)],
  ['messages.setFeedback', (as, _c, m) => as.messages.setFeedback(m, -1)],
  ['messages.delete', (as, _c, m) => as.messages.delete(m)],
  ['messages.restore', (as, _c, m) => as.messages.restore(m)],
]

async function failure(work: Promise<unknown>): Promise<ChatkeepError> {
  try {
    await work
  } catch (error) {
    expectChatkeepError(error)
    return error
  }
  return expect.fail('expected the call to fail')
}

/** Guarantee 5: another user's id answers exactly as an id that does not exist. */
describeEachEngine('isolation', (ctx) => {
  async function makeAlice(): Promise<Alice> {
    const user = await createUser(ctx.store, 'alice')
    const conversation = await ctx.store.conversations.create({
      user_id: user.id,
      title: 'private',
      metadata: { tags: ['secret'] },
    })
    const messages = await ctx.store.messages.appendMany(conversation.id, [
      { role: 'user', content: 'q', request_id: 'turn-1' },
      { role: 'assistant', content: 'a', request_id: 'turn-1', tokens_used: 9 },
      { role: 'user', content: 'to delete' },
    ])
    await ctx.store.messages.delete(messages[2]!.id)
    return {
      user,
      conversation: await ctx.store.conversations.get(conversation.id),
      messages: messages.slice(0, 2),
      deleted: messages[2]!,
    }
  }

  async function snapshot(alice: Alice) {
    return {
      conversation: await ctx.store.conversations.get(alice.conversation.id),
      messages: await ctx.store.messages.list(alice.conversation.id),
      rows: await countRows(ctx.store, 'messages', { user_id: alice.user.id }),
    }
  }

  it('answers every call on another user’s rows exactly as on missing ones', async () => {
    const alice = await makeAlice()
    const bob = await createUser(ctx.store, 'bob')
    const asBob = ctx.store.forUser(bob.id)
    await ctx.store.conversations.create({ user_id: bob.id })
    const before = await snapshot(alice)

    for (const [name, run] of PROBES) {
      const messageId = name === 'messages.restore' ? alice.deleted.id : alice.messages[1]!.id
      const foreign = await failure(run(asBob, alice.conversation.id, messageId))
      const missing = await failure(run(asBob, missingId(), missingId()))
      expect({ name, ...errorShape(foreign) }).toEqual({ name, ...errorShape(missing) })
      expect({ name, code: foreign.code, status: foreign.status }).toEqual({
        name,
        code: 'not_found',
        status: 404,
      })
      // The message must not give the other user's data away either.
      expect(foreign.message).not.toContain('private')
    }
    expect(await snapshot(alice)).toEqual(before)
  })

  it('keeps another user’s conversations out of lists, even as a cursor', async () => {
    const alice = await makeAlice()
    const bob = await createUser(ctx.store, 'bob')
    const asBob = ctx.store.forUser(bob.id).conversations
    const older = await ctx.store.conversations.create({ user_id: bob.id, title: 'bob older' })
    const newer = await ctx.store.conversations.create({ user_id: bob.id, title: 'bob newer' })
    // Alice's conversation is the most recent of all.
    await sleep(2)
    await ctx.store.messages.append(alice.conversation.id, { role: 'user', content: 'bump' })

    const all = await asBob.list()
    expect(all.data.map((c) => c.id)).toEqual([newer.id, older.id])
    expect((await asBob.list({ tag: 'secret' })).data).toEqual([])
    // A scoped store ignores a user_id filter aimed at someone else.
    expect((await asBob.list({ user_id: alice.user.id })).data.map((c) => c.id)).toEqual([
      newer.id,
      older.id,
    ])
    // Alice's id as a cursor tells Bob nothing: it pages like an id that does not exist.
    for (const cursor of ['after', 'before'] as const) {
      const foreign = await asBob.list({ [cursor]: alice.conversation.id })
      const missing = await asBob.list({ [cursor]: missingId() })
      expect({ cursor, ...foreign }).toEqual({ cursor, ...missing })
    }
  })

  it('does not let a message of another user be a parent', async () => {
    const alice = await makeAlice()
    const bob = await createUser(ctx.store, 'bob')
    const chat = await ctx.store.conversations.create({ user_id: bob.id })
    const asBob = ctx.store.forUser(bob.id).messages
    const foreign = await failure(
      asBob.append(chat.id, { role: 'user', content: 'x', parent_id: alice.messages[0]!.id }),
    )
    const missing = await failure(
      asBob.append(chat.id, { role: 'user', content: 'x', parent_id: missingId() }),
    )
    expect(errorShape(foreign)).toEqual(errorShape(missing))
    expect(foreign.field).toBe('/parent_id')
    expect(await countRows(ctx.store, 'messages', { conversation_id: chat.id })).toBe(0)
  })

  it('answers not_found for malformed ids, scoped or not', async () => {
    const alice = await makeAlice()
    const asAlice = ctx.store.forUser(alice.user.id)
    const admin = {
      user_id: 'admin',
      conversations: ctx.store.conversations,
      messages: ctx.store.messages,
      documents: ctx.store.documents,
      search: ctx.store.search,
      transcripts: ctx.store.transcripts,
      events: ctx.store.events,
      // The probes never act as anyone: audited views are probed in audit-actor.test.ts.
      as: (): ScopedStore => {
        throw new Error('not probed')
      },
    }
    const before = await snapshot(alice)
    for (const as of [asAlice, admin]) {
      for (const [name, run] of PROBES) {
        for (const id of MALFORMED_IDS) {
          const error = await failure(run(as, id, id))
          expect({ name, id, code: error.code, status: error.status }).toEqual({
            name,
            id,
            code: 'not_found',
            status: 404,
          })
        }
      }
    }
    expect(await snapshot(alice)).toEqual(before)
  })

  it('lets the owner and the admin view reach what others cannot', async () => {
    const alice = await makeAlice()
    const asAlice = ctx.store.forUser(alice.user.id)
    expect(await asAlice.conversations.get(alice.conversation.id)).toEqual(alice.conversation)
    expect(await asAlice.messages.get(alice.messages[0]!.id)).toEqual(alice.messages[0])
    expect((await asAlice.messages.list(alice.conversation.id)).data).toEqual(alice.messages)
    expect(await ctx.store.messages.lastN(alice.conversation.id, 5)).toEqual(alice.messages)
    // A replay by the owner returns the original.
    expect(
      await asAlice.messages.append(alice.conversation.id, {
        role: 'user',
        content: 'q',
        request_id: 'turn-1',
      }),
    ).toEqual(alice.messages[0])
  })

  it('refuses to scope a store to something that is not a user id', async () => {
    for (const id of MALFORMED_IDS) {
      expect(() => ctx.store.forUser(id)).toThrowError(
        expect.objectContaining({ code: 'validation_failed', field: '/user_id' }),
      )
    }
    await expectError(async () => ctx.store.forUser('nope'), 'validation_failed', '/user_id')
  })
})
