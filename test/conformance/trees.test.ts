import { sql } from 'kysely'
import { expect, it } from 'vitest'
import type { Message, Store } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { countRows, expectError, missingId, userWithConversation } from './helpers.js'

const contents = (messages: Message[]) => messages.map((m) => m.content)

/**
 * q1 → a1 → q2 → a2, then q2 edited (q2b, a sibling of q2 under a1) and answered (a2b):
 * the active path is q1 a1 q2b a2b; q2 and a2 are the abandoned branch.
 */
async function editedConversation(store: Store) {
  const { user, conversation } = await userWithConversation(store)
  const [q1, a1, q2, a2] = await store.messages.appendMany(conversation.id, [
    { role: 'user', content: 'q1' },
    { role: 'assistant', content: 'a1' },
    { role: 'user', content: 'q2' },
    { role: 'assistant', content: 'a2' },
  ])
  const q2b = await store.messages.append(conversation.id, {
    role: 'user',
    content: 'q2b',
    parent_id: a1!.id,
  })
  const a2b = await store.messages.append(conversation.id, { role: 'assistant', content: 'a2b' })
  return { user, conversation, q1: q1!, a1: a1!, q2: q2!, a2: a2!, q2b, a2b }
}

describeEachEngine('conversation trees', (ctx) => {
  it('gives every message but the first a parent and moves the active leaf with each append', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const first = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'a' })
    expect(first.parent_id).toBeNull()
    const second = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'b',
    })
    expect(second.parent_id).toBe(first.id)
    const [third, fourth] = await ctx.store.messages.appendMany(conversation.id, [
      { role: 'user', content: 'c' },
      { role: 'assistant', content: 'd' },
    ])
    expect(third!.parent_id).toBe(second.id)
    expect(fourth!.parent_id).toBe(third!.id)
    expect((await ctx.store.conversations.get(conversation.id)).active_leaf_id).toBe(fourth!.id)
    // What the answer said is what was stored.
    expect((await ctx.store.messages.get(fourth!.id)).parent_id).toBe(third!.id)
  })

  it('branches at parent_id, reads only the active path, and keeps sequences over all branches', async () => {
    const t = await editedConversation(ctx.store)
    expect(t.q2b.parent_id).toBe(t.a1.id)
    expect(t.a2b.parent_id).toBe(t.q2b.id)
    expect([t.q2b.sequence, t.a2b.sequence]).toEqual([5, 6])
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 20))).toEqual([
      'q1',
      'a1',
      'q2b',
      'a2b',
    ])
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 2))).toEqual(['q2b', 'a2b'])
    const page = await ctx.store.messages.lastPage(t.conversation.id, 3)
    expect(contents(page.data)).toEqual(['a1', 'q2b', 'a2b'])
    expect(page.has_more).toBe(true)
    // The path to any message, and the cursor listing of every branch with its parents.
    const old = await ctx.store.messages.lastN(t.conversation.id, 20, { leaf: t.a2.id })
    expect(contents(old)).toEqual(['q1', 'a1', 'q2', 'a2'])
    const all = await ctx.store.messages.list(t.conversation.id, { limit: 100 })
    expect(all.data.map((m) => [m.content, m.parent_id])).toEqual([
      ['q1', null],
      ['a1', t.q1.id],
      ['q2', t.a1.id],
      ['a2', t.q2.id],
      ['q2b', t.a1.id],
      ['a2b', t.q2b.id],
    ])
    const conversation = await ctx.store.conversations.get(t.conversation.id)
    expect(conversation).toMatchObject({ message_count: 6, active_leaf_id: t.a2b.id })
  })

  it('leaves the active leaf where it is with activate: false', async () => {
    const t = await editedConversation(ctx.store)
    const aside = await ctx.store.messages.append(t.conversation.id, {
      role: 'assistant',
      content: 'another answer',
      parent_id: t.q2b.id,
      activate: false,
    })
    expect(aside.parent_id).toBe(t.q2b.id)
    expect((await ctx.store.conversations.get(t.conversation.id)).active_leaf_id).toBe(t.a2b.id)
    // An append without parent_id continues the active leaf, not the message kept aside.
    const next = await ctx.store.messages.append(t.conversation.id, { role: 'user', content: 'q3' })
    expect(next.parent_id).toBe(t.a2b.id)
  })

  it('starts a new root with parent_id null (an edit of the first question)', async () => {
    const t = await editedConversation(ctx.store)
    const root = await ctx.store.messages.append(t.conversation.id, {
      role: 'user',
      content: 'q1 again',
      parent_id: null,
    })
    expect(root.parent_id).toBeNull()
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 20))).toEqual(['q1 again'])
  })

  it('chains concurrent appends without parent_id in sequence order, from two stores', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const other = await ctx.open()
    const root = await ctx.store.messages.append(conversation.id, { role: 'system', content: 's' })
    const appended = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 === 0 ? ctx.store : other).messages.append(conversation.id, {
          role: 'user',
          content: `m${i}`,
        }),
      ),
    )
    const bySequence = [root, ...appended].sort((a, b) => a.sequence - b.sequence)
    expect(bySequence.map((m) => m.sequence)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    // Each one's parent is the one appended just before it: one line, no siblings, none lost.
    bySequence.slice(1).forEach((m, i) => expect(m.parent_id).toBe(bySequence[i]!.id))
    const path = await ctx.store.messages.path(conversation.id)
    expect(path.map((m) => m.id)).toEqual(bySequence.map((m) => m.id))
    const stored = await ctx.store.conversations.get(conversation.id)
    expect(stored).toMatchObject({ message_count: 25, active_leaf_id: bySequence.at(-1)!.id })
  })

  it('makes concurrent appends naming one parent siblings, each with its own sequence', async () => {
    const t = await editedConversation(ctx.store)
    const other = await ctx.open()
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? ctx.store : other).messages.append(t.conversation.id, {
          role: 'assistant',
          content: `regenerated ${i}`,
          parent_id: t.q2b.id,
        }),
      ),
    )
    expect(answers.map((m) => m.parent_id)).toEqual(answers.map(() => t.q2b.id))
    expect(answers.map((m) => m.sequence).sort((a, b) => a - b)).toEqual([
      7, 8, 9, 10, 11, 12, 13, 14,
    ])
    // The last to commit is the active leaf.
    const newest = answers.reduce((a, b) => (a.sequence > b.sequence ? a : b))
    expect((await ctx.store.conversations.get(t.conversation.id)).active_leaf_id).toBe(newest.id)
  })

  it('walks through a soft-deleted message to its children, and restore brings it back', async () => {
    const t = await editedConversation(ctx.store)
    await ctx.store.messages.delete(t.q2b.id)
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 20))).toEqual([
      'q1',
      'a1',
      'a2b',
    ])
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 2))).toEqual(['a1', 'a2b'])
    await ctx.store.messages.restore(t.q2b.id)
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 20))).toEqual([
      'q1',
      'a1',
      'q2b',
      'a2b',
    ])
  })

  it('answers not_found for a leaf that is not a message of the conversation', async () => {
    const t = await editedConversation(ctx.store)
    const elsewhere = await editedConversation(ctx.store)
    await expectError(
      ctx.store.messages.lastN(t.conversation.id, 5, { leaf: elsewhere.a2b.id }),
      'not_found',
    )
    await expectError(
      ctx.store.messages.lastN(t.conversation.id, 5, { leaf: missingId() }),
      'not_found',
    )
    await expectError(ctx.store.messages.lastN(t.conversation.id, 5, { leaf: 'nope' }), 'not_found')
    // Another user's store cannot read the path, even knowing both ids.
    const stranger = ctx.store.forUser(elsewhere.user.id)
    await expectError(
      stranger.messages.lastN(t.conversation.id, 5, { leaf: t.a2b.id }),
      'not_found',
    )
  })

  it('edits, regenerates, lists siblings with their newest leaf, and switches branch', async () => {
    const t = await editedConversation(ctx.store)
    const siblings = await ctx.store.messages.siblings(t.q2b.id)
    expect(siblings.map((s) => [s.position, s.message.content, s.newest_leaf_id])).toEqual([
      [1, 'q2', t.a2.id],
      [2, 'q2b', t.a2b.id],
    ])
    const again = await ctx.store.messages.regenerate(t.a2b.id, { content: 'a2c' })
    expect(again).toMatchObject({ role: 'assistant', parent_id: t.q2b.id })
    const edited = await ctx.store.messages.edit(t.q2.id, { content: 'q2c' })
    expect(edited).toMatchObject({ role: 'user', parent_id: t.a1.id })
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 20))).toEqual([
      'q1',
      'a1',
      'q2c',
    ])
    // Switch back to the first branch: reads follow it, and appends continue it.
    const switched = await ctx.store.conversations.update(t.conversation.id, {
      active_leaf_id: siblings[0]!.newest_leaf_id,
    })
    expect(switched.active_leaf_id).toBe(t.a2.id)
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 20))).toEqual([
      'q1',
      'a1',
      'q2',
      'a2',
    ])
    const next = await ctx.store.messages.append(t.conversation.id, { role: 'user', content: 'q3' })
    expect(next.parent_id).toBe(t.a2.id)
    // Only a live message of this conversation can be the leaf; nothing changes otherwise.
    const elsewhere = await editedConversation(ctx.store)
    await expectError(
      ctx.store.conversations.update(t.conversation.id, { active_leaf_id: elsewhere.a2.id }),
      'validation_failed',
      '/active_leaf_id',
    )
    await ctx.store.messages.delete(t.a2b.id)
    await expectError(
      ctx.store.conversations.update(t.conversation.id, { active_leaf_id: t.a2b.id }),
      'validation_failed',
      '/active_leaf_id',
    )
    expect((await ctx.store.conversations.get(t.conversation.id)).active_leaf_id).toBe(next.id)
  })

  it('forks the path to a message into a new conversation, forked_from kept', async () => {
    const t = await editedConversation(ctx.store)
    const fork = await ctx.store.conversations.fork(t.conversation.id, { message_id: t.a2.id })
    expect(fork).toMatchObject({
      user_id: t.user.id,
      message_count: 4,
      forked_from: { conversation_id: t.conversation.id, message_id: t.a2.id },
    })
    const copied = await ctx.store.messages.path(fork.id)
    expect(contents(copied)).toEqual(['q1', 'a1', 'q2', 'a2'])
    expect(copied.map((m) => m.sequence)).toEqual([1, 2, 3, 4])
    expect(copied[0]!.parent_id).toBeNull()
    copied.slice(1).forEach((m, i) => expect(m.parent_id).toBe(copied[i]!.id))
    expect(fork.active_leaf_id).toBe(copied[3]!.id)
    // The original is untouched, and the fork goes on by itself.
    expect(contents(await ctx.store.messages.lastN(t.conversation.id, 20))).toEqual([
      'q1',
      'a1',
      'q2b',
      'a2b',
    ])
    const more = await ctx.store.messages.append(fork.id, { role: 'user', content: 'q3' })
    expect(more).toMatchObject({ sequence: 5, parent_id: copied[3]!.id })
    const byDefault = await ctx.store.conversations.fork(t.conversation.id)
    expect(contents(await ctx.store.messages.path(byDefault.id))).toEqual([
      'q1',
      'a1',
      'q2b',
      'a2b',
    ])
    await expectError(
      ctx.store.conversations.fork(t.conversation.id, { message_id: missingId() }),
      'not_found',
      '/message_id',
    )
  })

  it('fails a fork midway as a whole: no conversation and no copied message is left', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.appendMany(conversation.id, [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'boom' },
    ])
    const db = ctx.store.database.kysely
    // A trigger fails the insert of the copies, after the fork's conversation row went in.
    if (ctx.engine === 'sqlite') {
      await sql`create trigger fork_boom before insert on messages when new.content = 'boom'
        begin select raise(abort, 'boom'); end`.execute(db)
    } else {
      await sql`create function fork_boom() returns trigger language plpgsql as $$
        begin if new.content = 'boom' then raise exception 'boom'; end if; return new; end $$`.execute(
        db,
      )
      await sql`create trigger fork_boom before insert on messages
        for each row execute function fork_boom()`.execute(db)
    }
    try {
      await expect(ctx.store.conversations.fork(conversation.id)).rejects.toThrow()
    } finally {
      await sql`drop trigger fork_boom${ctx.engine === 'sqlite' ? sql`` : sql` on messages`}`.execute(
        db,
      )
      if (ctx.engine === 'postgres') await sql`drop function fork_boom()`.execute(db)
    }
    const left = await ctx.store.conversations.list({ user_id: user.id, limit: 100 })
    expect(left.data.map((c) => c.id)).toEqual([conversation.id])
    expect(await countRows(ctx.store, 'messages', { user_id: user.id })).toBe(2)
    // With nothing in the way, the same fork goes through.
    const fork = await ctx.store.conversations.fork(conversation.id)
    expect(contents(await ctx.store.messages.path(fork.id))).toEqual(['q', 'boom'])
  })
})
