import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../support/engines.js'
import { startWorker, type Worker } from '../support/workers.js'
import { countRows, expectChatkeepError, sleep, userWithConversation } from './helpers.js'

/**
 * The longest pause between the ticks of a 10 ms interval while `work` runs: how long the event
 * loop was kept from running anything else. A correctness check that the loop never stops for
 * another process's lock (a blocked loop shows a pause as long as the lock is held), not a
 * speed measurement.
 */
async function longestPause<T>(work: () => Promise<T>): Promise<{ result: T; pause_ms: number }> {
  let last = performance.now()
  let pause = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    pause = Math.max(pause, now - last)
    last = now
  }, 10)
  try {
    const result = await work()
    pause = Math.max(pause, performance.now() - last)
    return { result, pause_ms: pause }
  } finally {
    clearInterval(ticker)
  }
}

/** How long the other process holds the lock while the store is used. */
const HOLD_MS = 2_000

describe("another process's SQLite write lock [sqlite]", () => {
  let database: TestDatabase
  let store: Store
  const holders: Worker[] = []

  const holdLock = async (): Promise<Worker> => {
    const holder = startWorker('lock-holder.ts', ['--path', database.database_url])
    holders.push(holder)
    await holder.waitForLines(/^locked$/)
    return holder
  }

  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
    store = await openStore({ database_url: database.database_url, migrate: true })
  })
  afterAll(async () => {
    for (const holder of holders) holder.kill()
    await store?.close()
    await database?.drop()
  })

  it('never stops the event loop: reads answer while it is held, and a write lands once it is released', async () => {
    const { conversation } = await userWithConversation(store)
    await store.messages.append(conversation.id, { role: 'user', content: 'before' })
    const holder = await holdLock()
    const { result, pause_ms } = await longestPause(async () => {
      let released = false
      const write = store.messages
        .append(conversation.id, { role: 'assistant', content: 'during' })
        .then((message) => ({ message, released_first: released }))
      // Reads go on meanwhile, from the store's own connection: WAL needs no write lock for them.
      const reads = await Promise.all([
        store.messages.lastN(conversation.id, 10),
        store.conversations.get(conversation.id),
        store.database.ping(),
      ])
      expect(holder.lines).not.toContain('released')
      await sleep(HOLD_MS)
      released = true
      holder.send('release')
      await holder.waitForLines(/^released$/)
      return { reads, written: await write }
    })
    expect(result.reads[0].map((m) => m.content)).toEqual(['before'])
    expect(result.written.released_first).toBe(true)
    expect(result.written.message.sequence).toBe(2)
    expect(await countRows(store, 'messages', { conversation_id: conversation.id })).toBe(2)
    expect(pause_ms).toBeLessThan(HOLD_MS / 4)
  })

  it('gives up a write after sqlite_busy_timeout_ms in all with unavailable, retriable, and nothing written', async () => {
    const impatient = await openStore({
      database_url: database.database_url,
      sqlite_busy_timeout_ms: HOLD_MS / 2,
    })
    try {
      const { conversation } = await userWithConversation(impatient)
      const holder = await holdLock()
      const { result: error, pause_ms } = await longestPause(async () => {
        try {
          await impatient.messages.append(conversation.id, { role: 'user', content: 'x' })
        } catch (caught) {
          return caught
        }
        return undefined
      })
      expect(holder.lines).not.toContain('released')
      expectChatkeepError(error)
      expect({ code: error.code, retriable: error.retriable }).toEqual({
        code: 'unavailable',
        retriable: true,
      })
      expect(error.message).toMatch(/locked by another connection or process/)
      expect(pause_ms).toBeLessThan(HOLD_MS / 4)
      holder.send('release')
      await holder.waitForLines(/^released$/)
      expect(await countRows(impatient, 'messages', { conversation_id: conversation.id })).toBe(0)
    } finally {
      await impatient.close()
    }
  })
})
