import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { Kysely, PostgresDialect, type PostgresPoolClient, type PostgresQueryResult } from 'kysely'
import type { Schema } from '../../src/db/schema.js'

/**
 * PostgreSQL 18 in WebAssembly with pgvector bundled, behind Kysely: where the pgvector SQL is
 * tested, since the suite's PostgreSQL server has no pgvector. One connection, so Kysely's
 * transactions run on it one at a time.
 */
export async function openPglite(): Promise<{ kysely: Kysely<Schema>; close(): Promise<void> }> {
  const pg = await PGlite.create({ extensions: { vector } })
  const client = {
    async query(text: string, values: unknown[]) {
      const result = await pg.query(text, values)
      // Kysely reads the command only to report the rows an INSERT, UPDATE or DELETE touched.
      const command = (/^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ??
        'SELECT') as PostgresQueryResult<unknown>['command']
      return { rows: result.rows, rowCount: result.affectedRows ?? 0, command }
    },
    release() {},
  } as unknown as PostgresPoolClient // no cursors: Kysely's streaming is not used here
  const kysely = new Kysely<Schema>({
    dialect: new PostgresDialect({
      pool: { connect: async () => client, end: async () => {} },
    }),
  })
  return {
    kysely,
    close: async () => {
      await kysely.destroy()
      await pg.close()
    },
  }
}
