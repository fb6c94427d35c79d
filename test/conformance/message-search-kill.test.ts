/**
 * A process killed while it catches up on deferred message search (and writes more) leaves the
 * index right: after a restart every message is eventually found, exactly once, and none is
 * indexed twice (each catch-up batch is one transaction that takes what it indexes off the
 * pending list).
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import type { Store } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { startWorker } from '../support/workers.js'
import { createUser, expectIndexMatchesMessages, sleep, uniqueName } from './helpers.js'

/** How the worker's PostgreSQL connections name themselves, to wait for them to be gone. */
const WORKER_APP = 'chatkeep_killed_indexer'
const WAIT_MS = 60_000

/** A killed client's last statement may still commit on the server: wait until it has. */
async function workerBackendsGone(store: Store): Promise<void> {
  if (store.engine !== 'postgres') return
  for (const deadline = Date.now() + WAIT_MS; ;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${WORKER_APP}`.execute(
      store.database.kysely,
    )
    if (rows[0]!.n === 0) return
    if (Date.now() > deadline) throw new Error("the killed worker's connections are still open")
    await sleep(20)
  }
}

/** Every hit of `q` for the user, page after page. */
async function allHits(store: Store, user_id: string, q: string): Promise<string[]> {
  const ids: string[] = []
  let after: string | undefined
  do {
    const page = await store
      .forUser(user_id)
      .search.search({ q, limit: 100, ...(after === undefined ? {} : { after }) })
    ids.push(...page.data.map((hit) => hit.id))
    after = page.next_cursor ?? undefined
  } while (after !== undefined)
  return ids
}

describeEachEngine('a process killed during deferred catch-up', (ctx) => {
  it('leaves every message searchable exactly once after a restart, kill after kill', async () => {
    const user = await createUser(ctx.store)
    const chat = await ctx.store.conversations.create({ user_id: user.id })
    const word = uniqueName('kill').replace(/_/g, '')
    const acked = new Set<string>()
    for (const round of [1, 2, 3]) {
      const url =
        ctx.engine === 'postgres'
          ? `${ctx.database.database_url}?application_name=${WORKER_APP}`
          : ctx.database.database_url
      const worker = startWorker('search-catch-up-worker.ts', [
        '--url',
        url,
        '--conversation',
        chat.id,
        '--word',
        word,
      ])
      try {
        await worker.waitForLines(/^ready$/)
        worker.send('go')
        // Mid-loop: catch-up has run a few times and appends go on beside it.
        await worker.waitForLines(/^indexed /, 3 + round)
        await worker.waitForLines(/^ack /, 100 + round * 11)
        worker.kill()
        const exit = await worker.exited
        expect(exit.signal, exit.stdout + exit.stderr).toBe('SIGKILL')
        expect(exit.stdout).not.toMatch(/^error /m)
      } finally {
        worker.kill()
      }
      for (const line of worker.lines) {
        if (line.startsWith('ack ')) acked.add(line.slice(4))
      }
      await workerBackendsGone(ctx.store)
    }
    // A restart in deferred mode, catching up in the background as a server would.
    const store = await ctx.open({ message_search: 'deferred', message_search_interval_ms: 20 })
    for (const deadline = Date.now() + WAIT_MS; ;) {
      if ((await store.search.status()).lag_messages === 0) break
      if (Date.now() > deadline) throw new Error('catch-up did not finish in time')
      await sleep(50)
    }
    const hits = await allHits(store, user.id, word)
    const stored = (await store.conversations.get(chat.id)).message_count
    expect(new Set(hits).size).toBe(hits.length)
    expect(hits).toHaveLength(stored)
    const found = new Set(hits)
    expect([...acked].filter((id) => !found.has(id))).toEqual([])
    await expectIndexMatchesMessages(store)
  }, 180_000)
})
