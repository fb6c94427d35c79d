import type { Database } from '../../db/database.js'
import { clipped, field, isRecord, text, timeField } from './fields.js'
import type { ImportReport } from './report.js'
import { stableId } from './stable-id.js'
import type { TinyDbDocument } from './tinydb-file.js'
import { USER_REF_FIELDS, type UserRefs } from './tinydb-users.js'

/**
 * Sessions come over as login history. The old system's tokens cannot authenticate against
 * Chatkeep (other secret, other claims), so a session that was still open is stored revoked, at
 * the time of the import; one revoked or ended before keeps that time. Natural key: the user
 * and the session's access_jti (else its id, else its TinyDB doc id).
 */
export async function importSessions(
  db: Database,
  docs: readonly TinyDbDocument[],
  refs: UserRefs,
  report: ImportReport,
  importedAt: string,
): Promise<void> {
  for (const { doc_id, value } of docs) {
    const skip = (reason: string) => report.skipped.push({ table: 'sessions', doc_id, reason })
    if (!isRecord(value)) {
      skip('not an object')
      continue
    }
    const ref = text(field(value, USER_REF_FIELDS))
    if (ref === undefined) {
      skip('missing required field user_id')
      continue
    }
    const userId = refs.resolve(ref)
    if (userId === undefined) {
      skip(`orphan: its user ${JSON.stringify(ref)} is not among the users imported`)
      continue
    }
    const times = {
      created: timeField(value, ['created_at', 'login_at', 'started_at']),
      active: timeField(value, ['last_activity', 'last_seen', 'updated_at']),
      expires: timeField(value, ['expires_at', 'expiry']),
      revoked: timeField(value, ['revoked_at', 'ended_at', 'logout_at']),
    }
    const bad = Object.values(times).find((t) => 'problem' in t)
    if (bad !== undefined && 'problem' in bad) {
      skip(bad.problem)
      continue
    }
    const time = (t: (typeof times)[keyof typeof times]) => ('time' in t ? t.time : undefined)
    const created_at = time(times.created)
    if (created_at === undefined) {
      skip('missing required field created_at')
      continue
    }
    const last_activity = time(times.active) ?? created_at
    const expires_at = time(times.expires) ?? last_activity
    const ended = value.revoked === true || value.is_active === false
    const revoked_at =
      time(times.revoked) ?? (ended || expires_at <= importedAt ? last_activity : importedAt)
    const jti = clipped(field(value, ['access_jti', 'jti']), 200)
    const key = jti ?? text(field(value, ['session_id', 'id'])) ?? `doc ${doc_id}`
    const inserted = await db.write(() =>
      db.kysely
        .insertInto('auth_sessions')
        .values({
          id: stableId('tinydb/session', `${userId}\u0000${key}`, created_at),
          user_id: userId,
          access_jti: jti,
          user_agent: clipped(value.user_agent, 512),
          ip_address: clipped(field(value, ['ip_address', 'ip']), 64),
          created_at,
          last_activity,
          expires_at,
          revoked_at,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst(),
    )
    report[inserted === undefined ? 'existing' : 'created'].sessions++
  }
}
