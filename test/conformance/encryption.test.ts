import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { envToStoreConfig } from '../../src/config/env.js'
import { type Message, openStore, resolveConfig, type Store } from '../../src/index.js'
import { testApp } from '../server/test-app.js'
import { describeEachEngine, type EngineContext } from '../support/engines.js'
import { expectError, expectMessageShape, uniqueName, userWithConversation } from './helpers.js'

const K1 = randomBytes(32).toString('base64')
const K2 = randomBytes(32).toString('base64')
const RING_K1 = `k1:${K1}`
const RING_K2_K1 = `k2:${K2},k1:${K1}`

interface StoredRow {
  id: string
  content: string | null
  encrypted_content: Buffer | null
  key_id: string | null
}

/** A message row as the database holds it. */
async function stored(store: Store, id: string): Promise<StoredRow> {
  return store.database.kysely
    .selectFrom('messages')
    .select(['id', 'content', 'encrypted_content', 'key_id'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

async function setCiphertext(store: Store, id: string, bytes: Buffer): Promise<void> {
  await store.database.kysely
    .updateTable('messages')
    .set({ encrypted_content: bytes })
    .where('id', '=', id)
    .execute()
}

function expectSealed(row: StoredRow, keyId: string, plaintext: string): void {
  expect(row.content).toBeNull()
  expect(row.key_id).toBe(keyId)
  expect(Buffer.isBuffer(row.encrypted_content)).toBe(true)
  // version ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag
  expect(row.encrypted_content!.length).toBe(1 + 12 + Buffer.byteLength(plaintext) + 16)
  if (plaintext !== '') expect(row.encrypted_content!.includes(Buffer.from(plaintext))).toBe(false)
}

describeEachEngine('encryption at rest', (ctx: EngineContext) => {
  let enc: Store
  let both: Store
  let onlyK2: Store
  beforeAll(async () => {
    enc = await ctx.open({ encryption_keys: RING_K1 })
    both = await ctx.open({ encryption_keys: RING_K2_K1 })
    onlyK2 = await ctx.open({ encryption_keys: `k2:${K2}` })
  })

  it('stores content sealed and reads it back through append, get, list, lastN and appendMany', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const mine = enc.forUser(user.id)
    const first = await mine.messages.append(conversation.id, {
      role: 'user',
      content: 'My passport number is X1234567 — ünïcödé ✓',
      metadata: { source: 'web' },
      tokens_used: 3,
    })
    expect(first.content).toBe('My passport number is X1234567 — ünïcödé ✓')
    const batch = await mine.messages.appendMany(conversation.id, [
      { role: 'assistant', content: 'Noted, secret answer one' },
      { role: 'user', content: '' },
      { role: 'assistant', content: 'secret answer two' },
    ])
    const all = [first, ...batch]
    const expected = all.map((m) => [m.sequence, m.content])
    expect(expected).toEqual([
      [1, 'My passport number is X1234567 — ünïcödé ✓'],
      [2, 'Noted, secret answer one'],
      [3, ''],
      [4, 'secret answer two'],
    ])
    for (const m of all) expectSealed(await stored(ctx.store, m.id), 'k1', m.content)

    for (const reader of [mine, enc, both]) {
      const got = await reader.messages.get(first.id)
      expectMessageShape(got)
      expect(got).toEqual(first)
      const page = await reader.messages.list(conversation.id)
      expect(page.data.map((m) => [m.sequence, m.content])).toEqual(expected)
      const window = await reader.messages.lastN(conversation.id, 2)
      expect(window.map((m) => m.content)).toEqual(['', 'secret answer two'])
    }
    const restored = await mine.messages.setFeedback(batch[0]!.id, 1)
    expect(restored.content).toBe('Noted, secret answer one')
    await mine.messages.delete(batch[0]!.id)
    expect((await mine.messages.restore(batch[0]!.id)).content).toBe('Noted, secret answer one')
  })

  it('an admin store seals to the conversation owner, readable from the owner scope', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const one = await enc.messages.append(conversation.id, { role: 'user', content: 'admin one' })
    const many = await enc.messages.appendMany(conversation.id, [
      { role: 'assistant', content: 'admin two' },
    ])
    expect(one.user_id).toBe(user.id)
    expect(many[0]!.user_id).toBe(user.id)
    const page = await enc.forUser(user.id).messages.list(conversation.id)
    expect(page.data.map((m) => m.content)).toEqual(['admin one', 'admin two'])
    await expectError(
      enc.messages.append(crypto.randomUUID(), { role: 'user', content: 'x' }),
      'not_found',
    )
    await enc.conversations.update(conversation.id, { status: 'closed' })
    await expectError(
      enc.messages.append(conversation.id, { role: 'user', content: 'x' }),
      'conversation_closed',
    )
  })

  it('accepts an upper-case id on PostgreSQL and still binds the seal to the stored ids', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const upper = conversation.id.toUpperCase()
    const scoped = enc.forUser(user.id.toUpperCase())
    if (ctx.engine === 'postgres') {
      const m = await scoped.messages.append(upper, { role: 'user', content: 'upper case' })
      expect((await enc.messages.get(m.id)).content).toBe('upper case')
    } else {
      // SQLite keeps ids as text: an upper-case id is another, missing, conversation.
      await expectError(
        scoped.messages.append(upper, { role: 'user', content: 'upper case' }),
        'not_found',
      )
    }
  })

  it('two appends of the same text give different ciphertexts and nonces', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const mine = enc.forUser(user.id)
    const a = await mine.messages.append(conversation.id, { role: 'user', content: 'same text' })
    const b = await mine.messages.append(conversation.id, { role: 'user', content: 'same text' })
    const [ra, rb] = [await stored(ctx.store, a.id), await stored(ctx.store, b.id)]
    expect(ra.encrypted_content!.equals(rb.encrypted_content!)).toBe(false)
    expect(
      ra.encrypted_content!.subarray(1, 13).equals(rb.encrypted_content!.subarray(1, 13)),
    ).toBe(false)
  })

  it('a tampered byte anywhere in the envelope is decryption_failed, never other text', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const mine = enc.forUser(user.id)
    const m = await mine.messages.append(conversation.id, { role: 'user', content: 'tamper me' })
    const original = (await stored(ctx.store, m.id)).encrypted_content!
    // The version byte, a nonce byte, a ciphertext byte, a tag byte; and a cut-off envelope.
    const positions = [0, 5, 13, original.length - 1]
    const variants: Buffer[] = positions.map((at) => {
      const copy = Buffer.from(original)
      copy[at] = copy[at]! ^ 0x01
      return copy
    })
    variants.push(original.subarray(0, 20))
    for (const bytes of variants) {
      await setCiphertext(ctx.store, m.id, bytes)
      const error = await expectError(mine.messages.get(m.id), 'decryption_failed')
      expect(error.message).toContain(m.id)
      await expectError(mine.messages.list(conversation.id), 'decryption_failed')
      await expectError(mine.messages.lastN(conversation.id, 5), 'decryption_failed')
    }
    await setCiphertext(ctx.store, m.id, original)
    expect((await mine.messages.get(m.id)).content).toBe('tamper me')
  })

  it('a ciphertext copied to another message row is decryption_failed there', async () => {
    const alice = await userWithConversation(ctx.store)
    const bob = await userWithConversation(ctx.store)
    const a = await enc.messages.append(alice.conversation.id, { role: 'user', content: 'from A' })
    const sameChat = await enc.messages.append(alice.conversation.id, {
      role: 'user',
      content: 'B, same conversation',
    })
    const otherUser = await enc.messages.append(bob.conversation.id, {
      role: 'user',
      content: 'B, another user',
    })
    const moved = (await stored(ctx.store, a.id)).encrypted_content!
    for (const target of [sameChat, otherUser]) {
      await setCiphertext(ctx.store, target.id, moved)
      const error = await expectError(enc.messages.get(target.id), 'decryption_failed')
      expect(error.message).toMatch(/altered, or belongs to another message/)
    }
    expect((await enc.messages.get(a.id)).content).toBe('from A')
  })

  it('a key id missing from the ring, or no ring at all, is a clear error naming the key', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const m = await enc.messages.append(conversation.id, { role: 'user', content: 'under k1' })
    const missing = await expectError(onlyK2.messages.get(m.id), 'decryption_failed')
    expect(missing.message).toContain('key k1')
    expect(missing.message).toContain('ENCRYPTION_KEYS')
    const none = await expectError(ctx.store.messages.get(m.id), 'decryption_failed')
    expect(none.message).toMatch(/encrypted \(key k1\) but ENCRYPTION_KEYS/)
    await expectError(ctx.store.messages.list(conversation.id), 'decryption_failed')
    // A ring holding the key, active or not, reads it.
    expect((await both.messages.get(m.id)).content).toBe('under k1')
  })

  it('plain-text messages written before encryption was on stay readable next to sealed ones', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const plain = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'before encryption',
    })
    const sealed = await enc.messages.append(conversation.id, { role: 'user', content: 'after' })
    expect((await stored(ctx.store, plain.id)).content).toBe('before encryption')
    const page = await both.messages.list(conversation.id)
    expect(page.data.map((m) => m.content)).toEqual(['before encryption', 'after'])
    expect(page.data.map((m) => m.id)).toEqual([plain.id, sealed.id])
  })

  it('idempotent replays return the first message and a different body is still a conflict', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    for (const store of [enc.forUser(user.id), enc]) {
      const key = uniqueName('turn')
      const input = { role: 'user' as const, content: 'replay me', request_id: key }
      const first = await store.messages.append(conversation.id, input)
      const again = await store.messages.append(conversation.id, input)
      expect(again).toEqual(first)
      const [batchReplay] = await store.messages.appendMany(conversation.id, [input])
      expect(batchReplay).toEqual(first)
      await expectError(
        store.messages.append(conversation.id, { ...input, content: 'another body' }),
        'conflict',
        '/request_id',
      )
      // Replayed from a store whose active key is another: the body is compared in plain text.
      expect(await both.messages.append(conversation.id, input)).toEqual(first)
    }
    const counted = await enc.conversations.get(conversation.id)
    expect(counted.message_count).toBe(2)
  })

  it('full-text search does not find encrypted content', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const word = `zebra${Math.random().toString(36).slice(2, 8)}`
    await enc.messages.append(conversation.id, { role: 'user', content: `sealed ${word}` })
    const plain = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: `plain ${word}`,
    })
    for (const store of [enc, both]) {
      const hits = await store.forUser(user.id).search.search({ q: word })
      expect(hits.data.map((h) => h.id)).toEqual([plain.id])
      expect((await store.search.search({ q: `sealed ${word}` })).data).toEqual([])
    }
  })

  it('the HTTP API and the seed routes read and write sealed content', async () => {
    const t = await testApp(enc)
    const conversation = await enc.forUser(t.users.alice.id).conversations.create({})
    const posted = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: t.as('alice'),
      payload: { role: 'user', content: 'over http' },
    })
    expect(posted.statusCode).toBe(201)
    const message = posted.json<Message>()
    expect(message.content).toBe('over http')
    expectSealed(await stored(ctx.store, message.id), 'k1', 'over http')
    const got = await t.app.inject({ url: `/v1/messages/${message.id}`, headers: t.as('alice') })
    expect(got.json<Message>().content).toBe('over http')

    const seed = await t.app.inject({
      method: 'POST',
      url: '/api/chat/message',
      headers: t.as('alice'),
      payload: { message: 'over the seed route' },
    })
    expect(seed.statusCode).toBe(201)
    const { session_id, message_id } = seed.json<{ session_id: string; message_id: string }>()
    expectSealed(await stored(ctx.store, message_id), 'k1', 'over the seed route')
    const session = await t.app.inject({
      url: `/api/chat/sessions/${session_id}`,
      headers: t.as('alice'),
    })
    expect(session.json().messages.map((m: { content: string }) => m.content)).toEqual([
      'over the seed route',
    ])

    // A row that cannot be opened answers a problem with the stable code, not garbage.
    await setCiphertext(ctx.store, message.id, Buffer.alloc(40))
    const broken = await t.app.inject({ url: `/v1/messages/${message.id}`, headers: t.as('alice') })
    expect(broken.statusCode).toBe(500)
    expect(broken.json()).toMatchObject({ code: 'decryption_failed' })
    await t.app.close()
  })
})

