import { Type } from '@sinclair/typebox'
import type { Cache } from '../cache/cache.js'
import { lookupTtlMs, readThrough, userKey } from '../cache/lookups.js'
import { MemoryCache } from '../cache/memory-cache.js'
import { ChatkeepError, notFound } from '../errors.js'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { violatedUniqueKey } from '../db/driver-errors.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import { normalizeEmail, normalizeUsername } from '../lib/normalize.js'
import { deleteReleasedHoldsOfUser } from '../repositories/legal-holds.js'
import { deleteUserEvents, eventRow, insertEvents } from '../repositories/events.js'
import * as users from '../repositories/users.js'
import type { Page, User } from '../schemas/data.js'
import {
  type NewUser,
  NewUserSchema,
  type UserListOptions,
  UserListSchema,
  type UserUpdate,
  UserUpdateSchema,
} from '../schemas/inputs.js'
import { LIMITS } from '../schemas/limits.js'
import { refuseIfUserHeld } from './legal-holds.js'
import { insertAuditEvents } from '../repositories/audit-events.js'
import { type AuditContext, auditRow } from './audit.js'
import { toPage } from './page.js'
import { checkJsonSize, validator } from '../schemas/validate.js'

const validateNew = validator(NewUserSchema)
const validateUpdate = validator(UserUpdateSchema)
const validateList = validator(UserListSchema)
const validateDiscordId = validator(
  Type.Object({ discord_id: Type.String({ minLength: 1, maxLength: LIMITS.short_text }) }),
)
const USERNAME = /^[\p{L}\p{N}._-]+$/u

/** Whether a normalized name is one a user can have. */
export const isUsername = (name: string): boolean => USERNAME.test(name) && name.length <= 64

/**
 * Users and what they own. Deleting one removes every row of theirs, in one statement. `get`
 * reads through the cache (every request's authentication uses it); `update` and `delete`
 * forget the cached copy once they have written, on every instance when the cache is shared.
 */
export class UserService {
  constructor(
    private readonly db: Database,
    private readonly cache: Cache = new MemoryCache(),
  ) {}

  /**
   * @example
   * const alice = await store.users.create({ username: 'Alice', email: 'alice@example.com' })
   * alice.username // 'alice'
   */
  async create(input: NewUser): Promise<User> {
    const data = validateNew(input)
    checkJsonSize('preferences', data.preferences)
    const username = normalizeUsername(data.username)
    if (!isUsername(username)) {
      throw new ChatkeepError(
        'validation_failed',
        '/username: use letters, digits, dot, dash and underscore (at most 64).',
        { field: '/username' },
      )
    }
    if (data.id !== undefined && !isUuid(data.id)) {
      throw new ChatkeepError('validation_failed', '/id: must be a UUID.', { field: '/id' })
    }
    const now = new Date().toISOString()
    const row = {
      id: data.id ?? uuid7(),
      username,
      display_name: data.display_name ?? null,
      email: normalizeEmail(data.email),
      password_hash: data.password_hash ?? null,
      role: data.role ?? 'user',
      is_active: this.db.codec.bool(data.is_active ?? true),
      discord_id: data.discord_id ?? null,
      preferences: encodeJson(data.preferences ?? {}),
      created_at: now,
      updated_at: now,
      last_login_at: null,
    }
    try {
      const inserted = await this.db.transaction(async (tx) => {
        const stored = await users.insertUser(tx, row)
        await insertEvents(
          tx,
          eventRow('user.created', { user_id: row.id }, { username, role: row.role }, now),
        )
        return stored
      })
      return users.decodeUser(this.db.codec, inserted)
    } catch (error) {
      // A retry of an insert that did commit meets its own row: that is success.
      const existing = await users.getUser(this.db, row.id)
      if (existing !== undefined && existing.username === username) {
        return users.decodeUser(this.db.codec, existing)
      }
      throw uniqueConflict(error)
    }
  }

  async get(id: string): Promise<User> {
    const user = await this.find(id)
    if (user === undefined) throw notFound('user', id)
    return user
  }

