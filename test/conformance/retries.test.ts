import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uuid7 } from '../../src/lib/uuid7.js'
import { openStore, type Store } from '../../src/index.js'
import { createTestDatabase, describeOnEngine, type TestDatabase } from '../support/engines.js'
import { startPgProxy } from '../support/pg-proxy.js'
import { startWorker } from '../support/workers.js'
import { countRows, sleep, userWithConversation } from './helpers.js'

/**
 * Writes that fail retriably are retried (guarantee 8) and land exactly once: on PostgreSQL a
 * deadlock and a dropped connection, on SQLite another process's lock.
 */
describeOnEngine('retried writes', 'postgres', (ctx) => {
  it('retries an append chosen as a deadlock victim, and stores it once', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const other = new pg.Client({ connectionString: ctx.database.database_url })
    await other.connect()
    try {
      // The other transaction never detects the deadlock itself: the store's append is the victim.
      await other.query(`set deadlock_timeout = '60s'`)
      await other.query('begin')
      // It holds the idempotency key the append needs, uncommitted…
      await other.query(
        `insert into messages (id, conversation_id, user_id, sequence, role, content, request_id, created_at)
         values ($1, $2, $3, 1000, 'user', 'other', 'turn-1', now())`,
        [uuid7(), conversation.id, user.id],
      )
      // …so the append, once it has taken the conversation's row lock, waits for it.
      const append = ctx.store.messages.append(conversation.id, {
        role: 'user',
        content: 'mine',
        request_id: 'turn-1',
      })
      await waitForLockWait(ctx.database.database_url, await backendPid(other))
      // Now the other one wants the row lock the append holds: a deadlock.
      await other.query('update conversations set title = $1 where id = $2', ['x', conversation.id])
      await other.query('rollback')
      const message = await append
      expect(message).toMatchObject({ content: 'mine', sequence: 1, request_id: 'turn-1' })
    } finally {
      await other.end()
    }
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(1)
    expect((await ctx.store.conversations.get(conversation.id)).message_count).toBe(1)
  })

  it('retries an append and a transaction whose connection dropped before they arrived, and stores each once', async () => {
    const proxy = await startPgProxy(new URL(ctx.database.database_url))
    const relayed = await openStore({ database_url: proxy.url })
    try {
      const { conversation } = await userWithConversation(ctx.store)
      proxy.cut({ match: /dropped-once/, action: 'cut_before', times: 1 })
      const message = await relayed.messages.append(conversation.id, {
        role: 'user',
        content: 'dropped-once',
      })
      expect(message.sequence).toBe(1)
      // Inside a transaction: the connection goes at its second statement; it runs again whole.
      proxy.cut({ match: /^update "conversations"/, action: 'cut_before', times: 1 })
      await relayed.conversations.delete(conversation.id)
      expect(proxy.cuts.map((c) => c.action)).toEqual(['cut_before', 'cut_before'])
    } finally {
      await relayed.close()
      await proxy.stop()
    }
    expect(await countRows(ctx.store, 'messages', { content: 'dropped-once' })).toBe(1)
    const [row] = (
      await sql<{ message_count: number; deleted: boolean }>`select message_count,
        deleted_at is not null as deleted from conversations c
        where exists (select 1 from messages m where m.conversation_id = c.id and m.content = 'dropped-once')`.execute(
        ctx.store.database.kysely,
      )
    ).rows
    expect(row).toEqual({ message_count: 1, deleted: true })
  })
})

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid
}

/** Until a backend of this database other than `not` waits on a lock. */
async function waitForLockWait(url: string, not: number): Promise<void> {
  const watcher = new pg.Client({ connectionString: url })
  await watcher.connect()
  try {
    for (let i = 0; i < 500; i++) {
      const { rows } = await watcher.query(
        `select 1 from pg_stat_activity where datname = current_database() and pid <> $1
           and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
        [not],
      )
      if (rows.length > 0) return
      await sleep(10)
    }
    throw new Error('the append never waited on the lock')
  } finally {
    await watcher.end()
  }
}

describe('retried writes [sqlite]', () => {
  let database: TestDatabase
  let store: Store
  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
    store = await openStore({ database_url: database.database_url, migrate: true })
  })
  afterAll(async () => {
    await store?.close()
    await database?.drop()
  })

  it("waits out another process's lock in a transaction and an append, and stores each once", async () => {
    const { conversation } = await userWithConversation(store)
    const doomed = await store.conversations.create({
      user_id: (await store.conversations.get(conversation.id)).user_id,
    })
    const holder = startWorker('lock-holder.ts', ['--path', database.database_url])
    try {
      await holder.waitForLines(/^locked$/)
      // Both meet SQLITE_BUSY at once (busy_timeout is 0) and wait for the lock without blocking.
      const append = store.messages.append(conversation.id, { role: 'user', content: 'waited' })
      const deletion = store.conversations.delete(doomed.id)
      await sleep(300)
      expect(await store.messages.lastN(conversation.id, 5)).toEqual([])
      holder.send('release')
      await holder.waitForLines(/^released$/)
      expect((await append).sequence).toBe(1)
      await deletion
    } finally {
      holder.kill()
    }
    expect(await countRows(store, 'messages', { conversation_id: conversation.id })).toBe(1)
    expect((await store.conversations.get(conversation.id)).message_count).toBe(1)
    await expect(store.conversations.get(doomed.id)).rejects.toMatchObject({ code: 'not_found' })
  })
})
