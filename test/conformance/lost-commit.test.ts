import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatkeepError, type Message, openStore, type Store } from '../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../support/engines.js'
import { startPgProxy } from '../support/pg-proxy.js'
import { expectChatkeepError, userWithConversation } from './helpers.js'

type Fate =
  /** The link is cut right after the append is sent, once: it commits, its answer is lost. */
  | 'lost_answer'
  /** The same, and every retry is cut before it reaches the server: only a look can tell. */
  | 'lost_answer_then_down'
  /** Every attempt is cut before it reaches the server: nothing is stored. */
  | 'never_arrives'
  | 'untouched'

const FATES: Fate[] = ['lost_answer', 'lost_answer_then_down', 'never_arrives', 'untouched']

/**
 * Guarantee 7 when the PostgreSQL connection drops during the commit of an append (a single
 * statement, committed at its Sync): an acknowledged append is stored exactly once, and an
 * append answered with an error was really not stored. Through a relay that cuts the link at
 * the moment the statement is sent.
 */
describe('a connection lost while a write commits [postgres]', () => {
  let database: TestDatabase
  let direct: Store
  let proxy: Awaited<ReturnType<typeof startPgProxy>>
  let store: Store

  beforeAll(async () => {
    database = await createTestDatabase('postgres')
    direct = await openStore({ database_url: database.database_url, migrate: true })
    proxy = await startPgProxy(new URL(database.database_url))
    store = await openStore({ database_url: proxy.url, write_retries: 2, pool_size: 2 })
  })
  afterAll(async () => {
    await store?.close()
    await proxy?.stop()
    await direct?.close()
    await database?.drop()
  })

  const storedCount = async (content: string) => {
    const { rows } = await sql<{ n: string }>`select count(*) as n from messages
      where content = ${content}`.execute(direct.database.kysely)
    return Number(rows[0]!.n)
  }

  it('answers every committed append as a success, and every failed one was not stored', async () => {
    const conversations = await Promise.all(
      Array.from({ length: 3 }, () => userWithConversation(direct)),
    )
    const outcomes: { fate: Fate; content: string; result: Message | ChatkeepError }[] = []
    await Promise.all(
      conversations.map(async ({ conversation }, c) => {
        for (let i = 0; i < 40; i++) {
          const fate = FATES[(i + c) % FATES.length]!
          const content = `c${c}-m${i}-${fate}`
          const marker = new RegExp(content)
          if (fate === 'lost_answer' || fate === 'lost_answer_then_down') {
            proxy.cut({ match: marker, action: 'cut_after', times: 1 })
          }
          if (fate === 'lost_answer_then_down' || fate === 'never_arrives') {
            proxy.cut({ match: marker, action: 'cut_before', times: 10 })
          }
          let result: Message | ChatkeepError
          try {
            result = await store.messages.append(conversation.id, {
              role: 'user',
              content,
              request_id: content,
            })
          } catch (error) {
            expectChatkeepError(error)
            result = error
          }
          outcomes.push({ fate, content, result })
        }
      }),
    )
    expect(proxy.cuts.filter((c) => c.action === 'cut_after').length).toBe(60)
    for (const { fate, content, result } of outcomes) {
      const stored = await storedCount(content)
      if (result instanceof ChatkeepError) {
        expect({ content, code: result.code, retriable: result.retriable, stored }).toEqual({
          content,
          code: 'unavailable',
          retriable: true,
          stored: 0,
        })
        expect(result.message).toMatch(/was not stored/)
      } else {
        expect({ content, stored, sequence: typeof result.sequence }).toEqual({
          content,
          stored: 1,
          sequence: 'number',
        })
      }
      expect({ content, failed: result instanceof ChatkeepError }).toEqual({
        content,
        failed: fate === 'never_arrives',
      })
    }
    // Sequences stay gapless and the counters count each stored message once.
    for (const { conversation } of conversations) {
      const messages = await direct.messages.list(conversation.id, { limit: 100 })
      expect(messages.data.map((m) => m.sequence)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      )
      expect((await direct.conversations.get(conversation.id)).message_count).toBe(30)
    }
  })

  it('says the outcome is unknown when a transaction loses its connection at COMMIT', async () => {
    const { conversation } = await userWithConversation(direct)
    // COMMIT reaches the server and commits, then every retry's COMMIT is cut before it.
    proxy.cut({ match: /^commit$/i, action: 'cut_after', times: 1 })
    proxy.cut({ match: /^commit$/i, action: 'cut_before', times: 10 })
    let caught: unknown
    try {
      await store.conversations.delete(conversation.id)
    } catch (error) {
      caught = error
    }
    expectChatkeepError(caught)
    expect({ code: caught.code, retriable: caught.retriable }).toEqual({
      code: 'unavailable',
      retriable: true,
    })
    expect(caught.message).toMatch(/whether it was stored is unknown.*same request_id/)
    // It did commit: the answer was the only thing lost.
    await expect(direct.conversations.get(conversation.id)).rejects.toMatchObject({
      code: 'not_found',
    })
  })
})
