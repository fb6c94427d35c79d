import type { Database } from './database.js'

/** The channel `chatkeep_sequence_events()` notifies when it has numbered new events. */
const CHANNEL = 'chatkeep_events'

/**
 * Calls `wake` whenever any instance numbers new events of the feed (PostgreSQL LISTEN on a
 * connection of its own, beside the pool, so that it never takes one from the writers; held
 * until the returned stop is called). Elsewhere, and when the
 * connection is lost, it does nothing: followers poll as well, so notifications only make them
 * quicker.
 */
export async function listenForEvents(
  db: Database,
  wake: () => void,
): Promise<() => Promise<void>> {
  if (db.engine !== 'postgres') return async () => {}
  // Loaded only for PostgreSQL, as open.ts loads it: SQLite users need no pg.
  const { PostgresDatabase } = await import('./postgres.js')
  if (!(db.root instanceof PostgresDatabase)) return async () => {}
  const { default: pg } = await import('pg')
  const client = new pg.Client(db.root.pool.options)
  client.on('error', () => {})
  try {
    await client.connect()
    client.on('notification', (n) => {
      if (n.channel === CHANNEL) wake()
    })
    await client.query(`listen ${CHANNEL}`)
  } catch {
    await client.end().catch(() => {})
    return async () => {}
  }
  return () => client.end().catch(() => {})
}
