/**
 * Guarantee 7: nothing committed is lost. A process that is SIGKILLed in the middle of appending
 * loses no acknowledged message, and leaves nothing half-written: the conversation's counters
 * agree with its rows and the sequences stay 1..n, also for the appends that follow.
 */
import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import type { Store } from '../../src/index.js'
import {
  type Ack,
  expectAcknowledged,
  expectConsistent,
  readConversation,
  startAppendWorker,
} from '../support/appends.js'
import { describeEachEngine } from '../support/engines.js'

/** The worker: four concurrent appenders, one of them appending batches of three. */
const APPENDERS = 4
const BATCH = 3
/** The most messages that can be in flight (sent, not yet acknowledged) when the kill lands. */
const IN_FLIGHT = APPENDERS - 1 + BATCH

/** How the worker's PostgreSQL connections name themselves, to wait for them to be gone. */
const WORKER_APP = 'chatkeep_killed_worker'

/**
 * The PostgreSQL server finishes a statement a killed client had already sent (and commits it)
 * before it notices the client is gone. Wait for that, so nothing lands while we look.
 */
async function workerBackendsGone(store: Store): Promise<void> {
  if (store.engine !== 'postgres') return
  for (const deadline = Date.now() + 10_000; ;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${WORKER_APP}`.execute(
      store.database.kysely,
    )
    if (rows[0]!.n === 0) return
    if (Date.now() > deadline) throw new Error("the killed worker's connections are still open")
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describeEachEngine('a killed appender', (ctx) => {
  let conversationId: string

  beforeAll(async () => {
    const user = await ctx.store.users.create({ username: 'crashy' })
    conversationId = (await ctx.store.conversations.create({ user_id: user.id })).id
  })

  it('loses no acknowledged append and leaves nothing half-written, kill after kill', async () => {
    const acks: Ack[] = []
    for (const round of [1, 2, 3]) {
      const worker = startAppendWorker({
        database_url:
          ctx.engine === 'postgres'
            ? `${ctx.database.database_url}?application_name=${WORKER_APP}`
            : ctx.database.database_url,
        conversation_id: conversationId,
        appenders: APPENDERS,
        batch: BATCH,
        appends: 0, // until killed
      })
      try {
        await worker.ready
        worker.go()
        // Mid-loop: at least 100 acknowledged, and a few more each round so the kill lands
        // at a different point of a batch.
        await worker.acked(100 + round * 7)
        worker.kill()
        const exit = await worker.exited
        expect(exit.signal, exit.stdout + exit.stderr).toBe('SIGKILL')
        expect(exit.stdout).not.toMatch(/^error /m)
      } finally {
        worker.kill()
      }
      acks.push(...worker.acks)

      // A fresh store on the database, as after a restart.
      const store = await ctx.open()
      await workerBackendsGone(store)
      const snapshot = await readConversation(store, conversationId)
      expectConsistent(snapshot)
      expectAcknowledged(snapshot, acks)
      // What is there beyond the acknowledged is only what was in flight at the kill, whole.
      expect(snapshot.rows.length - acks.length).toBeGreaterThanOrEqual(0)
      expect(snapshot.rows.length - acks.length).toBeLessThanOrEqual(round * IN_FLIGHT)
      // The next append takes the next sequence.
      const next = await store.messages.append(conversationId, {
        role: 'system',
        content: `after kill ${round}`,
        tokens_used: round,
      })
      expect(next.sequence).toBe(snapshot.rows.length + 1)
      acks.push({ id: next.id, sequence: next.sequence, tokens_used: next.tokens_used })
    }
    expectConsistent(await readConversation(ctx.store, conversationId))
  })
})
