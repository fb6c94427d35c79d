import { expect, it } from 'vitest'
import {
  ChatkeepError,
  ERROR_CODES,
  type ErrorCode,
  isChatkeepError,
  type NewMessage,
} from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import {
  countRows,
  createUser,
  expectError,
  missingId,
  uniqueName,
  userWithConversation,
} from './helpers.js'

/** Guarantees 8 and 9: every failure is a ChatkeepError with a stable code, bad input a 4xx. */
describeEachEngine('errors', (ctx) => {
  it('reports every kind of failure as a ChatkeepError with its stable code and status', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const other = await createUser(ctx.store)
    const taken = await createUser(ctx.store)
    const message = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'q',
      request_id: 'r1',
    })
    const closed = await ctx.store.conversations.create({ user_id: user.id, status: 'closed' })
    const cases: [string, () => Promise<unknown>, ErrorCode, string | undefined][] = [
      [
        'bad username',
        () => ctx.store.users.create({ username: '' }),
        'validation_failed',
        '/username',
      ],
      [
        'taken username',
        () => ctx.store.users.create({ username: taken.username }),
        'conflict',
        '/username',
      ],
      ['missing user', () => ctx.store.users.get(missingId()), 'not_found', undefined],
      [
        'conversation of another user',
        () => ctx.store.forUser(other.id).conversations.create({ user_id: user.id }),
        'forbidden',
        '/user_id',
      ],
      [
        'conversation of a missing user',
        () => ctx.store.conversations.create({ user_id: missingId() }),
        'not_found',
        undefined,
      ],
      [
        'missing conversation',
        () => ctx.store.conversations.get(missingId()),
        'not_found',
        undefined,
      ],
      [
        'bad message',
        () => ctx.store.messages.append(conversation.id, { role: 'user' } as NewMessage),
        'validation_failed',
        '/content',
      ],
      [
        'closed conversation',
        () => ctx.store.messages.append(closed.id, { role: 'user', content: 'x' }),
        'conversation_closed',
        undefined,
      ],
      [
        'reused request_id',
        () =>
          ctx.store.messages.append(conversation.id, {
            role: 'user',
            content: 'other',
            request_id: 'r1',
          }),
        'conflict',
        '/request_id',
      ],
      [
        'bad feedback',
        () => ctx.store.messages.setFeedback(message.id, 2 as never),
        'validation_failed',
        undefined,
      ],
      ['bad lastN', () => ctx.store.messages.lastN(conversation.id, 0), 'validation_failed', '/n'],
      ['bad scope', async () => ctx.store.forUser('me'), 'validation_failed', '/user_id'],
    ]
    const seen = new Set<ErrorCode>()
    for (const [name, run, code, field] of cases) {
      let caught: unknown
      try {
        await run()
      } catch (error) {
        caught = error
      }
      expect({ name, isChatkeepError: isChatkeepError(caught) }).toEqual({
        name,
        isChatkeepError: true,
      })
      const error = caught as ChatkeepError
      expect({ name, code: error.code, status: error.status }).toEqual({
        name,
        code,
        status: ERROR_CODES[code],
      })
      if (field !== undefined) expect({ name, field: error.field }).toEqual({ name, field })
      expect(isChatkeepError(error, code)).toBe(true)
      seen.add(code)
    }
    expect([...seen].sort()).toEqual(
      ['conflict', 'conversation_closed', 'forbidden', 'not_found', 'validation_failed'].sort(),
    )
  })

  it('answers text no engine can store as given with validation_failed, never a 500', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const nul = 'before\u0000after'
    const lone = 'half a pair: \ud83d'
    const messages = ctx.store.messages
    const conversations = ctx.store.conversations
    const cases: [() => Promise<unknown>, string][] = [
      [() => messages.append(conversation.id, { role: 'user', content: nul }), '/content'],
      [() => messages.append(conversation.id, { role: 'user', content: lone }), '/content'],
      [
        () => messages.append(conversation.id, { role: 'user', content: 'x', request_id: nul }),
        '/request_id',
      ],
      [
        () =>
          messages.append(conversation.id, { role: 'user', content: 'x', metadata: { a: [nul] } }),
        '/metadata/a/0',
      ],
      [
        () =>
          messages.append(conversation.id, {
            role: 'user',
            content: 'x',
            metadata: { ['k\u0000']: 1 },
          }),
        '/metadata/k\u0000',
      ],
      [
        () =>
          messages.append(conversation.id, {
            role: 'user',
            content: 'x',
            context_documents: [lone],
          }),
        '/context_documents/0',
      ],
      [
        () =>
          messages.appendMany(conversation.id, [
            { role: 'user', content: 'fine' },
            { role: 'user', content: nul },
          ]),
        '/1/content',
      ],
      [() => conversations.create({ user_id: user.id, title: nul }), '/title'],
      [
        () => conversations.create({ user_id: user.id, parameters: { stop: [lone] } }),
        '/parameters/stop/0',
      ],
      [() => conversations.update(conversation.id, { title: lone }), '/title'],
      [
        () => conversations.update(conversation.id, { metadata: { tags: [nul] } }),
        '/metadata/tags/0',
      ],
      [() => conversations.list({ user_id: user.id, tag: nul }), '/tag'],
      [() => conversations.list({ user_id: user.id, origin: lone }), '/origin'],
      [
        () => ctx.store.forUser(user.id).conversations.findOrCreateByDiscordChannel(nul),
        '/discord_channel_id',
      ],
      [
        () => ctx.store.users.create({ username: uniqueName(), display_name: nul }),
        '/display_name',
      ],
      [() => ctx.store.users.create({ username: uniqueName(), email: lone }), '/email'],
      [
        () => ctx.store.users.update(user.id, { preferences: { theme: nul } }),
        '/preferences/theme',
      ],
    ]
    const before = {
      users: await countRows(ctx.store, 'users'),
      conversations: await countRows(ctx.store, 'conversations'),
      messages: await countRows(ctx.store, 'messages'),
    }
    for (const [run, field] of cases) {
      await expectError(run, 'validation_failed', field)
    }
    expect({
      users: await countRows(ctx.store, 'users'),
      conversations: await countRows(ctx.store, 'conversations'),
      messages: await countRows(ctx.store, 'messages'),
    }).toEqual(before)
    expect(await conversations.get(conversation.id)).toEqual(conversation)
    expect(await ctx.store.users.get(user.id)).toEqual(user)
    // Surrogate pairs are fine: that is how emoji are written.
    const emoji = await messages.append(conversation.id, {
      role: 'user',
      content: '😀 \ud83d\ude00',
    })
    expect((await messages.get(emoji.id)).content).toBe('😀 😀')
  })

  it('answers JSON a caller cannot send (a cycle, a BigInt) with validation_failed', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    await expectError(
      ctx.store.messages.append(conversation.id, { role: 'user', content: 'x', metadata: cyclic }),
      'validation_failed',
      '/metadata',
    )
    await expectError(
      ctx.store.conversations.create({ user_id: user.id, parameters: { seed: 1n } }),
      'validation_failed',
      '/parameters',
    )
    await expectError(
      ctx.store.users.update(user.id, { preferences: { loop: [cyclic] } }),
      'validation_failed',
      '/preferences',
    )
    expect(await ctx.store.conversations.get(conversation.id)).toEqual(conversation)
  })

  it('keeps its code, status and field when thrown through any face', async () => {
    const error = await expectError(
      ctx.store.conversations.list({ limit: 1000 }),
      'validation_failed',
      '/limit',
    )
    expect(error).toBeInstanceOf(ChatkeepError)
    expect(error).toBeInstanceOf(Error)
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/^\/limit: /)
  })
})
