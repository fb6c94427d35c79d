import { type Insertable, type Selectable, sql, type Updateable } from 'kysely'
import type { Database, Executor } from '../db/database.js'
import { perDatabase } from '../db/memo.js'
import type { AuthSessionsTable } from '../db/schema.js'
import { pageById } from './keyset.js'

export type AuthSessionRow = Selectable<AuthSessionsTable>

/** A session with what authenticating its access token needs of its user. */
export interface SessionAuthRow {
  id: string
  user_id: string
  expires_at: string
  last_activity: string
  revoked_at: string | null
  role: string
  is_active: boolean | number
}

const statements = perDatabase((db) => {
  const withUser = () =>
    db.kysely
      .selectFrom('auth_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id',
        's.user_id',
        's.expires_at',
        's.last_activity',
        's.revoked_at',
        'u.role',
        'u.is_active',
      ])
  return {
    // Runs on every request made with an access token: one primary-key lookup and its user.
    withUser: db.prepare((p: { id: string }) => withUser().where('s.id', '=', p.id)),
    // PostgreSQL: the sessions of several requests at once (SessionReader), by primary key.
    withUserMany: db.prepare((p: { ids: string[] }) =>
      withUser().where(sql<boolean>`s.id = any(${p.ids}::uuid[])`),
    ),
  }
})

/** Outside a transaction (`tx` undefined) on the prepared fast path, or inside `tx`. */
export async function getSessionWithUser(
  db: Database,
  id: string,
  tx?: Executor,
): Promise<SessionAuthRow | undefined> {
  const query = statements(db).withUser
  const rows = tx === undefined ? await query.all({ id }) : await query.allIn(tx, { id })
  return rows[0]
}

/**
 * Reads sessions for authentication. On PostgreSQL every read is a round trip, and under load
 * many requests want one at once: a read asked for while another is on its way waits for it to
 * come back, then goes in one query with every other read that waited (SQLite reads in process,
 * at once). Each request's session is still read after the request arrived, so a revoked
 * session or a deactivated user is refused as before; only the round trips are shared.
 */
export class SessionReader {
  readonly #db: Database
  readonly #shared: boolean
  #waiting = new Map<string, Waiter[]>()
  #reading = false

  constructor(db: Database) {
    this.#db = db
    this.#shared = !db.capabilities.in_process
  }

  get(id: string): Promise<SessionAuthRow | undefined> {
    if (!this.#shared) return this.#db.read(() => getSessionWithUser(this.#db, id))
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(id)
      if (waiters === undefined) this.#waiting.set(id, [{ resolve, reject }])
      else waiters.push({ resolve, reject })
      if (!this.#reading) void this.#readAll()
    })
  }

  async #readAll(): Promise<void> {
    this.#reading = true
    try {
      while (this.#waiting.size > 0) {
        const batch = new Map<string, Waiter[]>()
        for (const [id, waiters] of this.#waiting) {
          if (batch.size >= MAX_SESSIONS_PER_READ) break
          batch.set(id, waiters)
          this.#waiting.delete(id)
        }
        const ids = [...batch.keys()]
        try {
          const rows = await this.#db.read(() =>
            ids.length === 1
              ? statements(this.#db).withUser.all({ id: ids[0]! })
              : statements(this.#db).withUserMany.all({ ids }),
          )
          const byId = new Map(rows.map((row) => [row.id, row]))
          for (const [id, waiters] of batch) for (const w of waiters) w.resolve(byId.get(id))
        } catch (error) {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(error)
        }
      }
    } finally {
      this.#reading = false
    }
  }
}

/** Session ids in one shared read at most. */
const MAX_SESSIONS_PER_READ = 256

interface Waiter {
  resolve: (row: SessionAuthRow | undefined) => void
  reject: (error: unknown) => void
}

export async function insertSession(
  tx: Executor,
  row: Insertable<AuthSessionsTable>,
): Promise<AuthSessionRow> {
  return tx.insertInto('auth_sessions').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateSession(
  tx: Executor,
  id: string,
  patch: Updateable<AuthSessionsTable>,
): Promise<void> {
  await tx.updateTable('auth_sessions').set(patch).where('id', '=', id).execute()
}

/** Moves last_activity to `at` unless it is already later than `since`: one write a minute at most. */
export async function touchSession(
  tx: Executor,
  id: string,
  at: string,
  since: string,
): Promise<void> {
  await tx
    .updateTable('auth_sessions')
    .set({ last_activity: at })
    .where('id', '=', id)
    .where('last_activity', '<', since)
    .execute()
}

/** Revokes a live session of `user_id`; false when there is none with that id. */
export async function revokeSession(
  tx: Executor,
  id: string,
  user_id: string,
  at: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('auth_sessions')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', user_id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * A user's live sessions (not revoked, not expired), newest first, keyset-paginated on id
 * (UUIDv7); reads `auth_sessions_user_id_idx`. Returns up to limit + 1 rows; with `before`, oldest first.
 */
export async function listSessions(
  db: Database,
  filter: {
    user_id: string
    now: string
    limit: number
    after?: string | undefined
    before?: string | undefined
  },
): Promise<AuthSessionRow[]> {
  const q = db.kysely
    .selectFrom('auth_sessions')
    .selectAll()
    .where('user_id', '=', filter.user_id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', filter.now)
  return db.read(() => pageById(q, filter, 'newest_first').execute())
}
