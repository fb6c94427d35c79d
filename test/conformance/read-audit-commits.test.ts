import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { ChatkeepError } from '../../src/errors.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import { describeEachEngine } from '../support/engines.js'
import { startWorker } from '../support/workers.js'
import { createUser } from './helpers.js'

/** The audit rows of reads commit in groups, durable off the event loop (AuditBatch). */
describeEachEngine('audit rows of reads', (ctx) => {
  const auditRow = (user_id: string, target_id: string) => ({
    id: uuid7(),
    user_id,
    action: 'message.list',
    target_type: 'conversation',
    target_id,
    ip_address: null,
    user_agent: null,
    details: '{}',
    created_at: new Date().toISOString(),
  })

  it('keeps every acknowledged row when the process is killed midway', async () => {
    const user = await createUser(ctx.store)
    const worker = startWorker('audit-read-worker.ts', [
      '--url',
      ctx.database.database_url,
      '--user',
      user.id,
    ])
    try {
      await worker.waitForLines(/^ready$/)
      await worker.waitForLines(/^ack /, 300)
    } finally {
      worker.kill()
    }
    await worker.exited
    const acked = worker.lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4))
    const stored = await ctx.store.database.kysely
      .selectFrom('audit_events')
      .select('id')
      .where('user_id', '=', user.id)
      .execute()
    const ids = new Set(stored.map((r) => r.id))
    expect(acked.filter((id) => !ids.has(id))).toEqual([])
    // Rows written but not yet acknowledged when the kill came may be there too; nothing else.
    expect(stored.length).toBeGreaterThanOrEqual(acked.length)
  })

  it('commits a group on its own, in a transaction only with it, and leaves later commits as durable as before', async () => {
    const db = ctx.store.database
    const user = await createUser(ctx.store)
    const rows = Array.from({ length: 20 }, (_, i) => auditRow(user.id, `group-${i}`))
    await Promise.all(
      rows.map((row) =>
        db.writeFlushedOffLoop(db.kysely.insertInto('audit_events').values(row).compile()),
      ),
    )
    const rolledBack = auditRow(user.id, 'rolled-back')
    await expect(
      db.transaction(async (tx) => {
        await tx.writeFlushedOffLoop(
          tx.kysely.insertInto('audit_events').values(rolledBack).compile(),
        )
        throw new ChatkeepError('conflict', 'undo')
      }),
    ).rejects.toThrow('undo')
    const stored = await db.kysely
      .selectFrom('audit_events')
      .select('target_id')
      .where('user_id', '=', user.id)
      .execute()
    expect(stored.map((r) => r.target_id).sort()).toEqual(rows.map((r) => r.target_id).sort())
    if (ctx.engine === 'sqlite') {
      // The connection's own level (FULL by default: 2) is back for every other commit.
      const { rows: level } = await sql<{
        synchronous: number
      }>`pragma synchronous`.execute(db.kysely)
      expect(level[0]!.synchronous).toBe(2)
    }
  })
})
