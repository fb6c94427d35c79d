import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { cleanup, type Conversation, type Role, type Store, type User } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { exactTopK, seededCorpus, type CorpusChunk } from '../support/vector-corpus.js'
import { createUser, expectError } from './helpers.js'

/** Vectors in 4 dimensions with known cosines to the query [1, 0, 0, 0]. */
const VECTORS: Record<string, number[]> = {
  exact: [2, 0, 0, 0], // 1
  close: [1, 0.2, 0, 0], // ≈ 0.981
  half: [1, 1, 0, 0], // ≈ 0.707
  orthogonal: [0, 0, 1, 0], // 0
  opposite: [-1, 0, 0, 0], // -1
}
const Q = [1, 0, 0, 0]

describeEachEngine('semantic recall of messages', (ctx) => {
  let user: User
  let other: User
  let chat: Conversation
  let second: Conversation
  const key = new Map<string, string>()
  const names = (hits: { id: string }[]) => hits.map((h) => key.get(h.id))

  it('returns the top-k of the caller’s own messages by cosine, the same on both engines', async () => {
    user = await createUser(ctx.store)
    other = await createUser(ctx.store, 'other')
    const asUser = ctx.store.forUser(user.id)
    chat = await asUser.conversations.create({})
    second = await asUser.conversations.create({})
    // On append, one by one and in a batch, and set later: all three are searched alike.
    const exact = await asUser.messages.append(chat.id, {
      role: 'user',
      content: 'message exact',
      embedding: VECTORS.exact!,
    })
    key.set(exact.id, 'exact')
    const batch = await asUser.messages.appendMany(chat.id, [
      { role: 'assistant', content: 'message close', embedding: VECTORS.close! },
      { role: 'user', content: 'message half', embedding: VECTORS.half! },
      { role: 'assistant', content: 'no vector' },
    ])
    key.set(batch[0]!.id, 'close')
    key.set(batch[1]!.id, 'half')
    key.set(batch[2]!.id, 'none')
    const later = await asUser.messages.append(second.id, { role: 'user', content: 'orthogonal' })
    await asUser.messages.setEmbedding(later.id, { embedding: VECTORS.orthogonal! })
    key.set(later.id, 'orthogonal')
    const opposite = await asUser.messages.append(second.id, {
      role: 'assistant',
      content: 'message opposite',
      embedding: VECTORS.opposite!,
    })
    key.set(opposite.id, 'opposite')
    // Another user's message, on the same vector, and another dimension: never found.
    const theirs = await ctx.store.forUser(other.id).conversations.create({})
    const foreign = await ctx.store.forUser(other.id).messages.append(theirs.id, {
      role: 'user',
      content: 'not yours',
      embedding: Q,
    })
    key.set(foreign.id, 'foreign')
    const threeDims = await asUser.messages.append(chat.id, {
      role: 'user',
      content: 'three dims',
      embedding: [1, 0, 0],
    })
    key.set(threeDims.id, 'three')

    const { data } = await asUser.search.similarMessages({ embedding: Q, k: 3 })
    expect(names(data)).toEqual(['exact', 'close', 'half'])
    expect(data[0]!.score).toBeCloseTo(1, 5)
    expect(data[2]!.score).toBeCloseTo(Math.SQRT1_2, 5)
    expect(data[0]).toEqual({
      id: exact.id,
      object: 'message',
      score: data[0]!.score,
      conversation_id: chat.id,
      role: 'user',
      sequence: 1,
      content: 'message exact',
      created_at: exact.created_at,
    })
    const all = await asUser.search.similarMessages({ embedding: Q, k: 100 })
    expect(names(all.data)).toEqual(['exact', 'close', 'half', 'orthogonal', 'opposite'])
    const mine = await ctx.store.forUser(other.id).search.similarMessages({ embedding: Q })
    expect(names(mine.data)).toEqual(['foreign'])
    // An admin's store searches everyone's messages.
    const everyone = await ctx.store.search.similarMessages({ embedding: Q, k: 2 })
    expect(names(everyone.data).sort()).toEqual(['exact', 'foreign'])
    const three = await asUser.search.similarMessages({ embedding: [1, 0, 0] })
    expect(names(three.data)).toEqual(['three'])
  })

  it('filters by conversation, role and minimum score inside the search', async () => {
    const asUser = ctx.store.forUser(user.id)
    const inSecond = await asUser.search.similarMessages({
      embedding: Q,
      conversation_id: second.id,
      k: 1,
    })
    expect(names(inSecond.data)).toEqual(['orthogonal'])
    const answers = await asUser.search.similarMessages({ embedding: Q, role: 'assistant', k: 1 })
    expect(names(answers.data)).toEqual(['close'])
    const both = await asUser.search.similarMessages({
      embedding: Q,
      role: 'assistant',
      conversation_id: second.id,
    })
    expect(names(both.data)).toEqual(['opposite'])
    const good = await asUser.search.similarMessages({ embedding: Q, min_score: 0.5 })
    expect(names(good.data)).toEqual(['exact', 'close', 'half'])
    const theirs = await asUser.search.similarMessages({
      embedding: Q,
      conversation_id: (await ctx.store.forUser(other.id).conversations.list()).data[0]!.id,
    })
    expect(theirs.data).toEqual([])
  })

  it('replaces and clears an embedding; another user’s message answers not_found', async () => {
    const asUser = ctx.store.forUser(user.id)
    const id = [...key].find(([, name]) => name === 'orthogonal')![0]
    await asUser.messages.setEmbedding(id, { embedding: [3, 0.1, 0, 0] })
    expect(names((await asUser.search.similarMessages({ embedding: Q, k: 1 })).data)).toEqual([
      'exact',
    ])
    expect(
      (await asUser.search.similarMessages({ embedding: Q, k: 2 })).data.map((h) => h.id),
    ).toContain(id)
    await asUser.messages.setEmbedding(id, { embedding: null })
    const all = await asUser.search.similarMessages({ embedding: Q, k: 100 })
    expect(names(all.data)).toEqual(['exact', 'close', 'half', 'opposite'])
    await asUser.messages.setEmbedding(id, { embedding: VECTORS.orthogonal! })
    const foreign = [...key].find(([, name]) => name === 'foreign')![0]
    await expectError(asUser.messages.setEmbedding(foreign, { embedding: Q }), 'not_found')
    await expectError(
      asUser.messages.setEmbedding('00000000-0000-7000-8000-000000000000', { embedding: Q }),
      'not_found',
    )
  })

  it('leaves out deleted messages and conversations at once, and brings restored ones back', async () => {
    const asUser = ctx.store.forUser(user.id)
    const exact = [...key].find(([, name]) => name === 'exact')![0]
    await asUser.messages.delete(exact)
    expect(names((await asUser.search.similarMessages({ embedding: Q, k: 1 })).data)).toEqual([
      'close',
    ])
    await asUser.messages.restore(exact)
    expect(names((await asUser.search.similarMessages({ embedding: Q, k: 1 })).data)).toEqual([
      'exact',
    ])
    await asUser.conversations.delete(second.id)
    const all = await asUser.search.similarMessages({ embedding: Q, k: 100 })
    expect(names(all.data)).toEqual(['exact', 'close', 'half'])
    await asUser.conversations.restore(second.id)
    const back = await asUser.search.similarMessages({ embedding: Q, k: 100 })
    expect(names(back.data)).toEqual(['exact', 'close', 'half', 'orthogonal', 'opposite'])
  })

  it('refuses embeddings of no dimension, too many dimensions or non-finite numbers', async () => {
    const asUser = ctx.store.forUser(user.id)
    const before = (await asUser.conversations.get(chat.id)).message_count
    await expectError(
      asUser.messages.append(chat.id, { role: 'user', content: 'x', embedding: [] }),
      'validation_failed',
      '/embedding',
    )
    await expectError(
      asUser.messages.append(chat.id, {
        role: 'user',
        content: 'x',
        embedding: Array.from({ length: 4097 }, () => 1),
      }),
      'validation_failed',
      '/embedding',
    )
    await expectError(
      asUser.messages.appendMany(chat.id, [
        { role: 'user', content: 'x', embedding: Q },
        { role: 'user', content: 'y', embedding: [1, Number.NaN] },
      ]),
      'validation_failed',
    ).then((error) => expect(error.field).toMatch(/^\/1\/embedding/))
    const id = [...key].find(([, name]) => name === 'half')![0]
    const infinite = await expectError(
      asUser.messages.setEmbedding(id, { embedding: [Number.POSITIVE_INFINITY] }),
      'validation_failed',
    )
    expect(infinite.field).toMatch(/^\/embedding/)
    await expectError(
      asUser.search.similarMessages({ embedding: [] }),
      'validation_failed',
      '/embedding',
    )
    await expectError(
      asUser.search.similarMessages({ embedding: Q, conversation_id: 'nope' }),
      'validation_failed',
      '/conversation_id',
    )
    expect((await asUser.conversations.get(chat.id)).message_count).toBe(before)
  })

  it('takes erased users’ messages out of the index itself', async () => {
    const db = ctx.store.database
    const foreign = [...key].find(([, name]) => name === 'foreign')![0]
    const indexed = async () =>
      (
        (await db.vectors.nearest(db, {
          kind: 'messages',
          vector: new Float32Array(Q),
          k: 100,
          owner: null,
        })) ?? []
      ).map((h) => h.id)
    expect(await indexed()).toContain(foreign)
    await ctx.store.privacy.erase(other.id)
    expect(await indexed()).not.toContain(foreign)
    expect(await indexed()).toHaveLength(5)
  })

  it('takes purged messages out of the index with their rows', async () => {
    const db = ctx.store.database
    const half = [...key].find(([, name]) => name === 'half')![0]
    await ctx.store.forUser(user.id).messages.delete(half)
    const later = new Date(Date.now() + 60 * 86_400_000)
    const report = await cleanup(ctx.store, { retention_days: 30, now: later })
    expect(report.removed.messages).toBeGreaterThanOrEqual(1)
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from messages
      where id = ${half}`.execute(db.kysely)
    expect(Number(rows[0]!.n)).toBe(0)
    const indexed = await db.vectors.nearest(db, {
      kind: 'messages',
      vector: new Float32Array(VECTORS.half!),
      k: 100,
      owner: null,
    })
    expect(indexed?.map((h) => h.id)).not.toContain(half)
    if (ctx.engine === 'sqlite') {
      const { rows: vec } = await sql<{ n: number }>`select count(*) as n from message_vectors_4
        where message_id = ${half}`.execute(db.kysely)
      expect(Number(vec[0]!.n)).toBe(0)
    }
  })

  it('opens encrypted messages for their hits; the embedding is stored as given', async () => {
    const enc = await ctx.open({ encryption_keys: `k1:${randomBytes(32).toString('base64')}` })
    const owner = await createUser(enc)
    const asOwner = enc.forUser(owner.id)
    const secretChat = await asOwner.conversations.create({})
    const sealed = await asOwner.messages.append(secretChat.id, {
      role: 'user',
      content: 'a sealed secret',
      embedding: [0, 0, 0, 1],
    })
    const { rows } = await sql<{ content: string | null }>`select content from messages
      where id = ${sealed.id}`.execute(enc.database.kysely)
    expect(rows[0]!.content).toBeNull()
    const { data } = await asOwner.search.similarMessages({ embedding: [0, 0, 0, 1], k: 1 })
    expect(data.map((h) => [h.id, h.content])).toEqual([[sealed.id, 'a sealed secret']])
  })

  it('leaves neither message nor vector when the vector’s write fails', async () => {
    const asUser = ctx.store.forUser(user.id)
    const db = ctx.store.database
    // The index of 5 dimensions is made, then broken under the trigger that feeds it.
    const first = await asUser.messages.append(chat.id, {
      role: 'user',
      content: 'five',
      embedding: [1, 0, 0, 0, 0],
    })
    const before = await asUser.conversations.get(chat.id)
    const broken =
      ctx.engine === 'sqlite'
        ? sql`drop table message_vectors_5`
        : sql`alter table message_vector_changes add constraint refuse check (false) not valid`
    await broken.execute(db.kysely)
    try {
      await expect(
        asUser.messages.append(chat.id, {
          role: 'user',
          content: 'lost',
          embedding: [0, 1, 0, 0, 0],
        }),
      ).rejects.toThrow()
      await expect(
        asUser.messages.appendMany(chat.id, [
          { role: 'user', content: 'lost too' },
          { role: 'user', content: 'lost as well', embedding: [0, 1, 0, 0, 0] },
        ]),
      ).rejects.toThrow()
    } finally {
      const repair =
        ctx.engine === 'sqlite'
          ? sql`select 1`
          : sql`alter table message_vector_changes drop constraint refuse`
      await repair.execute(db.kysely)
    }
    const after = await asUser.conversations.get(chat.id)
    expect(after.message_count).toBe(before.message_count)
    expect(after.total_tokens).toBe(before.total_tokens)
    const page = await asUser.messages.list(chat.id, { limit: 200 })
    expect(page.data.map((m) => m.content)).not.toContain('lost')
    expect(page.data.map((m) => m.content)).not.toContain('lost too')
    expect(page.data.at(-1)!.id).toBe(first.id)
    if (ctx.engine === 'postgres') {
      const found = await asUser.search.similarMessages({ embedding: [0, 1, 0, 0, 0] })
      expect(found.data.map((h) => h.id)).toEqual([first.id])
    }
  })
})

describeEachEngine('message vector index', (ctx) => {
  const DIMS = 16
  const corpus: (CorpusChunk & {
    id: string
    owner: string
    conversation_id: string
    role: string
  })[] = []
  const owners: string[] = []
  const recall = async (
    store: Store,
    owner: string,
    q: number[],
    options: { k?: number; conversation_id?: string; role?: Role } = {},
  ) =>
    (
      await store.forUser(owner).search.similarMessages({ embedding: q, k: 10, ...options })
    ).data.map((h) => h.id)

  it('answers the exact top-k for a shared corpus, per user and filtered', async () => {
    owners.push((await createUser(ctx.store)).id, (await createUser(ctx.store)).id)
    const vectors = seededCorpus(11, 200, DIMS)
    const chats: string[][] = []
    for (const owner of owners) {
      chats.push([
        (await ctx.store.forUser(owner).conversations.create({})).id,
        (await ctx.store.forUser(owner).conversations.create({})).id,
      ])
    }
    for (let part = 0; part < 4; part++) {
      const owner = owners[part % 2]!
      const conversation_id = chats[part % 2]![Math.floor(part / 2)]!
      const slice = vectors.slice(part * 50, part * 50 + 50)
      const stored = await ctx.store.forUser(owner).messages.appendMany(
        conversation_id,
        slice.map((v, i) => ({
          role: i % 3 === 0 ? ('assistant' as const) : ('user' as const),
          content: v.content,
          embedding: v.embedding,
        })),
      )
      stored.forEach((m, i) =>
        corpus.push({ ...slice[i]!, id: m.id, owner, conversation_id, role: m.role }),
      )
    }
    for (const q of seededCorpus(99, 6, DIMS).map((c) => c.embedding)) {
      const mine = corpus.filter((c) => c.owner === owners[0])
      expect(await recall(ctx.store, owners[0]!, q)).toEqual(exactTopK(mine, q, 10))
      const chat = chats[0]![1]!
      expect(await recall(ctx.store, owners[0]!, q, { conversation_id: chat, k: 5 })).toEqual(
        exactTopK(
          mine.filter((c) => c.conversation_id === chat),
          q,
          5,
        ),
      )
      expect(await recall(ctx.store, owners[0]!, q, { role: 'assistant', k: 5 })).toEqual(
        exactTopK(
          mine.filter((c) => c.role === 'assistant'),
          q,
          5,
        ),
      )
      expect(await recall(ctx.store, owners[1]!, q, { conversation_id: chat })).toEqual([])
    }
  })

  it('sees messages appended and deleted through a second store, and after a restart', async () => {
    const second = await ctx.open()
    const probe = seededCorpus(5, 1, DIMS)[0]!.embedding
    const before = await recall(second, owners[0]!, probe, { k: 1 })
    const chat = corpus.find((c) => c.owner === owners[0])!.conversation_id
    const m = await ctx.store
      .forUser(owners[0]!)
      .messages.append(chat, { role: 'user', content: 'probe', embedding: probe })
    expect(await recall(second, owners[0]!, probe, { k: 1 })).toEqual([m.id])
    expect(await recall(second, owners[1]!, probe, { k: 1 })).not.toContain(m.id)
    await ctx.store.forUser(owners[0]!).messages.delete(m.id)
    expect(await recall(second, owners[0]!, probe, { k: 1 })).toEqual(before)
    const later = await ctx.store
      .forUser(owners[1]!)
      .messages.append(corpus.find((c) => c.owner === owners[1])!.conversation_id, {
        role: 'user',
        content: 'later',
      })
    await ctx.store.forUser(owners[1]!).messages.setEmbedding(later.id, { embedding: probe })
    await second.close()
    const restarted = await ctx.open()
    expect(await recall(restarted, owners[1]!, probe, { k: 1 })).toEqual([later.id])
  })
})