  /** The user, or undefined when there is none; through the cache. */
  async find(id: string): Promise<User | undefined> {
    if (!isUuid(id)) return undefined
    return readThrough(this.cache, userKey(id), lookupTtlMs(this.cache), async () => {
      const row = await users.getUser(this.db, id)
      return row === undefined ? undefined : users.decodeUser(this.db.codec, row)
    })
  }

  /** Looks the name up in its normalized form, so `Alice` finds `alice`. */
  async getByUsername(username: string): Promise<User> {
    const normalized = normalizeUsername(username)
    // A name nobody can have is not looked up: PostgreSQL would refuse one with a NUL in it.
    const row = isUsername(normalized)
      ? await users.getUserByUsername(this.db, normalized)
      : undefined
    if (row === undefined) throw notFound('user', username)
    return users.decodeUser(this.db.codec, row)
  }

  /**
   * The user bound to a Discord account (seed 004's users.discord_id).
   * @example
   * const user = await store.users.getByDiscordId('80351110224678912')
   */
  async getByDiscordId(discordId: string): Promise<User> {
    const id = validateDiscordId({ discord_id: discordId }).discord_id
    const row = await users.getUserByDiscordId(this.db, id)
    if (row === undefined) throw notFound('user', discordId)
    return users.decodeUser(this.db.codec, row)
  }

  /**
   * The user bound to a Discord account, created on first sight: a bot's way to keep one user
   * per Discord member. Without a `username` the new user is named `discord_<id>`. Two callers
   * at once get the same user; `created` says whether this call made it.
   * @example
   * const { user } = await store.users.findOrCreateByDiscordId(member.id, {
   *   display_name: member.displayName,
   * })
   */
  async findOrCreateByDiscordId(
    discordId: string,
    defaults: Omit<NewUser, 'discord_id' | 'username'> & { username?: string } = {},
  ): Promise<{ user: User; created: boolean }> {
    const id = validateDiscordId({ discord_id: discordId }).discord_id
    const existing = await users.getUserByDiscordId(this.db, id)
    if (existing !== undefined)
      return { user: users.decodeUser(this.db.codec, existing), created: false }
    try {
      const user = await this.create({
        ...defaults,
        username: defaults.username ?? `discord_${id}`,
        discord_id: id,
      })
      return { user, created: true }
    } catch (error) {
      // Another caller bound the account between our look and our insert: theirs is the one.
      // Their insert may collide on the default username before the discord_id.
      if (!(error instanceof ChatkeepError) || error.code !== 'conflict') throw error
      const winner = await users.getUserByDiscordId(this.db, id)
      if (winner === undefined) throw error
      return { user: users.decodeUser(this.db.codec, winner), created: false }
    }
  }

  /**
   * Drops the cached copy of a user, on every instance when the cache is shared: for a change
   * written outside this service (a login's last_login_at and password re-hash).
   */
  async forget(id: string): Promise<void> {
    if (isUuid(id)) await this.cache.delete(userKey(id))
  }

  /** Every user, oldest first. */
  async list(options: UserListOptions = {}): Promise<Page<User>> {
    const data = validateList(options)
    for (const field of ['after', 'before'] as const) {
      const cursor = data[field]
      if (cursor !== undefined && !isUuid(cursor)) {
        throw new ChatkeepError('validation_failed', `/${field}: must be a user id.`, {
          field: `/${field}`,
        })
      }
    }
    const limit = data.limit ?? LIMITS.default_page
    const rows = await users.listUsers(this.db, { ...data, limit })
    return toPage(rows, limit, data.before !== undefined, (row) =>
      users.decodeUser(this.db.codec, row),
    )
  }

