import { sql } from 'kysely'
import pg from 'pg'
import { backoff } from '../lib/backoff.js'
import type { Database } from './database.js'
import { PostgresDatabase } from './postgres.js'

/**
 * Cross-instance wake-ups for followers of live replies. On PostgreSQL a checkpoint's
 * transaction NOTIFYs the ids it changed (delivered at commit, never for a rollback) and each
 * instance LISTENs on one connection of its own. An in-process engine has no such channel:
 * followers there poll, which also reaches other processes on the same file.
 */

const CHANNEL = 'chatkeep_messages'
/** NOTIFY payloads stop at 8000 bytes: 37 bytes per id, 200 ids to a notification. */
const IDS_PER_NOTIFY = 200

/** Within a write transaction: tells every listening instance these messages changed. */
export async function notifyMessagesChanged(db: Database, ids: readonly string[]): Promise<void> {
  if (!(db.root instanceof PostgresDatabase)) return
  for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) {
    const payload = ids.slice(i, i + IDS_PER_NOTIFY).join(',')
    await sql`select pg_notify(${CHANNEL}, ${payload})`.execute(db.kysely)
  }
}

export interface MessageListener {
  close(): Promise<void>
}

/**
 * Calls `changed` with the ids of every notification, from a connection of its own that is
 * opened again (with backoff) whenever it is lost; null on an engine without notifications.
 * A notification sent while the connection was down is missed, so followers still poll, slowly.
 */
export function listenForMessageChanges(
  db: Database,
  changed: (ids: string[]) => void,
): MessageListener | null {
  if (!(db.root instanceof PostgresDatabase)) return null
  const url = db.root.pool.options.connectionString
  let closed = false
  let client: pg.Client | undefined
  const connect = async (attempt: number): Promise<void> => {
    if (closed) return
    const next = new pg.Client({ connectionString: url })
    next.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) changed(n.payload.split(','))
    })
    const again = () => {
      if (client !== next || closed) return
      client = undefined
      setTimeout(
        () => void connect(0),
        backoff({ base_delay_ms: 100, max_delay_ms: 5000 }, 0),
      ).unref()
    }
    next.on('error', again)
    next.on('end', again)
    try {
      client = next
      await next.connect()
      await next.query(`listen ${CHANNEL}`)
      if (closed) await next.end()
    } catch {
      if (client === next) client = undefined
      await next.end().catch(() => {})
      if (closed) return
      const wait = backoff({ base_delay_ms: 100, max_delay_ms: 5000 }, attempt)
      setTimeout(() => void connect(attempt + 1), wait).unref()
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
