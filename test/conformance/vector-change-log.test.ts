import { expect, it } from 'vitest'
import { MemoryVectorIndex } from '../../src/db/memory-vectors.js'
import type { MessageQuery } from '../../src/db/vector-index.js'
import { describeOnEngine } from '../support/engines.js'
import { exactTopK, seededCorpus } from '../support/vector-corpus.js'
import { createUser } from './helpers.js'

/**
 * PostgreSQL without pgvector (the test server has none): each instance holds the vectors in
 * memory and follows the change log, which an instance that has applied it prunes.
 */
describeOnEngine('the change log of in-memory vector indexes', 'postgres', (ctx) => {
  const DIMS = 8
  const KEEP = 5

  it('keeps its last rows once applied; an instance behind the pruned rows loads afresh and misses nothing', async () => {
    const db = ctx.store.database
    const user = await createUser(ctx.store)
    const mine = ctx.store.forUser(user.id)
    const chat = await mine.conversations.create({})
    const corpus = seededCorpus(3, 30, DIMS)
    const stored: { id: string; embedding: number[]; content: string }[] = []
    const append = async (from: number, to: number) => {
      const slice = corpus.slice(from, to)
      const messages = await mine.messages.appendMany(
        chat.id,
        slice.map((c) => ({ role: 'user' as const, content: c.content, embedding: c.embedding })),
      )
      messages.forEach((m, i) => stored.push({ ...slice[i]!, id: m.id }))
    }
    const query = (v: number[]): MessageQuery => ({
      kind: 'messages',
      vector: Float32Array.from(v),
      k: 5,
      owner: user.id,
    })
    const logRows = async () =>
      Number(
        (
          await db.kysely
            .selectFrom('message_vector_changes')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const probe = seededCorpus(77, 1, DIMS)[0]!.embedding
    const ids = (hits: { id: string }[] | null) => hits?.map((h) => h.id)

    await append(0, 4)
    const ahead = new MemoryVectorIndex('messages', { log_keep: KEEP })
    const behind = new MemoryVectorIndex('messages', { log_keep: KEEP })
    expect(ids(await ahead.nearest(db, query(probe)))).toEqual(exactTopK(stored, probe, 5))
    expect(ids(await behind.nearest(db, query(probe)))).toEqual(exactTopK(stored, probe, 5))

    // One log row per message: past twice KEEP behind the newest, `ahead` prunes as it searches.
    await append(4, 30)
    const before = await logRows()
    expect(before).toBeGreaterThanOrEqual(30)
    expect(ids(await ahead.nearest(db, query(probe)))).toEqual(exactTopK(stored, probe, 5))
    expect(await logRows()).toBe(KEEP)

    // `behind` last saw the log before the rows that are gone: it loads, and sees them all.
    await mine.messages.delete(exactTopK(stored, probe, 1)[0]!)
    const live = stored.filter((s) => s.id !== exactTopK(stored, probe, 1)[0])
    expect(ids(await behind.nearest(db, query(probe)))).toEqual(exactTopK(live, probe, 5))
    expect(ids(await ahead.nearest(db, query(probe)))).toEqual(exactTopK(live, probe, 5))
    // A fresh instance (a restart) is not behind: it loads as it always did.
    const restarted = new MemoryVectorIndex('messages', { log_keep: KEEP })
    expect(ids(await restarted.nearest(db, query(probe)))).toEqual(exactTopK(live, probe, 5))
  })
})