describe('ENCRYPTION_KEYS', () => {
  const thrown = (work: () => unknown) => {
    try {
      work()
    } catch (error) {
      return error as { code: string; message: string; field?: string }
    }
    throw new Error('expected an error')
  }

  it('refuses a bad ring naming the entry, never echoing key material', () => {
    const short = randomBytes(16).toString('base64')
    const cases: [string, RegExp][] = [
      [`k1:${short}`, /entry 1 \(key k1\): the key must be 32 random bytes/],
      [`k1:${K1},k2`, /entry 2 is not ID:BASE64_KEY/],
      [`${K1}`, /entry 1 is not ID:BASE64_KEY/],
      [`k1:${K1},k1:${K2}`, /entry 2: key id k1 is given twice/],
      [`bad id:${K1}`, /entry 1: a key id is/],
      [`k1:${K1.slice(0, -4)}!!!!`, /entry 1 \(key k1\): the key must be 32/],
      [' , ', /is empty/],
    ]
    for (const [value, message] of cases) {
      const fromEnv = thrown(() => envToStoreConfig({ ENCRYPTION_KEYS: value }))
      expect(fromEnv.code).toBe('invalid_config')
      expect(fromEnv.field).toBe('/ENCRYPTION_KEYS')
      expect(fromEnv.message).toMatch(message)
      expect(fromEnv.message).toMatch(/^ENCRYPTION_KEYS /)
      for (const secret of [K1, K2, short]) expect(fromEnv.message).not.toContain(secret)
      const fromConfig = thrown(() => resolveConfig({ encryption_keys: value }))
      expect(fromConfig.field).toBe('/encryption_keys')
    }
  })

  it('accepts base64url keys and blank as off; a config never shows its keys', async () => {
    const url = randomBytes(32).toString('base64url')
    expect(() => resolveConfig({ encryption_keys: ` a.b_c-1 : ${url} , k1:${K1} ` })).not.toThrow()
    expect(envToStoreConfig({ ENCRYPTION_KEYS: '  ' }).encryption_keys).toBeUndefined()
    const error = await openStore({ database_url: ':memory:', encryption_keys: 'k1:nope' }).then(
      () => undefined,
      (e: unknown) => e as { code: string },
    )
    expect(error?.code).toBe('invalid_config')
    const { KeyRing } = await import('../../src/crypto/key-ring.js')
    const ring = KeyRing.parse(RING_K2_K1)
    expect(ring.ids).toEqual(['k2', 'k1'])
    expect(ring.active_id).toBe('k2')
    expect(JSON.stringify(ring)).not.toContain(K1.slice(0, 10))
    expect(inspect(ring, { depth: 5, showHidden: true })).not.toContain(K1.slice(0, 10))
  })
})
