import { sql } from 'kysely'
import { LIMITS, type Store } from '../src/index.js'
import { uuid7 } from '../src/lib/uuid7.js'
import type { Side, Sides } from './measure.js'
import { message } from './payloads.js'
import type { Target } from './subject.js'

/** Setup, not measured: users, conversations and their messages, made as fast as is convenient. */

export async function createUsers(store: Store, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    ids.push((await store.users.create({ username: `${prefix}-${i}` })).id)
  }
  return ids
}

export async function createConversations(
  store: Store,
  user_id: string,
  count: number,
): Promise<Target[]> {
  const targets: Target[] = []
  for (let i = 0; i < count; i++) {
    const c = await store.conversations.create({ user_id, title: `bench ${i}` })
    targets.push({ conversation_id: c.id, user_id })
  }
  return targets
}

/** Fills a conversation with `count` messages through appendMany, a full batch at a time. */
export async function fillConversation(store: Store, target: Target, count: number): Promise<void> {
  const messages = store.forUser(target.user_id).messages
  for (let done = 0; done < count;) {
    const n = Math.min(LIMITS.batch, count - done)
    await messages.appendMany(
      target.conversation_id,
      Array.from({ length: n }, (_, i) => message(done + i)),
    )
    done += n
  }
}

/**
 * W3's conversations, inserted in bulk: `count` spread evenly over `users`, one in ten of each
 * user's soft-deleted, last_activity scattered over the past weeks so users' lists interleave.
 */
export async function seedConversations(
  store: Store,
  users: string[],
  count: number,
): Promise<void> {
  const base = Date.parse('2026-11-01T00:00:00.000Z')
  const rows = Array.from({ length: count }, (_, k) => {
    const created = new Date(base - 86_400_000 * 30).toISOString()
    // k ↦ k·7919 mod count is a permutation (7919 is prime): activity times out of insert order.
    const active = new Date(base - ((k * 7919) % count) * 60_000).toISOString()
    const deleted = Math.floor(k / users.length) % 10 === 3
    return {
      id: uuid7(),
      short_id: `w3${k.toString(36).padStart(8, '0')}`,
      user_id: users[k % users.length]!,
      title: `Conversation ${k} about the context window`,
      status: 'active',
      origin: 'api',
      discord_channel_id: null,
      parameters: JSON.stringify({ temperature: 0.7, max_tokens: 1024 }),
      metadata: JSON.stringify({ tags: ['bench', k % 2 === 0 ? 'even' : 'odd'], category: 'w3' }),
      message_count: 0,
      total_tokens: 0,
      created_at: created,
      updated_at: active,
      last_activity: active,
      archived_at: null,
      ended_at: null,
      deleted_at: deleted ? active : null,
    }
  })
  const db = store.database
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 500) {
      await tx.kysely
        .insertInto('conversations')
        .values(rows.slice(i, i + 500))
        .execute()
    }
  })
}

/** Fresh planner statistics after the bulk load, as autovacuum would have them (PostgreSQL). */
export async function analyze(store: Store): Promise<void> {
  if (store.engine !== 'postgres') return
  await sql`analyze`.execute(store.database.kysely)
}

/** Sets up data once per database: both sides read the same rows where they share one. */
export async function onEachDatabase<T>(
  stores: Sides<Store>,
  setup: (store: Store, side: Side) => Promise<T>,
): Promise<Sides<T>> {
  const chatkeep = await setup(stores.chatkeep, 'chatkeep')
  const baseline =
    stores.baseline === stores.chatkeep ? chatkeep : await setup(stores.baseline, 'baseline')
  return { chatkeep, baseline }
}