  /**
   * Changes a user. With `actor`, each kind of change (`user.role_change`, `user.activate`,
   * `user.deactivate`, `user.update`) is audited in the same transaction.
   */
  async update(id: string, input: UserUpdate, actor?: AuditContext): Promise<User> {
    const data = validateUpdate(input)
    checkJsonSize('preferences', data.preferences)
    if (!isUuid(id)) throw notFound('user', id)
    const patch = {
      ...(data.display_name !== undefined ? { display_name: data.display_name } : {}),
      ...(data.email !== undefined ? { email: normalizeEmail(data.email) } : {}),
      ...(data.role !== undefined ? { role: data.role } : {}),
      ...(data.is_active !== undefined ? { is_active: this.db.codec.bool(data.is_active) } : {}),
      ...(data.discord_id !== undefined ? { discord_id: data.discord_id } : {}),
      ...(data.preferences !== undefined ? { preferences: encodeJson(data.preferences) } : {}),
      updated_at: new Date().toISOString(),
    }
    let row
    try {
      row = await this.db.transaction(async (tx) => {
        const updated = await users.updateUser(tx, id, patch)
        if (updated !== undefined) {
          await insertEvents(
            tx,
            eventRow('user.updated', { user_id: id }, userChanges(data), patch.updated_at),
          )
          if (actor !== undefined) {
            const rows = auditedChanges(data).map(([action, details]) =>
              auditRow(action, actor, { type: 'user', id }, details, patch.updated_at),
            )
            if (rows.length > 0) await insertAuditEvents(tx, rows)
          }
        }
        return updated
      })
    } catch (error) {
      throw uniqueConflict(error)
    } finally {
      // Even after a failure: a lost connection may have hidden a commit.
      await this.cache.delete(userKey(id))
    }
    if (row === undefined) throw notFound('user', id)
    return users.decodeUser(this.db.codec, row)
  }

  /**
   * Removes the user and, by cascade, their sessions, keys, conversations, messages and documents.
   * Refused with `legal_hold` while a hold covers the user or any conversation of theirs.
   */
  /**
   * Deletes a user and everything of theirs. With `actor`, audited (`user.delete`) in the same
   * transaction; an admin deleting their own account is kept as `details.deleted_actor_id`.
   */
  async delete(id: string, actor?: AuditContext): Promise<void> {
    let deleted = false
    try {
      deleted =
        isUuid(id) &&
        (await this.db.transaction(async (tx) => {
          await refuseIfUserHeld(tx, id)
          await deleteReleasedHoldsOfUser(tx, id)
          if (!(await users.deleteUser(tx, id))) return false
          // Their own events go with them; the feed's readers of everyone's learn of it.
          await deleteUserEvents(tx, id)
          await insertEvents(tx, eventRow('user.deleted', { user_id: null }, { user_id: id }))
          if (actor !== undefined) {
            const self = actor.user_id === id
            const row = auditRow(
              'user.delete',
              self ? { ...actor, user_id: null } : actor,
              { type: 'user', id },
              self ? { deleted_actor_id: id } : {},
            )
            await insertAuditEvents(tx, row)
          }
          return true
        }))
    } finally {
      if (isUuid(id)) await this.cache.delete(userKey(id))
    }
    if (!deleted) throw notFound('user', id)
  }
}

/** The audit rows of an update: one per kind of change. */
function auditedChanges(patch: UserUpdate): [string, Record<string, unknown>][] {
  const { role, is_active, ...rest } = patch
  const changes: [string, Record<string, unknown>][] = []
  if (role !== undefined) changes.push(['user.role_change', { role }])
  if (is_active !== undefined) changes.push([is_active ? 'user.activate' : 'user.deactivate', {}])
  const fields = Object.keys(rest).filter((k) => rest[k as keyof typeof rest] !== undefined)
  if (fields.length > 0) changes.push(['user.update', { fields }])
  return changes
}

/**
 * A user.updated event's data: which fields changed, with the values of those that are not
 * personal data (an email address stays out of the feed).
 */
function userChanges(data: UserUpdate): Record<string, unknown> {
  const changed = Object.keys(data).filter((k) => data[k as keyof UserUpdate] !== undefined)
  const values: Record<string, unknown> = {}
  for (const key of ['display_name', 'role', 'is_active', 'preferences'] as const) {
    if (data[key] !== undefined) values[key] = data[key]
  }
  return { changed, ...values }
}

/** The field each unique constraint of users keeps unique. */
const UNIQUE_FIELDS: Record<string, string> = {
  users_pkey: 'id',
  users_username_key: 'username',
  users_email_key: 'email',
  users_discord_id_key: 'discord_id',
}

function uniqueConflict(error: unknown): unknown {
  const key = violatedUniqueKey(error)
  if (key === undefined) return error
  const field = UNIQUE_FIELDS[key] ?? 'id'
  return new ChatkeepError('conflict', `/${field}: another user already has this ${field}.`, {
    field: `/${field}`,
    cause: error,
  })
}
