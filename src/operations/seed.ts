import type { Insertable } from 'kysely'
import { checkPasswordLength, generatePassword, hashPassword } from '../auth/passwords.js'
import type { Env } from '../config/env.js'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { violatedUniqueKey } from '../db/driver-errors.js'
import type { UsersTable } from '../db/schema.js'
import { ChatkeepError, isChatkeepError } from '../errors.js'
import { normalizeUsername } from '../lib/normalize.js'
import { uuid7 } from '../lib/uuid7.js'
import * as users from '../repositories/users.js'
import type { User, UserRole } from '../schemas/data.js'
import { isUsername } from '../services/users.js'
import type { Store } from '../store.js'

/** One user `chatkeep seed` makes sure exists. */
export interface SeedUser {
  username: string
  role: UserRole
  /** Absent: a strong one is generated, and handed back once, when the user is created. */
  password?: string | undefined
}

export interface SeededUser {
  id: string
  username: string
  /** The role the user has now: for an existing user, whatever it already had. */
  role: UserRole
  status: 'created' | 'exists'
  /** The generated password, when this run created the user with one; null otherwise. */
  password: string | null
  /** Where the password of a created user came from; null for an existing user. */
  password_source: 'given' | 'generated' | null
  /** What was asked for but left as it was (an existing user's role or password). */
  notes: string[]
}

export interface SeedResult {
  users: SeededUser[]
  created: number
}

export const DEFAULT_ADMIN_USERNAME = 'admin'

/**
 * Makes sure each user exists, creating the missing ones with an argon2id hash of their password
 * (given, or generated and returned once), so they log in like anyone else. The missing users are
 * created in one transaction: all of them or, on any failure, none. An existing user is never
 * changed, not their password, not their role; a difference is reported in `notes`. Running it
 * again creates nothing and returns no password. Every entry is checked before anything is written.
 * @example
 * const { users } = await seed(store, [{ username: 'admin', role: 'admin' }])
 * users[0].password // generated, shown once
 */
export async function seed(store: Store, wanted: readonly SeedUser[]): Promise<SeedResult> {
  const plan = checkPlan(wanted, (i, key) => `/users/${i}/${key}`, 'validation_failed')
  const db = store.database
  // Our own rows, kept across attempts: a commit whose answer was lost is found again by id.
  const ours = new Map<string, NewSeedRow>()
  for (let attempt = 1; ; attempt++) {
    const found = new Map<string, User>()
    for (const entry of plan) {
      const user = await findUser(store, entry.username)
      if (user !== undefined) found.set(entry.username, user)
    }
    const missing = plan.filter((entry) => !found.has(entry.username))
    for (const entry of missing) {
      if (!ours.has(entry.username)) ours.set(entry.username, await newRow(db, entry))
    }
    try {
      if (missing.length > 0) {
        await db.transaction(async (tx) => {
          for (const entry of missing) await users.insertUser(tx, ours.get(entry.username)!.row)
        })
      }
    } catch (error) {
      // Another seed created one of them meanwhile: look again, and create only what is missing.
      if (attempt < 3 && violatedUniqueKey(error) !== undefined) continue
      throw error
    }
    const result = plan.map((entry) => {
      const user = found.get(entry.username)
      const mine = ours.get(entry.username)
      if (user !== undefined && user.id !== mine?.row.id) return unchanged(user, entry)
      return created(mine!, entry)
    })
    return { users: result, created: result.filter((u) => u.status === 'created').length }
  }
}

interface NewSeedRow {
  row: Insertable<UsersTable>
  password: string
}

async function newRow(db: Database, entry: SeedUser): Promise<NewSeedRow> {
  const password = entry.password ?? generatePassword()
  const now = new Date().toISOString()
  return {
    password,
    row: {
      id: uuid7(),
      username: entry.username,
      display_name: null,
      email: null,
      password_hash: await hashPassword(password),
      role: entry.role,
      is_active: db.codec.bool(true),
      discord_id: null,
      preferences: encodeJson({}),
      created_at: now,
      updated_at: now,
      last_login_at: null,
    },
  }
}

