/**
 * Structured content (issue 12, item 4): `parts` as LLM APIs send them, validated, stored as
 * given next to the plain-text `content`, sealed with it under encryption at rest, and kept by
 * export, import and JSON transcripts.
 */
import { randomBytes } from 'node:crypto'
import { PassThrough, Readable } from 'node:stream'
import { beforeAll, expect, it } from 'vitest'
import { KeyRing } from '../../src/crypto/key-ring.js'
import { openCipher } from '../../src/crypto/open-cipher.js'
import { rotateKeys } from '../../src/crypto/rotate.js'
import type { Database } from '../../src/db/database.js'
import {
  exportDatabase,
  importDatabase,
  type NewMessage,
  openStore,
  type Store,
} from '../../src/index.js'
import { describeEachEngine, createTestDatabase } from '../support/engines.js'
import { countRows, expectError, expectMessageShape, userWithConversation } from './helpers.js'

/** One turn with a tool: the question with an image, the call, its result, and the answer. */
const TURN: NewMessage[] = [
  {
    role: 'user',
    content: 'What is in this picture, and the weather there?',
    parts: [
      { type: 'text', text: 'What is in this picture, and the weather there?' },
      { type: 'image', url: 'https://example.com/lisbon.jpg', detail: 'low' },
      { type: 'file', file_id: 'file-abc123', media_type: 'application/pdf', filename: 'trip.pdf' },
    ],
  },
  {
    role: 'assistant',
    content: '',
    parts: [
      { type: 'reasoning', text: 'The tram is Lisbon; ask for its weather.', signature: 'sig==' },
      {
        type: 'tool_call',
        id: 'call_1',
        name: 'get_weather',
        arguments: { city: 'Lisbon', unit: 'celsius' },
      },
    ],
  },
  {
    role: 'tool',
    content: '{"temperature":21}',
    parts: [{ type: 'tool_result', tool_call_id: 'call_1', output: { temperature: 21 } }],
  },
  {
    role: 'assistant',
    content: 'A Lisbon tram; it is 21 °C there.',
    parts: [{ type: 'text', text: 'A Lisbon tram; it is 21 °C there.' }],
  },
]

const K1 = `k1:${randomBytes(32).toString('base64')}`
const K2 = `k2:${randomBytes(32).toString('base64')}`

