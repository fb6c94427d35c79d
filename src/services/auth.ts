import { randomBytes } from 'node:crypto'
import { resolveJwtSecret } from '../auth/jwt-secret.js'
import {
  checkPasswordLength,
  dummyHash,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../auth/passwords.js'
import { CachedSessions } from '../auth/cached-sessions.js'
import type { Authenticator, Principal } from '../auth/principal.js'
import {
  AccessTokens,
  randomSecret,
  sameDigest,
  sha256,
  type SignedAccessToken,
} from '../auth/tokens.js'
import type { Cache } from '../cache/cache.js'
import { MemoryCache } from '../cache/memory-cache.js'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { ChatkeepError, notFound } from '../errors.js'
import { normalizeUsername } from '../lib/normalize.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import * as apiKeys from '../repositories/api-keys.js'
import { insertAuditEvents } from '../repositories/audit-events.js'
import * as sessions from '../repositories/auth-sessions.js'
import * as refreshTokens from '../repositories/refresh-tokens.js'
import * as users from '../repositories/users.js'
import {
  type ApiKey,
  type AuthSession,
  type CreatedApiKey,
  CredentialListSchema,
  type CredentialListOptions,
  type Login,
  LoginSchema,
  type NewApiKey,
  NewApiKeySchema,
  type Register,
  RegisterSchema,
  RefreshSchema,
  type TokenResponse,
} from '../schemas/auth.js'
import type { Page, User, UserRole } from '../schemas/data.js'
import { LIMITS } from '../schemas/limits.js'
import { validator } from '../schemas/validate.js'
import { auditRow } from './audit.js'
import { checkCursors, toPage } from './page.js'
import { isUsername, type UserService } from './users.js'

export interface AuthConfig {
  /** Seconds an access token (JWT) lives. */
  access_token_ttl_s: number
  /** Seconds a refresh token, and so an idle session, lives; each refresh starts it again. */
  refresh_token_ttl_s: number
  /** Signs access tokens (HS256); absent, one is generated and kept in the database. */
  jwt_secret?: string | undefined
  /** Seconds after its use during which a refresh token still rotates, for racing clients. */
  refresh_grace_s?: number | undefined
  /** The clock, in milliseconds; tests move it. */
  now?: (() => number) | undefined
}

/** Where a request comes from: kept on a login's session and on every audit row. */
export interface ClientInfo {
  user_agent?: string | null | undefined
  ip_address?: string | null | undefined
  /** Who acts when it is not the owner: an admin revoking someone's session or key. */
  actor_id?: string | undefined
}

export const REFRESH_GRACE_S = 10
/** last_activity and last_used_at move at most this often: not a write on every request. */
const TOUCH_INTERVAL_MS = 60_000
const MAX_BEARER = 4096
/** `ck_` + 12 hex characters shown in lists, `_`, then 32 random bytes as base64url. */
const API_KEY = /^(ck_[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/

/** An API key, as `authenticate` tells it from an access token (whose check needs no database). */
export const isApiKey = (bearer: string): boolean => API_KEY.test(bearer)
const REFRESH_TOKEN = /^ckr_[A-Za-z0-9_-]{43}$/
const DEFAULT_SCOPES = ['read', 'write']
/** The one answer to an unknown user and a wrong password alike. */
const WRONG_LOGIN = 'Wrong username or password.'

const validateRegister = validator(RegisterSchema)
const validateLogin = validator(LoginSchema)
const validateRefresh = validator(RefreshSchema)
const validateNewApiKey = validator(NewApiKeySchema)
const validateList = validator(CredentialListSchema)

const iso = (ms: number): string => new Date(ms).toISOString()
const digestHex = (secret: string): string => sha256(secret).toString('hex')
const clip = (text: string | null | undefined, max: number): string | null =>
  text === undefined || text === null || text === '' ? null : text.slice(0, max)

const unauthorized = (message: string) => new ChatkeepError('unauthorized', message)
const invalidCredential = () => unauthorized('The access token or API key is not valid.')
const deactivated = () => unauthorized('This account is deactivated.')
const invalidRefresh = () =>
  unauthorized('The refresh token is not valid, or its session has ended; log in again.')

type RefreshOutcome =
  | { kind: 'rotated'; user_id: string; access: SignedAccessToken }
  | { kind: 'invalid' | 'expired' | 'inactive' | 'reused' }

/**
 * Logins, sessions, refresh-token rotation and API keys, and the authenticator behind every
 * `Authorization: Bearer …`: an access token counts only while its session is live and its user
 * active, and the role is the user's current one. Sessions and users are read through the cache
 * (docs/caching.md), and every change to them here or in UserService clears their keys.
 */
export class AuthService implements Authenticator {
  readonly #tokens: AccessTokens
  readonly #sessions: CachedSessions
  readonly #now: () => number
  readonly #grace_ms: number

  /** Resolves the signing secret (generating one in the database when none is configured). */
  static async open(
    store: { database: Database; users: UserService; cache?: Cache },
    config: AuthConfig,
  ): Promise<AuthService> {
    const jwt_secret = await resolveJwtSecret(store.database, config.jwt_secret)
    await dummyHash()
    return new AuthService(store.database, store.users, { ...config, jwt_secret }, store.cache)
  }

  constructor(
    private readonly db: Database,
    private readonly users: UserService,
    private readonly config: AuthConfig & { jwt_secret: string },
    /** Where sessions are cached: the store's cache (users are cached by `users`). */
    cache: Cache = new MemoryCache(),
  ) {
    this.#now = config.now ?? Date.now
    this.#tokens = new AccessTokens(config.jwt_secret, config.access_token_ttl_s, this.#now)
    this.#sessions = new CachedSessions(db, cache)
    this.#grace_ms = (config.refresh_grace_s ?? REFRESH_GRACE_S) * 1000
  }

  /** An access token (JWT) or an API key (`ck_…`); `unauthorized` when it does not hold. */
  async authenticate(bearer: string): Promise<Principal> {
    if (bearer.length > MAX_BEARER) throw invalidCredential()
    const key = API_KEY.exec(bearer)
    if (key !== null) return this.#authenticateApiKey(bearer, key[1]!)
    const claims = await this.#tokens.verify(bearer)
    if (!isUuid(claims.session_id) || !isUuid(claims.user_id)) throw invalidCredential()
    const session = await this.#sessions.get(claims.session_id)
    const now = this.#now()
    if (
      session === undefined ||
      session.user_id !== claims.user_id ||
      session.revoked_at !== null ||
      Date.parse(session.expires_at) <= now
    ) {
      throw unauthorized('The session of this access token has ended; log in again.')
    }
    const user = await this.users.find(session.user_id)
    if (user === undefined) {
      throw unauthorized('The session of this access token has ended; log in again.')
    }
    if (!user.is_active) throw deactivated()
    if (this.#sessions.touchDue(session, now, TOUCH_INTERVAL_MS)) {
      await this.db.write(() =>
        sessions.touchSession(this.db, session.id, iso(now), iso(now - TOUCH_INTERVAL_MS)),
      )
    }
    const role = user.role
    return {
      user_id: session.user_id,
      role,
      session_id: session.id,
      api_key_id: null,
      scopes: role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write'],
    }
  }

  async #authenticateApiKey(bearer: string, prefix: string): Promise<Principal> {
    const digest = sha256(bearer)
    const candidates = await apiKeys.listLiveApiKeysByPrefix(this.db, prefix)
    const row = candidates.find((candidate) => sameDigest(digest, candidate.key_hash))
    if (row === undefined) throw invalidCredential()
    if (!row.is_active) throw deactivated()
    const now = this.#now()
    if (row.last_used_at === null || Date.parse(row.last_used_at) <= now - TOUCH_INTERVAL_MS) {
      await this.db.write(() =>
        apiKeys.touchApiKey(this.db, row.id, iso(now), iso(now - TOUCH_INTERVAL_MS)),
      )
    }
    const scopes = this.db.codec.json<string[]>(row.scopes)
    return {
      user_id: row.user_id,
      // An admin's key acts as an admin only when it was given the admin scope.
      role: row.role === 'admin' && scopes.includes('admin') ? 'admin' : 'user',
      session_id: null,
      api_key_id: row.id,
      scopes,
    }
  }

  /** Creates a user (username normalized, password hashed with argon2id) and logs them in. */
  async register(input: Register, client: ClientInfo = {}): Promise<TokenResponse> {
    const data = validateRegister(input)
    checkPasswordLength(data.password)
    const password_hash = await hashPassword(data.password)
    const user = await this.users.create({
      username: data.username,
      password_hash,
      ...(data.email !== undefined ? { email: data.email } : {}),
      ...(data.display_name !== undefined ? { display_name: data.display_name } : {}),
    })
    return this.#startSession(user, client, 'auth.register')
  }

  /**
   * Checks the password and opens a session. An unknown user costs a password check too and
   * gets the very same answer as a wrong password; a deactivated one is told so, but only once
   * the password is right. A legacy or weaker hash is replaced with argon2id on the way. Each
   * outcome is audited: `auth.login`, or `auth.login_failed` with the username tried (never the
   * password) and no actor.
   */
  async login(input: Login, client: ClientInfo = {}): Promise<TokenResponse> {
    const data = validateLogin(input)
    checkPasswordLength(data.password, { min: false })
    const username = normalizeUsername(data.username)
    const row = isUsername(username) ? await users.getUserByUsername(this.db, username) : undefined
    const stored = row?.password_hash ?? null
    const valid = await verifyPassword(data.password, stored)
    const failure = loginFailure(row, valid)
    if (failure !== undefined) {
      const target = row === undefined ? null : { type: 'user', id: row.id }
      const details = { username: data.username, reason: failure }
      await this.db.write(() =>
        insertAuditEvents(
          this.db,
          auditRow('auth.login_failed', client, target, details, iso(this.#now())),
        ),
      )
    }
    if (row === undefined || stored === null || !valid) throw unauthorized(WRONG_LOGIN)
    if (!row.is_active) {
      throw new ChatkeepError('forbidden', 'This account is deactivated; ask an admin.')
    }
    const rehash = needsRehash(stored)
      ? { from: stored, to: await hashPassword(data.password) }
      : undefined
    return this.#startSession(users.decodeUser(this.db.codec, row), client, 'auth.login', rehash)
  }

  async #startSession(
    user: User,
    client: ClientInfo,
    action: 'auth.login' | 'auth.register',
    rehash?: { from: string; to: string },
  ): Promise<TokenResponse> {
    const now = this.#now()
    const at = iso(now)
    const expires_at = iso(now + this.config.refresh_token_ttl_s * 1000)
    const session_id = uuid7()
    const refresh_token = `ckr_${randomSecret()}`
    const access = await this.#tokens.sign({ user_id: user.id, session_id, role: user.role })
    const row = await this.db.transaction(async (tx) => {
      await sessions.insertSession(tx, {
        id: session_id,
        user_id: user.id,
        access_jti: access.jti,
        user_agent: clip(client.user_agent, 512),
        ip_address: clip(client.ip_address, 64),
        created_at: at,
        last_activity: at,
        expires_at,
        revoked_at: null,
      })
      await refreshTokens.insertRefreshToken(tx, {
        id: uuid7(),
        user_id: user.id,
        session_id,
        token_hash: digestHex(refresh_token),
        parent_id: null,
        created_at: at,
        expires_at,
        used_at: null,
        revoked_at: null,
      })
      if (rehash !== undefined) {
        await users.replacePasswordHash(tx, user.id, rehash.from, rehash.to)
      }
      const session = { type: 'auth_session', id: session_id }
      await insertAuditEvents(
        tx,
        auditRow(action, { ...client, user_id: user.id }, session, {}, at),
      )
      return users.updateUser(tx, user.id, { last_login_at: at })
    })
    await this.users.forget(user.id)
    if (row === undefined) throw unauthorized(WRONG_LOGIN)
    return this.#tokenResponse(access, refresh_token, users.decodeUser(this.db.codec, row))
  }

  /**
   * Rotates a refresh token: it is marked used and a child (parent_id = it) is issued with a
   * new access token. A token used again after the grace window is taken as stolen: every
   * refresh token of its session and the session itself are revoked, and the answer is 401.
   * Within the grace window (two tabs refreshing at once), the later request gets a sibling
   * pair: a new access token and a new refresh token, also a child of the used one, in the same
   * session. Both pairs stay valid; each of their refresh tokens again works once. A detected
   * reuse is audited (`auth.refresh_reused`, the token's owner as actor) with the revocation.
   */
  async refresh(refresh_token: string, client: ClientInfo = {}): Promise<TokenResponse> {
    validateRefresh({ refresh_token })
    if (!REFRESH_TOKEN.test(refresh_token)) throw invalidRefresh()
    const now = this.#now()
    const at = iso(now)
    const expires_at = iso(now + this.config.refresh_token_ttl_s * 1000)
    const next = `ckr_${randomSecret()}`
    const changed: string[] = []
    const outcome = await this.#inSessionTx(changed, async (tx): Promise<RefreshOutcome> => {
      const row = await refreshTokens.getRefreshTokenByHash(tx, digestHex(refresh_token))
      if (row === undefined || row.revoked_at !== null) return { kind: 'invalid' }
      if (Date.parse(row.expires_at) <= now) return { kind: 'expired' }
      const session = await sessions.getSessionWithUser(tx, row.session_id)
      if (
        session === undefined ||
        session.revoked_at !== null ||
        Date.parse(session.expires_at) <= now
      ) {
        return { kind: 'invalid' }
      }
      if (!session.is_active) return { kind: 'inactive' }
      if (!(await refreshTokens.claimRefreshToken(tx, row.id, at))) {
        // Used already: by a request racing this one, or replayed. Read what that one committed.
        const used = await refreshTokens.getRefreshToken(tx, row.id)
        if (used === undefined || used.revoked_at !== null || used.used_at === null) {
          return { kind: 'invalid' }
        }
        if (now - Date.parse(used.used_at) > this.#grace_ms) {
          changed.push(row.session_id)
          await refreshTokens.revokeSessionRefreshTokens(tx, row.session_id, at)
          await sessions.revokeSession(tx, row.session_id, row.user_id, at)
          const session = { type: 'auth_session', id: row.session_id }
          const details = { refresh_token_id: row.id, used_at: used.used_at }
          await insertAuditEvents(
            tx,
            auditRow(
              'auth.refresh_reused',
              { ...client, user_id: row.user_id },
              session,
              details,
              at,
            ),
          )
          return { kind: 'reused' }
        }
      }
      const access = await this.#tokens.sign({
        user_id: row.user_id,
        session_id: row.session_id,
        role: session.role as UserRole,
      })
      await refreshTokens.insertRefreshToken(tx, {
        id: uuid7(),
        user_id: row.user_id,
        session_id: row.session_id,
        token_hash: digestHex(next),
        parent_id: row.id,
        created_at: at,
        expires_at,
        used_at: null,
        revoked_at: null,
      })
      changed.push(row.session_id)
      await sessions.updateSession(tx, row.session_id, {
        access_jti: access.jti,
        last_activity: at,
        expires_at,
      })
      return { kind: 'rotated', user_id: row.user_id, access }
    })
    switch (outcome.kind) {
      case 'rotated':
        return this.#tokenResponse(outcome.access, next, await this.users.get(outcome.user_id))
      case 'expired':
        throw unauthorized('The refresh token has expired; log in again.')
      case 'inactive':
        throw new ChatkeepError('forbidden', 'This account is deactivated; ask an admin.')
      case 'reused':
        throw unauthorized(
          'This refresh token was already used, so its session has been ended for safety; log in again.',
        )
      case 'invalid':
        throw invalidRefresh()
    }
  }

  /** Ends a session: its access tokens stop working and its refresh tokens are revoked. */
  async logout(user_id: string, session_id: string, client: ClientInfo = {}): Promise<void> {
    await this.#revokeSession(user_id, session_id, client, 'auth.logout')
  }

  /** The user's live sessions, newest first; `current` marks the one asking. */
  async listSessions(
    user_id: string,
    current_session_id: string | null,
    options: CredentialListOptions = {},
  ): Promise<Page<AuthSession>> {
    const data = validateList(options)
    checkCursors(data, 'session')
    const limit = data.limit ?? LIMITS.default_page
    const rows = await sessions.listSessions(this.db, {
      ...data,
      user_id,
      limit,
      now: iso(this.#now()),
    })
    return toPage(rows, limit, data.before !== undefined, (row) => ({
      id: row.id,
      user_agent: row.user_agent,
      ip_address: row.ip_address,
      created_at: row.created_at,
      last_activity: row.last_activity,
      expires_at: row.expires_at,
      current: row.id === current_session_id,
    }))
  }

  /** Revokes one of the user's sessions and its refresh tokens; anyone else's is `not_found`. */
  async revokeSession(user_id: string, session_id: string, client: ClientInfo = {}): Promise<void> {
    await this.#revokeSession(user_id, session_id, client, 'auth.session_revoke')
  }

  async #revokeSession(
    user_id: string,
    session_id: string,
    client: ClientInfo,
    action: 'auth.logout' | 'auth.session_revoke',
  ): Promise<void> {
    const at = iso(this.#now())
    const revoked =
      isUuid(session_id) &&
      (await this.#inSessionTx([session_id], async (tx) => {
        if (!(await sessions.revokeSession(tx, session_id, user_id, at))) return false
        await refreshTokens.revokeSessionRefreshTokens(tx, session_id, at)
        const session = { type: 'auth_session', id: session_id }
        await insertAuditEvents(tx, revocationRow(action, client, user_id, session, at))
        return true
      }))
    if (!revoked) throw notFound('session', session_id)
  }

  /**
   * A new API key. The whole key is in this answer only; the database keeps its SHA-256 and
   * its visible prefix. Only an admin can give a key the `admin` scope.
   */
  async createApiKey(
    user_id: string,
    role: UserRole,
    input: NewApiKey,
    client: ClientInfo = {},
  ): Promise<CreatedApiKey> {
    const data = validateNewApiKey(input)
    const scopes = data.scopes ?? DEFAULT_SCOPES
    if (scopes.includes('admin') && role !== 'admin') {
      throw new ChatkeepError(
        'forbidden',
        '/scopes: only an admin can give a key the admin scope.',
        {
          field: '/scopes',
        },
      )
    }
    const prefix = `ck_${randomBytes(6).toString('hex')}`
    const key = `${prefix}_${randomSecret()}`
    const id = uuid7()
    const at = iso(this.#now())
    const row = await this.db.transaction(async (tx) => {
      const inserted = await apiKeys.insertApiKey(tx, {
        id,
        user_id,
        name: data.name,
        prefix,
        key_hash: digestHex(key),
        scopes: encodeJson(scopes),
        created_at: at,
        last_used_at: null,
        revoked_at: null,
      })
      const details = { name: data.name, prefix, scopes }
      await insertAuditEvents(
        tx,
        auditRow('api_key.create', { ...client, user_id }, { type: 'api_key', id }, details, at),
      )
      return inserted
    })
    return { ...apiKeys.decodeApiKey(this.db.codec, row), key }
  }

  /** The user's live keys, newest first, without their secrets. */
  async listApiKeys(user_id: string, options: CredentialListOptions = {}): Promise<Page<ApiKey>> {
    const data = validateList(options)
    checkCursors(data, 'API key')
    const limit = data.limit ?? LIMITS.default_page
    const rows = await apiKeys.listApiKeys(this.db, { ...data, user_id, limit })
    return toPage(rows, limit, data.before !== undefined, (row) =>
      apiKeys.decodeApiKey(this.db.codec, row),
    )
  }

  /** Revokes one of the user's keys: it stops working at once. Anyone else's is `not_found`. */
  async revokeApiKey(user_id: string, id: string, client: ClientInfo = {}): Promise<void> {
    const at = iso(this.#now())
    const revoked =
      isUuid(id) &&
      (await this.db.transaction(async (tx) => {
        if (!(await apiKeys.revokeApiKey(tx, id, user_id, at))) return false
        const key = { type: 'api_key', id }
        await insertAuditEvents(tx, revocationRow('api_key.revoke', client, user_id, key, at))
        return true
      }))
    if (!revoked) throw notFound('API key', id)
  }

  /**
   * A transaction that changes the sessions in `ids` (which it may add to); once it is over,
   * their cached copies are dropped, even after a failure (a lost connection may have hidden a
   * commit), so that the next request reads them afresh.
   */
  async #inSessionTx<T>(ids: string[], work: (tx: Database) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(work)
    } finally {
      await this.#sessions.forget(ids)
    }
  }

  #tokenResponse(access: SignedAccessToken, refresh_token: string, user: User): TokenResponse {
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expires_in,
      refresh_token,
      user,
    }
  }
}

/** Why a login is refused, for its audit row (the caller is told less); undefined when it is not. */
function loginFailure(
  row: { is_active: unknown } | undefined,
  valid: boolean,
): 'unknown_user' | 'wrong_password' | 'inactive' | undefined {
  if (row === undefined) return 'unknown_user'
  if (!valid) return 'wrong_password'
  return row.is_active ? undefined : 'inactive'
}

/** A revocation's audit row: by its owner, or by an admin with the owner in its details. */
function revocationRow(
  action: string,
  { actor_id, ...client }: ClientInfo,
  owner_id: string,
  target: { type: string; id: string },
  at: string,
) {
  const by_other = actor_id !== undefined && actor_id !== owner_id
  const details = by_other ? { owner_id } : {}
  return auditRow(
    action,
    { ...client, user_id: by_other ? actor_id : owner_id },
    target,
    details,
    at,
  )
}