function created({ row, password }: NewSeedRow, entry: SeedUser): SeededUser {
  return {
    id: row.id,
    username: row.username,
    role: entry.role,
    status: 'created',
    password: entry.password === undefined ? password : null,
    password_source: entry.password === undefined ? 'generated' : 'given',
    notes: [],
  }
}

/**
 * The users to seed from the environment: the admin, SEED_ADMIN_USERNAME (default `admin`) with
 * SEED_ADMIN_PASSWORD, then SEED_USERS, a comma-separated list of `name` or `name:password`
 * (the password runs to the next comma; whitespace around entries is ignored).
 * @example
 * seedPlanFromEnv({ SEED_USERS: 'alice, bob:s3cret-pass' })
 */
export function seedPlanFromEnv(env: Env): SeedUser[] {
  const admin: SeedUser = {
    username: env.SEED_ADMIN_USERNAME?.trim() || DEFAULT_ADMIN_USERNAME,
    role: 'admin',
    password: env.SEED_ADMIN_PASSWORD || undefined,
  }
  const others = (env.SEED_USERS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry): SeedUser => {
      const colon = entry.indexOf(':')
      if (colon === -1) return { username: entry, role: 'user' }
      return {
        username: entry.slice(0, colon).trim(),
        role: 'user',
        password: entry.slice(colon + 1),
      }
    })
  const variable = (i: number, key: keyof SeedUser) =>
    i === 0
      ? `/${key === 'password' ? 'SEED_ADMIN_PASSWORD' : 'SEED_ADMIN_USERNAME'}`
      : `/SEED_USERS/${i - 1}`
  checkPlan([admin, ...others], variable, 'invalid_config')
  return [admin, ...others]
}

/** Normalizes the names and checks every entry; `field` names an entry's input for the error. */
function checkPlan(
  wanted: readonly SeedUser[],
  field: (i: number, key: keyof SeedUser) => string,
  code: 'validation_failed' | 'invalid_config',
): SeedUser[] {
  const seen = new Map<string, number>()
  return wanted.map((entry, i) => {
    const username = normalizeUsername(entry.username ?? '')
    if (!isUsername(username)) {
      const at = field(i, 'username')
      throw new ChatkeepError(
        code,
        `${at}: "${entry.username}" is not a username; use letters, digits, dot, dash and underscore (at most 64).`,
        { field: at },
      )
    }
    const first = seen.get(username)
    if (first !== undefined) {
      const at = field(i, 'username')
      throw new ChatkeepError(
        code,
        `${at}: ${username} is listed twice (${field(first, 'username')}).`,
        {
          field: at,
        },
      )
    }
    seen.set(username, i)
    if (entry.role !== 'admin' && entry.role !== 'user') {
      const at = field(i, 'role')
      throw new ChatkeepError(code, `${at}: must be admin or user.`, { field: at })
    }
    if (entry.password !== undefined) {
      const at = field(i, 'password')
      try {
        checkPasswordLength(entry.password, { field: at })
      } catch (error) {
        // The message names the field, never the password itself.
        const rule = (error as Error).message.slice(`${at}: `.length)
        throw new ChatkeepError(code, `${at}: the password ${rule}`, { field: at })
      }
    }
    return { ...entry, username }
  })
}

async function findUser(store: Store, username: string): Promise<User | undefined> {
  try {
    return await store.users.getByUsername(username)
  } catch (error) {
    if (isChatkeepError(error, 'not_found')) return undefined
    throw error
  }
}

function unchanged(user: User, entry: SeedUser): SeededUser {
  const notes: string[] = []
  if (user.role !== entry.role) {
    notes.push(
      `has the role ${user.role}, not ${entry.role}; left as it is (an admin can change it with PATCH /v1/users/${user.id}).`,
    )
  }
  if (entry.password !== undefined) {
    notes.push('exists already, so the password given was not applied; its own is unchanged.')
  }
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    status: 'exists',
    password: null,
    password_source: null,
    notes,
  }
}