describeEachEngine('message parts', (ctx) => {
  let sealed: Store
  beforeAll(async () => {
    sealed = await ctx.open({ encryption_keys: K1 })
  })

  it('stores parts as given and answers them from every read; content stays the plain text', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const appended = [
      await ctx.store.messages.append(conversation.id, TURN[0]!),
      ...(await ctx.store.messages.appendMany(conversation.id, TURN.slice(1))),
    ]
    appended.forEach((m, i) => {
      expectMessageShape(m)
      expect(m.parts).toEqual(TURN[i]!.parts)
    })
    expect(await ctx.store.messages.lastN(conversation.id, 4)).toEqual(appended)
    expect((await ctx.store.messages.list(conversation.id)).data).toEqual(appended)
    expect(await ctx.store.messages.get(appended[1]!.id)).toEqual(appended[1])
    const plain = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'hi' })
    expect(plain.parts).toBeNull()
    expect((await ctx.store.messages.get(plain.id)).parts).toBeNull()
    // Search reads content only: the tool's arguments are not found.
    const hits = await ctx.store.search.search({ q: 'tram', scope: 'messages' })
    expect(hits.data.map((h) => h.id)).toContain(appended[3]!.id)
    expect((await ctx.store.search.search({ q: 'celsius', scope: 'messages' })).data).toEqual([])
  })

  it.each([
    [
      {
        role: 'user',
        content: 'x',
        parts: [{ type: 'tool_call', id: 'c', name: 'n', arguments: {} }],
      },
      '/parts/0/type',
    ],
    [
      {
        role: 'assistant',
        content: 'x',
        parts: [{ type: 'tool_result', tool_call_id: 'c', output: 1 }],
      },
      '/parts/0/type',
    ],
    [{ role: 'system', content: 'x', parts: [{ type: 'reasoning', text: 'r' }] }, '/parts/0/type'],
    [{ role: 'user', content: 'x', parts: [{ type: 'image' }] }, '/parts/0'],
    [
      { role: 'user', content: 'x', parts: [{ type: 'image', url: 'https://a', file_id: 'f' }] },
      '/parts/0',
    ],
    [{ role: 'user', content: 'x', parts: [{ type: 'video', url: 'https://a' }] }, '/parts/0'],
    [{ role: 'user', content: 'x', parts: [{ type: 'text', text: 'a', extra: 1 }] }, '/parts/0'],
    [
      {
        role: 'assistant',
        content: 'x',
        parts: [{ type: 'tool_call', id: 'c', name: '', arguments: {} }],
      },
      '/parts/0',
    ],
    [
      {
        role: 'assistant',
        content: 'x',
        parts: [
          { type: 'tool_call', id: 'c', name: 'a', arguments: {} },
          { type: 'tool_call', id: 'c', name: 'b', arguments: {} },
        ],
      },
      '/parts/1/id',
    ],
    [
      { role: 'user', content: 'x', parts: [{ type: 'text', text: 'x'.repeat(1024 * 1024) }] },
      '/parts',
    ],
    [
      {
        role: 'user',
        content: 'x',
        parts: Array.from({ length: 1001 }, () => ({ type: 'text', text: '' })),
      },
      '/parts',
    ],
  ])('refuses bad parts with the field at fault, storing nothing (%#)', async (input, field) => {
    const { conversation } = await userWithConversation(ctx.store)
    const error = await expectError(
      ctx.store.messages.append(conversation.id, input as NewMessage),
      'validation_failed',
    )
    expect(error.field?.startsWith(field)).toBe(true)
    expect(error.status).toBe(400)
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(0)
  })

  it('names the batch item at fault, and a batch failing midway stores none of it', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await expectError(
      ctx.store.messages.appendMany(conversation.id, [
        TURN[0]!,
        { role: 'user', content: 'x', parts: [{ type: 'reasoning', text: 'r' }] },
      ]),
      'validation_failed',
      '/1/parts/0/type',
    )
    // A batch that reaches the database and fails there on its second row.
    const taken = await ctx.store.messages.append(conversation.id, {
      role: 'tool',
      content: 'first',
      request_id: 'turn-9',
    })
    await expectError(
      ctx.store.messages.appendMany(conversation.id, [
        TURN[1]!,
        { ...TURN[2]!, request_id: 'turn-9' },
      ]),
      'conflict',
    )
    expect((await ctx.store.messages.list(conversation.id)).data).toEqual([taken])
    expect((await ctx.store.conversations.get(conversation.id)).message_count).toBe(1)
  })

  it('replays an append with the same parts, and calls other parts a conflict', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const input = { ...TURN[1]!, request_id: 'turn-1' }
    const first = await ctx.store.messages.append(conversation.id, input)
    expect(await ctx.store.messages.append(conversation.id, input)).toEqual(first)
    await expectError(
      ctx.store.messages.append(conversation.id, {
        ...input,
        parts: [{ type: 'tool_call', id: 'call_2', name: 'get_weather', arguments: {} }],
      }),
      'conflict',
      '/request_id',
    )
  })

  it('seals parts with the content under encryption at rest, and rotation carries them over', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const mine = sealed.forUser(user.id).messages
    const call = await mine.append(conversation.id, TURN[1]!)
    const none = await mine.append(conversation.id, { role: 'user', content: 'no parts' })
    const row = async (id: string) =>
      ctx.store.database.kysely
        .selectFrom('messages')
        .select(['parts', 'encrypted_parts', 'key_id'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    const stored = await row(call.id)
    expect(stored.parts).toBeNull()
    expect(stored.key_id).toBe('k1')
    expect(Buffer.from(stored.encrypted_parts!).includes(Buffer.from('get_weather'))).toBe(false)
    expect(await row(none.id)).toMatchObject({ parts: null, encrypted_parts: null })
    expect((await mine.get(call.id)).parts).toEqual(TURN[1]!.parts)
    // Without the ring the parts are as unreadable as the content.
    await expectError(ctx.store.messages.get(call.id), 'decryption_failed')

    // Parts put in the content's place (or the other way round) do not open.
    const copy = await sealed.messages.append(conversation.id, TURN[1]!)
    const original = await ctx.store.database.kysely
      .selectFrom('messages')
      .select(['encrypted_content', 'encrypted_parts'])
      .where('id', '=', copy.id)
      .executeTakeFirstOrThrow()
    await ctx.store.database.kysely
      .updateTable('messages')
      .set({
        encrypted_content: original.encrypted_parts!,
        encrypted_parts: original.encrypted_content!,
      })
      .where('id', '=', copy.id)
      .execute()
    await expectError(sealed.messages.get(copy.id), 'decryption_failed')
    await sealed.messages.delete(copy.id)
    await ctx.store.database.kysely.deleteFrom('messages').where('id', '=', copy.id).execute()
    // Removed by hand, as a purge would: and as a purge does, the active leaf moves back.
    await ctx.store.database.kysely
      .updateTable('conversations')
      .set({ active_leaf_id: none.id })
      .where('id', '=', conversation.id)
      .execute()

    const plainBefore = await ctx.store.messages.append(conversation.id, TURN[2]!)
    // The cipher `chatkeep keys rotate` builds: the new ring over this database's key store.
    const ring = openCipher(ctx.store.database, KeyRing.parse(`${K2},${K1}`))
    try {
      await rotateKeys(ctx.store.database, ring, { batch_size: 2, encrypt_plaintext: true })
    } finally {
      await ring.user_keys?.close()
    }
    const onlyK2 = await ctx.open({ encryption_keys: K2 })
    expect((await onlyK2.messages.get(call.id)).parts).toEqual(TURN[1]!.parts)
    expect((await onlyK2.messages.get(plainBefore.id)).parts).toEqual(TURN[2]!.parts)
    expect(await row(plainBefore.id)).toMatchObject({ parts: null, key_id: 'k2' })
  })

  it('keeps parts through a JSON transcript and a logical export and import', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const messages = await ctx.store.messages.appendMany(conversation.id, TURN)
    const transcript = await ctx.store.forUser(user.id).transcripts.create(conversation.id, {
      format: 'json',
    })
    const { body: stream } = await ctx.store.forUser(user.id).transcripts.read(transcript.id)
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    expect(body.messages.map((m: { parts: unknown }) => m.parts)).toEqual(TURN.map((m) => m.parts))

    const text = await exportText(ctx.store.database)
    const target = await createTestDatabase(ctx.engine === 'sqlite' ? 'postgres' : 'sqlite')
    const copy = await openStore({ database_url: target.database_url, migrate: true })
    try {
      await importDatabase(copy.database, Readable.from([Buffer.from(text)]), { replace: false })
      const back = await copy.messages.lastN(conversation.id, 4)
      expect(back).toEqual(messages)
    } finally {
      await copy.close()
      await target.drop()
    }
  })
})

async function exportText(db: Database): Promise<string> {
  const chunks: Buffer[] = []
  const out = new PassThrough()
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await exportDatabase(db, out)
  out.end()
  return Buffer.concat(chunks).toString('utf8')
}
