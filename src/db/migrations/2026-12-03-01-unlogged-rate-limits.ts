import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Rate-limit counts need no durable commit: losing a minute's counts in a crash only lets a
 * client start its window afresh. On PostgreSQL `rate_limits` becomes UNLOGGED: it writes no
 * WAL, so a count's commit waits for no flush (as with synchronous_commit = off, without setting
 * it on connections that durable writes share), and a crash empties it. On SQLite the counters
 * move to a file of their own beside the database, which the code creates; the rows left in
 * this one are a minute's counts, deleted so that nothing stale lingers where nothing prunes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table rate_limits set unlogged`.execute(db)
  } else {
    await sql`delete from rate_limits`.execute(db)
  }
}

/** PostgreSQL's table is logged again; SQLite's counts stay where they are (harmless). */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table rate_limits set logged`.execute(db)
  }
}
