/**
 * The audit log's hash chain: sealed rows verify, and the verifier names a changed, a removed
 * and a re-attributed row, rows removed from the end (given an earlier head), on both engines;
 * concurrent sealers never share a place; erasing an actor keeps the chain intact.
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { PassThrough, Readable } from 'node:stream'
import { exportDatabase, importDatabase, openStore, type Store } from '../../src/index.js'
import { createTestDatabase, describeEachEngine } from '../support/engines.js'
import { createUser } from './helpers.js'

async function record(store: Store, n: number, user_id: string | null = null) {
  for (let i = 0; i < n; i++) {
    await store.audit.record({
      action: 'report.download',
      user_id,
      target_type: 'report',
      target_id: `r${i}`,
      details: { i, note: 'ünïcode' },
    })
  }
}

const rowAt = async (store: Store, chain_seq: number) =>
  store.database.kysely
    .selectFrom('audit_events')
    .selectAll()
    .where('chain_seq', '=', chain_seq)
    .executeTakeFirstOrThrow()

describeEachEngine('the audit hash chain', (ctx) => {
  it('seals rows in order and verifies them; an unsealed row is counted, not covered', async () => {
    const store = ctx.store
    const admin = await createUser(store, 'auditor')
    await record(store, 5, admin.id)
    expect(await store.audit.seal()).toBeGreaterThanOrEqual(5)
    expect(await store.audit.seal()).toBe(0)
    await record(store, 1)
    const report = await store.audit.verify()
    expect(report).toMatchObject({ ok: true, unsealed: 1, problems: [], problem_count: 0 })
    expect(report.head.chain_seq).toBe(report.sealed)
    expect(report.head.hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('a whole-database export keeps the chain: it verifies after an import into an empty database', async () => {
    await record(ctx.store, 3)
    await ctx.store.audit.seal()
    const head = (await ctx.store.audit.verify()).head
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (chunk: Buffer) => chunks.push(chunk))
    await exportDatabase(ctx.store.database, out)
    const empty = await createTestDatabase(ctx.engine === 'sqlite' ? 'postgres' : 'sqlite')
    const copy = await openStore({ database_url: empty.database_url, migrate: true })
    try {
      await importDatabase(copy.database, Readable.from([Buffer.concat(chunks)]))
      const report = await copy.audit.verify({ head })
      expect(report).toMatchObject({ ok: true, head })
    } finally {
      await copy.close()
      await empty.drop()
    }
  })

  it('names a changed row, a changed actor and removed rows, and rows removed from the end', async () => {
    const store = ctx.store
    const k = store.database.kysely
    const someone = await createUser(store, 'someone')
    await record(store, 6, someone.id)
    await store.audit.seal()
    const before = await store.audit.verify()
    expect(before.ok).toBe(true)
    const { chain_seq: end } = before.head

    const changed = await rowAt(store, end - 4)
    await k
      .updateTable('audit_events')
      .set({ target_id: 'r-forged' })
      .where('id', '=', changed.id)
      .execute()
    const other = await createUser(store, 'other')
    const reattributed = await rowAt(store, end - 2)
    await k
      .updateTable('audit_events')
      .set({ user_id: other.id })
      .where('id', '=', reattributed.id)
      .execute()
    await k
      .deleteFrom('audit_events')
      .where('chain_seq', '=', end - 3)
      .execute()
    const after = await store.audit.verify()
    expect(after.ok).toBe(false)
    expect(after.problems).toEqual([
      { problem: 'changed', chain_seq: end - 4, id: changed.id },
      { problem: 'missing', chain_seq: end - 3, missing_to: end - 3 },
      { problem: 'actor_changed', chain_seq: end - 2, id: reattributed.id },
    ])

    // The newest rows removed: the chain alone cannot tell, the head kept from before can.
    await k
      .deleteFrom('audit_events')
      .where('chain_seq', '>=', end - 1)
      .execute()
    const cut = await store.audit.verify({ head: before.head })
    expect(cut.problems.at(-1)).toEqual({ problem: 'head_missing', chain_seq: end })
    expect((await store.audit.verify()).problems).toHaveLength(3)
  })
})

describeEachEngine('sealing the audit log from several instances', (ctx) => {
  it('concurrent sealers and writers leave one gapless chain that verifies', async () => {
    const stores = [ctx.store, await ctx.open(), await ctx.open()]
    const writing = Promise.all(stores.map((s) => record(s, 30)))
    const sealing = (async () => {
      for (let round = 0; round < 10; round++) await Promise.all(stores.map((s) => s.audit.seal()))
    })()
    await Promise.all([writing, sealing])
    await ctx.store.audit.seal()
    const report = await ctx.store.audit.verify()
    expect(report).toMatchObject({ ok: true, unsealed: 0, sealed: 90 })
    const places = await ctx.store.database.kysely
      .selectFrom('audit_events')
      .select(sql<number>`count(distinct chain_seq)`.as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(places.n)).toBe(90)
  })

  it('erasing an actor empties user_id and the chain still verifies', async () => {
    const store = ctx.store
    const actor = await createUser(store, 'leaver')
    await record(store, 2, actor.id)
    await store.audit.seal()
    await store.privacy.erase(actor.id)
    await store.audit.seal()
    const report = await store.audit.verify()
    expect(report.ok).toBe(true)
    const rows = await store.database.kysely
      .selectFrom('audit_events')
      .select(['user_id', 'actor_digest'])
      .where('action', '=', 'report.download')
      .where('actor_digest', 'is not', null)
      .execute()
    expect(rows.length).toBeGreaterThanOrEqual(2)
  })
})
