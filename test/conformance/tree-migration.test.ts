/** Migration 2026-12-03-02-message-tree on a database that held linear conversations. */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/store-config.js'
import { createMigrator, unwrap } from '../../src/db/migrator.js'
import { openDatabase } from '../../src/db/open.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import { createTestDatabase, ENGINES } from '../support/engines.js'

for (const engine of ENGINES) {
  describe(`migration message-tree [${engine}]`, () => {
    it('gives linear messages the one before as parent, and the newest (or current_node) as leaf', async () => {
      const database = await createTestDatabase(engine)
      const db = await openDatabase(resolveConfig({ database_url: database.database_url }))
      try {
        unwrap(await createMigrator(db).migrateTo('2026-12-03-01-unlogged-rate-limits'))
        const now = new Date().toISOString()
        const user = uuid7()
        await sql`insert into users (id, username, created_at, updated_at)
          values (${user}, 'ana', ${now}, ${now})`.execute(db.kysely)
        const conversation = async (metadata: object) => {
          const id = uuid7()
          await sql`insert into conversations (id, short_id, user_id, metadata, message_count,
              created_at, updated_at, last_activity)
            values (${id}, ${id.slice(-10)}, ${user}, ${JSON.stringify(metadata)}, 3, ${now},
              ${now}, ${now})`.execute(db.kysely)
          const ids = [uuid7(), uuid7(), uuid7()]
          for (const [i, mid] of ids.entries()) {
            await sql`insert into messages (id, conversation_id, user_id, sequence, role, content,
                metadata, created_at)
              values (${mid}, ${id}, ${user}, ${i + 1}, 'user', ${`m${i}`},
                ${JSON.stringify({ chatgpt: { message_id: `n${i}` } })}, ${now})`.execute(db.kysely)
          }
          return { id, ids }
        }
        const linear = await conversation({})
        const imported = await conversation({ chatgpt: { current_node: 'n1' } })
        unwrap(await createMigrator(db).migrateToLatest())
        const parents = await db.kysely
          .selectFrom('messages')
          .select(['id', 'parent_id'])
          .where('conversation_id', '=', linear.id)
          .orderBy('sequence')
          .execute()
        expect(parents.map((m) => m.parent_id)).toEqual([null, linear.ids[0], linear.ids[1]])
        const leaves = await db.kysely
          .selectFrom('conversations')
          .select(['id', 'active_leaf_id', 'forked_from'])
          .execute()
        const leafOf = new Map(leaves.map((c) => [c.id, c.active_leaf_id]))
        expect(leafOf.get(linear.id)).toBe(linear.ids[2])
        expect(leafOf.get(imported.id)).toBe(imported.ids[1])
        expect(leaves.every((c) => c.forked_from === null)).toBe(true)
        // Down and up again.
        unwrap(await createMigrator(db).migrateTo('2026-12-03-01-unlogged-rate-limits'))
        unwrap(await createMigrator(db).migrateToLatest())
      } finally {
        await db.close()
        await database.drop()
      }
    })
  })
}
