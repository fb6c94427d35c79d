import { hashPassword } from '../../auth/passwords.js'
import { encodeJson } from '../../db/codec.js'
import type { Database } from '../../db/database.js'
import { violatedUniqueKey } from '../../db/driver-errors.js'
import { normalizeEmail, normalizeUsername } from '../../lib/normalize.js'
import * as users from '../../repositories/users.js'
import { LIMITS } from '../../schemas/limits.js'
import { isUsername } from '../../services/users.js'
import { clipped, field, isRecord, type JsonRecord, text, timeField } from './fields.js'
import { generatePassword, isVerifiableHash } from '../../auth/passwords.js'
import type { ImportReport } from './report.js'
import { stableId } from './stable-id.js'
import type { TinyDbDocument } from './tinydb-file.js'

/**
 * How other tables name a user: by the user document's own `id` field, by username, or by its
 * TinyDB doc id, tried in that order. Each resolves to the Chatkeep user id.
 */
export class UserRefs {
  readonly #byId = new Map<string, string>()
  readonly #byName = new Map<string, string>()
  readonly #byDoc = new Map<string, string>()

  add(record: JsonRecord, docId: string, userId: string, username: string): void {
    const id = text(record.id) ?? text(record.user_id)
    if (id !== undefined && !this.#byId.has(id)) this.#byId.set(id, userId)
    if (!this.#byName.has(username)) this.#byName.set(username, userId)
    if (!this.#byDoc.has(docId)) this.#byDoc.set(docId, userId)
  }

  resolve(ref: string): string | undefined {
    return this.#byId.get(ref) ?? this.#byName.get(normalizeUsername(ref)) ?? this.#byDoc.get(ref)
  }
}

/** The fields a record may name its user by, in order. */
export const USER_REF_FIELDS = ['user_id', 'owner_id', 'username', 'user'] as const

const PASSWORD_FIELDS = ['password_hash', 'hashed_password', 'password'] as const

/**
 * Users by normalized username. A username already in Chatkeep is that user, left as it is; one
 * that appears twice in the file is stored once (the first), and records naming the second go to
 * it too. A password hash Chatkeep can verify is kept; a missing or foreign one is replaced by a
 * generated password (argon2id), reported once.
 */
export async function importUsers(
  db: Database,
  docs: readonly TinyDbDocument[],
  report: ImportReport,
  importedAt: string,
): Promise<UserRefs> {
  const refs = new UserRefs()
  const firstDoc = new Map<string, string>()
  const skip = (doc_id: string, reason: string) =>
    report.skipped.push({ table: 'users', doc_id, reason })
  for (const { doc_id, value } of docs) {
    if (!isRecord(value)) {
      skip(doc_id, 'not an object')
      continue
    }
    const raw = text(field(value, ['username', 'name', 'login']))
    if (raw === undefined || raw.trim() === '') {
      skip(doc_id, 'missing required field username')
      continue
    }
    const username = normalizeUsername(raw)
    if (!isUsername(username)) {
      skip(
        doc_id,
        `username ${JSON.stringify(raw)} is not one Chatkeep accepts ` +
          `(letters, digits, dot, dash and underscore, at most ${LIMITS.username})`,
      )
      continue
    }
    const earlier = firstDoc.get(username)
    if (earlier !== undefined) {
      report.duplicates.users++
      skip(
        doc_id,
        `same username as users #${earlier} once normalized (${username}); its records go to that user`,
      )
      refs.add(value, doc_id, refs.resolve(username)!, username)
      continue
    }
    const created = timeField(value, ['created_at', 'date_joined', 'created'])
    const updated = timeField(value, ['updated_at', 'modified_at'])
    const login = timeField(value, ['last_login_at', 'last_login'])
    const bad = [created, updated, login].find((t) => 'problem' in t)
    if (bad !== undefined && 'problem' in bad) {
      skip(doc_id, bad.problem)
      continue
    }
    firstDoc.set(username, doc_id)
    const existing = await users.getUserByUsername(db, username)
    if (existing !== undefined) {
      report.existing.users++
      refs.add(value, doc_id, existing.id, username)
      continue
    }
    const userId = await insertUser(db, value, doc_id, username, report, {
      created_at: ('time' in created && created.time) || importedAt,
      updated_at: ('time' in updated && updated.time) || undefined,
      last_login_at: ('time' in login && login.time) || null,
    })
    if (userId !== undefined) refs.add(value, doc_id, userId, username)
  }
  return refs
}

async function insertUser(
  db: Database,
  record: JsonRecord,
  docId: string,
  username: string,
  report: ImportReport,
  times: { created_at: string; updated_at: string | undefined; last_login_at: string | null },
): Promise<string | undefined> {
  const stored = text(field(record, PASSWORD_FIELDS))
  let password_hash: string
  if (stored !== undefined && stored.length <= 1024 && isVerifiableHash(stored)) {
    password_hash = stored
  } else {
    const password = generatePassword()
    password_hash = await hashPassword(password)
    report.generated_passwords.push({ username, password })
    if (stored !== undefined) {
      report.notes.push(
        `users #${docId} (${username}): the password hash is in a form Chatkeep cannot verify; ` +
          'a new password was generated',
      )
    }
  }
  let email = normalizeEmail(clipped(field(record, ['email']), LIMITS.email))
  if (email !== null) {
    const taken = await db.kysely
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst()
    if (taken !== undefined) {
      report.notes.push(
        `users #${docId} (${username}): email ${email} belongs to another user; imported without it`,
      )
      email = null
    }
  }
  const isAdmin =
    record.role === 'admin' || record.is_admin === true || record.is_superuser === true
  const active = typeof record.is_active === 'boolean' ? record.is_active : record.disabled !== true
  const preferences = isRecord(record.preferences) ? record.preferences : {}
  const row = {
    id: stableId('tinydb/user', username, times.created_at),
    username,
    display_name: clipped(field(record, ['display_name', 'full_name']), LIMITS.display_name),
    email,
    password_hash,
    role: isAdmin ? 'admin' : 'user',
    is_active: db.codec.bool(active),
    discord_id: null,
    preferences: encodeJson(
      Buffer.byteLength(encodeJson(preferences)) <= LIMITS.json_bytes ? preferences : {},
    ),
    created_at: times.created_at,
    updated_at: times.updated_at ?? times.created_at,
    last_login_at: times.last_login_at,
  }
  try {
    await db.write(() => users.insertUser(db, row))
    report.created.users++
    return row.id
  } catch (error) {
    if (violatedUniqueKey(error) === undefined) throw error
    // Another import (or a registration) took the name meanwhile: that user it is.
    const now = await users.getUserByUsername(db, username)
    if (now === undefined) throw error
    report.existing.users++
    report.generated_passwords = report.generated_passwords.filter((g) => g.username !== username)
    return now.id
  }
}
