import { sql } from 'kysely'
import { backoff } from '../lib/backoff.js'
import type { Database } from './database.js'

/**
 * Cross-instance wake-ups, PostgreSQL's NOTIFY and LISTEN. A notification sent within a
 * transaction is delivered at its commit, never for a rollback. Each listener holds one
 * connection of its own beside the pool (so it never takes one from the writers), opened again
 * with backoff whenever it is lost. An in-process engine has no such channel: there, and while
 * a connection is down, readers poll, so a notification only makes them quicker.
 */

/** Within a transaction (or not): tells every listening instance on `channel`. */
export async function notify(db: Database, channel: string, payload: string): Promise<void> {
  if (db.engine !== 'postgres') return
  await sql`select pg_notify(${channel}, ${payload})`.execute(db.kysely)
}

export interface Listener {
  close(): Promise<void>
}

/**
 * Calls `heard` with the payload of every notification on `channel`; null on an engine without
 * notifications. pg is loaded only here, on PostgreSQL, as open.ts loads it: SQLite users need
 * none of it.
 */
export function listen(
  db: Database,
  channel: string,
  heard: (payload: string) => void,
): Listener | null {
  if (db.engine !== 'postgres') return null
  let closed = false
  let client: { end(): Promise<void> } | undefined
  const retry = (attempt: number) =>
    setTimeout(
      () => void connect(attempt),
      backoff({ base_delay_ms: 100, max_delay_ms: 5000 }, attempt),
    ).unref()
  const connect = async (attempt: number): Promise<void> => {
    if (closed) return
    const [{ PostgresDatabase }, { default: pg }] = await Promise.all([
      import('./postgres.js'),
      import('pg'),
    ])
    if (!(db.root instanceof PostgresDatabase)) return
    const next = new pg.Client(db.root.pool.options)
    next.on('notification', (n) => {
      if (n.channel === channel) heard(n.payload ?? '')
    })
    const lost = () => {
      if (client !== next || closed) return
      client = undefined
      retry(0)
    }
    next.on('error', lost)
    next.on('end', lost)
    try {
      client = next
      await next.connect()
      await next.query(`listen ${channel}`)
      if (closed) await next.end()
    } catch {
      if (client === next) client = undefined
      await next.end().catch(() => {})
      if (!closed) retry(attempt + 1)
    }
  }
  void connect(0)
  return {
    async close() {
      closed = true
      const open = client
      client = undefined
      await open?.end().catch(() => {})
    },
  }
}
