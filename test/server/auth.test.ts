import { createHash, pbkdf2Sync } from 'node:crypto'
import { Validator } from '@seriousme/openapi-schema-validator'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { hashPassword } from '../../src/auth/passwords.js'
import { JWT_SECRET_KEY } from '../../src/auth/jwt-secret.js'
import type { User } from '../../src/index.js'
import type { TokenResponse } from '../../src/schemas/auth.js'
import { buildApp } from '../../src/server/app.js'
import { AuthService } from '../../src/services/auth.js'
import { describeEachEngine } from '../support/engines.js'

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!'
const ACCESS_TTL_S = 900
const REFRESH_TTL_S = 3600
const PASSWORD = 'correct horse'

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '')

/** A JWT like ours, signed by the test: each case changes one thing. */
async function forge(
  claims: { sub: string; sid: string },
  options: { secret?: string; alg?: string; aud?: string; iss?: string; typ?: string | null } = {},
) {
  const now = Math.floor(Date.now() / 1000)
  const header: { alg: string; typ?: string } = { alg: options.alg ?? 'HS256' }
  if (options.typ !== null) header.typ = options.typ ?? 'at+jwt'
  return new SignJWT({ sid: claims.sid, role: 'user' })
    .setProtectedHeader(header)
    .setIssuer(options.iss ?? 'chatkeep')
    .setAudience(options.aud ?? 'chatkeep')
    .setSubject(claims.sub)
    .setJti('forged-jti')
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(new TextEncoder().encode(options.secret ?? SECRET))
}

describeEachEngine('auth', (ctx) => {
  let app: FastifyInstance
  /** Milliseconds added to the auth service's clock, to age tokens. */
  let offset = 0
  const now = () => Date.now() + offset
  let counter = 0
  const unique = (base: string) => `${base}_${process.pid}_${++counter}`

  beforeAll(async () => {
    const auth = await AuthService.open(ctx.store, {
      access_token_ttl_s: ACCESS_TTL_S,
      refresh_token_ttl_s: REFRESH_TTL_S,
      jwt_secret: SECRET,
      now,
    })
    app = await buildApp({ store: ctx.store, auth })
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
  })
  afterEach(() => {
    offset = 0
  })

  const bearer = (token?: string) =>
    token === undefined ? {} : { authorization: `Bearer ${token}` }
  const post = (url: string, payload?: object, token?: string, headers: object = {}) =>
    app.inject({ method: 'POST', url, headers: { ...bearer(token), ...headers }, payload })
  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: bearer(token) })
  const del = (url: string, token?: string) =>
    app.inject({ method: 'DELETE', url, headers: bearer(token) })
  const patch = (url: string, payload: object, token?: string) =>
    app.inject({ method: 'PATCH', url, headers: bearer(token), payload })
  const me = (token: string) => get('/v1/users/me', token)
  const refresh = (refresh_token: string) => post('/v1/auth/refresh', { refresh_token })
  const login = (username: string, password = PASSWORD, headers: object = {}) =>
    post('/v1/auth/login', { username, password }, undefined, headers)

  async function register(username = unique('user'), password = PASSWORD) {
    const response = await post('/v1/auth/register', { username, password })
    expect(response.statusCode, response.body).toBe(201)
    return response.json<TokenResponse>()
  }

  async function tokens(response: LightMyRequestResponse) {
    expect(response.statusCode, response.body).toBe(200)
    return response.json<TokenResponse>()
  }

  async function admin() {
    const username = unique('root')
    await ctx.store.users.create({
      username,
      role: 'admin',
      password_hash: await hashPassword(PASSWORD),
    })
    return tokens(await login(username))
  }

  const db = () => ctx.store.database.kysely
  const refreshRow = (token: string) =>
    db()
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', sha256Hex(token))
      .executeTakeFirstOrThrow()
  const sessionRow = (id: string) =>
    db().selectFrom('auth_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const sessionOf = (access: string) => decodeJwt(access).sid as string

  it('registers with a normalized username; the access token is a pinned HS256 JWT', async () => {
    const raw = `  Reg_${process.pid}_${++counter}  `
    const pair = await register(raw)
    expect(pair).toMatchObject({ token_type: 'Bearer', expires_in: ACCESS_TTL_S })
    expect(pair.user.username).toBe(raw.trim().toLowerCase())
    expect(pair.refresh_token).toMatch(/^ckr_[A-Za-z0-9_-]{43}$/)
    expect(pair.user).not.toHaveProperty('password_hash')

    expect(decodeProtectedHeader(pair.access_token)).toEqual({ alg: 'HS256', typ: 'at+jwt' })
    const claims = decodeJwt(pair.access_token)
    expect(claims).toMatchObject({
      iss: 'chatkeep',
      aud: 'chatkeep',
      sub: pair.user.id,
      role: 'user',
    })
    expect(claims.exp! - claims.iat!).toBe(ACCESS_TTL_S)
    const session = await sessionRow(claims.sid as string)
    expect(session.access_jti).toBe(claims.jti)
    expect(session.user_id).toBe(pair.user.id)

    // The refresh token is kept only as its SHA-256; the password only as argon2id.
    const stored = await refreshRow(pair.refresh_token)
    expect(stored).toMatchObject({ session_id: session.id, parent_id: null, used_at: null })
    const user = await db()
      .selectFrom('users')
      .select(['password_hash', 'last_login_at'])
      .where('id', '=', pair.user.id)
      .executeTakeFirstOrThrow()
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(user.last_login_at).not.toBeNull()

    const response = await me(pair.access_token)
    expect(response.statusCode).toBe(200)
    expect(response.json<User>().id).toBe(pair.user.id)

    const taken = await post('/v1/auth/register', {
      username: raw.trim().toUpperCase(),
      password: PASSWORD,
    })
    expect(taken.statusCode).toBe(409)
    expect(taken.json()).toMatchObject({ code: 'conflict', field: '/username' })

    const extra = await post('/v1/auth/register', {
      username: unique('u'),
      password: PASSWORD,
      role: 'admin',
    })
    expect(extra.statusCode).toBe(400)
    expect(extra.json()).toMatchObject({ code: 'validation_failed', field: '/role' })
  })

  it('keeps passwords between 8 and 256 characters', async () => {
    const short = await post('/v1/auth/register', { username: unique('u'), password: '1234567' })
    expect(short.statusCode).toBe(400)
    expect(short.json()).toMatchObject({ code: 'validation_failed', field: '/password' })
    expect(short.json().detail).toMatch(/at least 8 characters/)

    const long = await post('/v1/auth/register', {
      username: unique('u'),
      password: 'x'.repeat(257),
    })
    expect(long.statusCode).toBe(400)
    expect(long.json()).toMatchObject({ code: 'validation_failed', field: '/password' })
    expect(long.json().detail).toMatch(/at most 256 characters/)

    const huge = await post('/v1/auth/register', {
      username: unique('u'),
      password: 'x'.repeat(5000),
    })
    expect(huge.statusCode).toBe(400)

    const emoji = '😀'.repeat(256)
    const username = unique('u')
    await register(username, emoji)
    expect((await login(username, emoji)).statusCode).toBe(200)
    expect((await login(username, `${emoji}x`)).json()).toMatchObject({ field: '/password' })
    await register(unique('u'), '12345678')
  })

  it('answers an unknown user and a wrong password identically', async () => {
    const username = unique('user')
    await register(username)
    const wrong = await login(username, 'not the password')
    const unknown = await login(unique('nobody'), 'not the password')
    const impossible = await login('no such name!', 'not the password')
    for (const response of [wrong, unknown, impossible]) {
      expect(response.statusCode).toBe(401)
      expect(response.headers['content-type']).toBe(wrong.headers['content-type'])
      expect(response.json()).toEqual(wrong.json())
    }
    expect(wrong.json()).toMatchObject({
      code: 'unauthorized',
      detail: 'Wrong username or password.',
    })

    // Usernames are looked up normalized; a successful login stamps last_login_at.
    const before = await ctx.store.users.getByUsername(username)
    const pair = await tokens(await login(`  ${username.toUpperCase()} `))
    expect(pair.user.id).toBe(before.id)
    expect(pair.user.last_login_at).not.toBeNull()
    expect(pair.user.last_login_at! >= before.last_login_at!).toBe(true)
  })

  it('refuses an inactive user; deactivation stops their tokens and keys at once', async () => {
    const root = await admin()
    const username = unique('user')
    const pair = await register(username)
    const key = (await post('/v1/auth/api-keys', { name: 'bot' }, pair.access_token)).json().key
    expect((await me(key)).statusCode).toBe(200)

    const off = await patch(`/v1/users/${pair.user.id}`, { is_active: false }, root.access_token)
    expect(off.statusCode).toBe(200)
    expect((await me(pair.access_token)).json()).toMatchObject({
      status: 401,
      code: 'unauthorized',
    })
    expect((await me(key)).statusCode).toBe(401)
    const refused = await refresh(pair.refresh_token)
    expect(refused.json()).toMatchObject({ status: 403, code: 'forbidden' })
    expect((await login(username)).json()).toMatchObject({ status: 403, code: 'forbidden' })
    // Without the right password, nothing tells that the account exists or is deactivated.
    expect((await login(username, 'wrong password')).statusCode).toBe(401)

    await patch(`/v1/users/${pair.user.id}`, { is_active: true }, root.access_token)
    expect((await me(pair.access_token)).statusCode).toBe(200)
    expect((await login(username)).statusCode).toBe(200)
  })

  it('applies a role change on the next request', async () => {
    const root = await admin()
    const pair = await register()
    expect((await get('/v1/users', pair.access_token)).statusCode).toBe(403)
    await patch(`/v1/users/${pair.user.id}`, { role: 'admin' }, root.access_token)
    expect((await get('/v1/users', pair.access_token)).statusCode).toBe(200)
    await patch(`/v1/users/${pair.user.id}`, { role: 'user' }, root.access_token)
    expect((await get('/v1/users', pair.access_token)).statusCode).toBe(403)
  })

  it('rotates refresh tokens: each works once and is the parent of the next', async () => {
    const first = await register()
    const second = await tokens(await refresh(first.refresh_token))
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(second.access_token).not.toBe(first.access_token)
    expect(second.user.id).toBe(first.user.id)
    expect(second).toMatchObject({ token_type: 'Bearer', expires_in: ACCESS_TTL_S })
    expect(sessionOf(second.access_token)).toBe(sessionOf(first.access_token))
    expect((await me(second.access_token)).statusCode).toBe(200)

    const used = await refreshRow(first.refresh_token)
    const child = await refreshRow(second.refresh_token)
    expect(used.used_at).not.toBeNull()
    expect(child).toMatchObject({ parent_id: used.id, session_id: used.session_id, used_at: null })
    const session = await sessionRow(used.session_id)
    expect(session.access_jti).toBe(decodeJwt(second.access_token).jti)

    const third = await tokens(await refresh(second.refresh_token))
    expect((await refreshRow(third.refresh_token)).parent_id).toBe(child.id)
  })

  it('takes a used refresh token presented after the grace window as stolen: the session ends', async () => {
    const first = await register()
    const second = await tokens(await refresh(first.refresh_token))
    const third = await tokens(await refresh(second.refresh_token))
    offset = 11_000

    const replay = await refresh(first.refresh_token)
    expect(replay.statusCode).toBe(401)
    expect(replay.json()).toMatchObject({ code: 'unauthorized' })
    expect(replay.json().detail).toMatch(/already used/)

    // The whole chain and the session are revoked: the newest pair is dead too.
    expect((await refresh(third.refresh_token)).statusCode).toBe(401)
    for (const pair of [first, second, third]) {
      expect((await me(pair.access_token)).statusCode).toBe(401)
    }
    const sid = sessionOf(first.access_token)
    expect((await sessionRow(sid)).revoked_at).not.toBeNull()
    const live = await db()
      .selectFrom('refresh_tokens')
      .select('id')
      .where('session_id', '=', sid)
      .where('revoked_at', 'is', null)
      .execute()
    expect(live).toEqual([])
  })

  it('lets refreshes racing within the grace window both succeed, with the user still logged in', async () => {
    const first = await register()
    const [a, b] = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)])
    const pairA = await tokens(a!)
    const pairB = await tokens(b!)
    expect(pairA.refresh_token).not.toBe(pairB.refresh_token)
    const parent = await refreshRow(first.refresh_token)
    for (const pair of [pairA, pairB]) {
      expect(sessionOf(pair.access_token)).toBe(parent.session_id)
      expect((await refreshRow(pair.refresh_token)).parent_id).toBe(parent.id)
      expect((await me(pair.access_token)).statusCode).toBe(200)
    }

    // A late retry still inside the window gets a sibling pair too.
    offset = 5_000
    const late = await tokens(await refresh(first.refresh_token))
    expect((await refreshRow(late.refresh_token)).parent_id).toBe(parent.id)

    // Later on, each sibling rotates on its own, once.
    offset = 30_000
    const nextA = await tokens(await refresh(pairA.refresh_token))
    const nextB = await tokens(await refresh(pairB.refresh_token))
    expect((await me(nextA.access_token)).statusCode).toBe(200)
    expect((await me(nextB.access_token)).statusCode).toBe(200)
    expect((await sessionRow(parent.session_id)).revoked_at).toBeNull()

    // Reuse outside the window still ends it all.
    expect((await refresh(first.refresh_token)).statusCode).toBe(401)
    expect((await me(nextA.access_token)).statusCode).toBe(401)
  })

  it('refuses an expired refresh token, an expired access token, and unknown refresh tokens', async () => {
    const pair = await register()
    offset = (ACCESS_TTL_S + 1) * 1000
    const expired = await me(pair.access_token)
    expect(expired.statusCode).toBe(401)
    expect(expired.json().detail).toMatch(/expired/)
    offset = (REFRESH_TTL_S + 1) * 1000
    const late = await refresh(pair.refresh_token)
    expect(late.statusCode).toBe(401)
    expect(late.json().detail).toMatch(/expired/)

    offset = 0
    for (const token of ['ckr_' + 'A'.repeat(43), 'nonsense', pair.access_token]) {
      expect((await refresh(token)).json()).toMatchObject({ status: 401, code: 'unauthorized' })
    }
    expect((await refresh('')).statusCode).toBe(400)
  })

  it('logs out: the access token and the refresh token stop working', async () => {
    const pair = await register()
    const other = await tokens(await login(pair.user.username))
    const response = await post('/v1/auth/logout', undefined, pair.access_token)
    expect(response.statusCode).toBe(204)
    expect(response.body).toBe('')
    expect((await me(pair.access_token)).statusCode).toBe(401)
    expect((await refresh(pair.refresh_token)).statusCode).toBe(401)
    expect((await post('/v1/auth/logout', undefined, pair.access_token)).statusCode).toBe(401)
    // Other sessions of the same user live on.
    expect((await me(other.access_token)).statusCode).toBe(200)
    expect((await post('/v1/auth/logout')).statusCode).toBe(401)
  })

  it("lists and revokes one's own sessions; another user's session is not found", async () => {
    const first = await register()
    const second = await tokens(
      await login(first.user.username, PASSWORD, { 'user-agent': 'chatkeep-test/1.0' }),
    )
    const list = await get('/v1/auth/sessions', second.access_token)
    expect(list.statusCode).toBe(200)
    const page = list.json()
    expect(page).toMatchObject({ object: 'list', has_more: false })
    expect(page.data.map((s: { id: string }) => s.id)).toEqual([
      sessionOf(second.access_token),
      sessionOf(first.access_token),
    ])
    expect(page.data[0]).toMatchObject({ current: true, user_agent: 'chatkeep-test/1.0' })
    expect(page.data[0].ip_address).toBeTruthy()
    expect(page.data[1]).toMatchObject({ current: false })
    expect(Object.keys(page.data[0]).sort()).toEqual([
      'created_at',
      'current',
      'expires_at',
      'id',
      'ip_address',
      'last_activity',
      'user_agent',
    ])

    const paged = (await get('/v1/auth/sessions?limit=1', second.access_token)).json()
    expect(paged).toMatchObject({ has_more: true, data: [{ id: page.data[0].id }] })
    const rest = (
      await get(`/v1/auth/sessions?limit=1&after=${paged.last_id}`, second.access_token)
    ).json()
    expect(rest).toMatchObject({ has_more: false, data: [{ id: page.data[1].id }] })

    const stranger = await register()
    const target = sessionOf(first.access_token)
    for (const id of [target, '0190a4f2-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const response = await del(`/v1/auth/sessions/${id}`, stranger.access_token)
      expect(response.json()).toMatchObject({ status: 404, code: 'not_found' })
    }
    expect((await me(first.access_token)).statusCode).toBe(200)

    expect((await del(`/v1/auth/sessions/${target}`, second.access_token)).statusCode).toBe(204)
    expect((await me(first.access_token)).statusCode).toBe(401)
    expect((await refresh(first.refresh_token)).statusCode).toBe(401)
    expect((await del(`/v1/auth/sessions/${target}`, second.access_token)).statusCode).toBe(404)
    const after = (await get('/v1/auth/sessions', second.access_token)).json()
    expect(after.data.map((s: { id: string }) => s.id)).toEqual([sessionOf(second.access_token)])
  })

  it('creates API keys: the secret once, usable as a bearer, listed without it, revocable', async () => {
    const owner = await register()
    const created = await post('/v1/auth/api-keys', { name: 'discord bot' }, owner.access_token)
    expect(created.statusCode).toBe(201)
    const key = created.json()
    expect(key.key).toMatch(/^ck_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/)
    expect(key).toMatchObject({
      name: 'discord bot',
      prefix: key.key.slice(0, 15),
      scopes: ['read', 'write'],
      last_used_at: null,
    })
    expect(key).not.toHaveProperty('key_hash')

    const stored = await db()
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow()
    expect(stored.key_hash).toBe(sha256Hex(key.key))
    expect(JSON.stringify(stored)).not.toContain(key.key.slice(16))

    const viaKey = await me(key.key)
    expect(viaKey.statusCode).toBe(200)
    expect(viaKey.json().id).toBe(owner.user.id)
    const conversation = await post('/v1/conversations', { title: 'from a bot' }, key.key)
    expect(conversation.statusCode).toBe(201)

    const list = await get('/v1/auth/api-keys', owner.access_token)
    expect(list.statusCode).toBe(200)
    expect(list.body).not.toContain(key.key.slice(16))
    const listed = list.json().data.find((k: { id: string }) => k.id === key.id)
    expect(Object.keys(listed).sort()).toEqual([
      'created_at',
      'id',
      'last_used_at',
      'name',
      'prefix',
      'scopes',
    ])
    expect(listed.last_used_at).not.toBeNull()

    // A key cannot manage credentials: a leaked one cannot mint more.
    for (const response of [
      await post('/v1/auth/api-keys', { name: 'again' }, key.key),
      await get('/v1/auth/api-keys', key.key),
      await get('/v1/auth/sessions', key.key),
      await post('/v1/auth/logout', undefined, key.key),
    ]) {
      expect(response.json()).toMatchObject({ status: 403, code: 'forbidden' })
    }

    const tampered = key.key.slice(0, -1) + (key.key.endsWith('A') ? 'B' : 'A')
    expect((await me(tampered)).statusCode).toBe(401)

    const stranger = await register()
    expect((await del(`/v1/auth/api-keys/${key.id}`, stranger.access_token)).statusCode).toBe(404)
    expect((await me(key.key)).statusCode).toBe(200)
    expect((await del(`/v1/auth/api-keys/${key.id}`, owner.access_token)).statusCode).toBe(204)
    expect((await me(key.key)).json()).toMatchObject({ status: 401, code: 'unauthorized' })
    expect((await del(`/v1/auth/api-keys/${key.id}`, owner.access_token)).statusCode).toBe(404)
    const after = (await get('/v1/auth/api-keys', owner.access_token)).json()
    expect(after.data.map((k: { id: string }) => k.id)).not.toContain(key.id)
  })

  it('enforces API key scopes: read, write, and admin only for an admin', async () => {
    const owner = await register()
    const readOnly = (
      await post('/v1/auth/api-keys', { name: 'reader', scopes: ['read'] }, owner.access_token)
    ).json()
    expect((await me(readOnly.key)).statusCode).toBe(200)
    const write = await post('/v1/conversations', { title: 'no' }, readOnly.key)
    expect(write.json()).toMatchObject({ status: 403, code: 'forbidden' })

    const denied = await post(
      '/v1/auth/api-keys',
      { name: 'x', scopes: ['admin'] },
      owner.access_token,
    )
    expect(denied.json()).toMatchObject({ status: 403, code: 'forbidden', field: '/scopes' })
    const bad = await post('/v1/auth/api-keys', { name: 'x', scopes: ['root'] }, owner.access_token)
    expect(bad.statusCode).toBe(400)

    const root = await admin()
    const plain = (await post('/v1/auth/api-keys', { name: 'ops' }, root.access_token)).json()
    expect((await get('/v1/users', plain.key)).statusCode).toBe(403)
    const elevated = (
      await post('/v1/auth/api-keys', { name: 'ops', scopes: ['read', 'admin'] }, root.access_token)
    ).json()
    expect((await get('/v1/users', elevated.key)).statusCode).toBe(200)
  })

  it('verifies legacy PBKDF2 hashes and re-hashes them to argon2id on login', async () => {
    const salt = Buffer.from('an-imported-salt')
    const derived = (password: string) => pbkdf2Sync(password, salt, 100_000, 32, 'sha256')
    const cases = [
      // From seed 003's PostgreSQL era; the last one is shorter than new passwords may be.
      [
        'pbkdf2 PHC',
        'imported pw',
        `$pbkdf2-sha256$i=100000$${b64(salt)}$${b64(derived('imported pw'))}`,
      ],
      [
        'passlib',
        'password',
        '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ',
      ],
      [
        'werkzeug',
        'correct horse',
        'pbkdf2:sha256:100000$6b4OAEBWGQ5aTdWV$9f08513d88463f9580874d73c358b8b1c62559b06868ca45bbcd7c4237ca97e7',
      ],
      ['short', 'abc12', `$pbkdf2-sha256$i=100000$${b64(salt)}$${b64(derived('abc12'))}`],
    ] as const
    for (const [name, password, password_hash] of cases) {
      const user = await ctx.store.users.create({
        username: unique(name.replace(' ', '_')),
        password_hash,
      })
      expect((await login(user.username, `${password}!`)).statusCode, name).toBe(401)
      const pair = await tokens(await login(user.username, password))
      expect(pair.user.id).toBe(user.id)
      const row = await db()
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow()
      expect(row.password_hash, name).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      expect((await login(user.username, password)).statusCode, name).toBe(200)
      expect((await login(user.username, `${password}!`)).statusCode, name).toBe(401)
    }
    // A user without a password (made by a Discord bot, say) cannot log in with any.
    const bot = await ctx.store.users.create({ username: unique('nopass') })
    expect((await login(bot.username, 'anything at all')).json()).toMatchObject({
      status: 401,
      detail: 'Wrong username or password.',
    })
  })

  it('refuses tampered, expired, wrong-audience, wrong-issuer, alg-none and other-algorithm JWTs', async () => {
    const pair = await register()
    const claims = { sub: pair.user.id, sid: sessionOf(pair.access_token) }
    // Control: a token the test signs like the server does is accepted, so each refusal below
    // is down to the one thing changed.
    expect((await me(await forge(claims))).statusCode).toBe(200)

    const [header, payload, signature] = pair.access_token.split('.') as [string, string, string]
    const elevated = Buffer.from(
      JSON.stringify({
        ...decodeJwt(pair.access_token),
        role: 'admin',
        sub: '0190a4f2-0000-7000-8000-000000000000',
      }),
    ).toString('base64url')
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA')
    const unsigned = new UnsecuredJWT({ sid: claims.sid, role: 'admin' })
      .setIssuer('chatkeep')
      .setAudience('chatkeep')
      .setSubject(claims.sub)
      .setJti('none-jti')
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode()
    const bad = [
      `${header}.${elevated}.${signature}`,
      `${header}.${payload}.${flipped}`,
      `${header}.${payload}.`,
      unsigned,
      `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`,
      await forge(claims, { aud: 'someone-else' }),
      await forge(claims, { iss: 'someone-else' }),
      await forge(claims, { alg: 'HS512' }),
      await forge(claims, { secret: 'another-secret-that-is-long-enough-for-hs256' }),
      await forge(claims, { typ: null }),
      await forge(claims, { typ: 'JWT' }),
      await forge({ ...claims, sid: 'not-a-session' }),
      await forge({ ...claims, sub: '0190a4f2-0000-7000-8000-000000000000' }),
      pair.refresh_token,
      'x'.repeat(5000),
      'garbage',
    ]
    for (const token of bad) {
      const response = await me(token)
      expect(response.statusCode, token.slice(0, 80)).toBe(401)
      expect(response.json()).toMatchObject({ code: 'unauthorized' })
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="chatkeep", error="invalid_token"',
      )
    }
    for (const authorization of [
      '',
      'Bearer',
      'Basic dXNlcjpwYXNz',
      `Token ${pair.access_token}`,
    ]) {
      const response = await app.inject({
        method: 'GET',
        url: '/v1/users/me',
        headers: { authorization },
      })
      expect(response.statusCode).toBe(401)
      expect(response.headers['www-authenticate']).toBe('Bearer realm="chatkeep"')
    }

    offset = (ACCESS_TTL_S + 5) * 1000
    expect((await me(pair.access_token)).json().detail).toMatch(/expired/)
  })

  it('generates the JWT secret once, kept in the database, and every instance agrees', async () => {
    const other = await ctx.open()
    const config = { access_token_ttl_s: 60, refresh_token_ttl_s: 600 }
    const [one, two] = await Promise.all([
      AuthService.open(ctx.store, config),
      AuthService.open(other, config),
    ])
    const rows = await db()
      .selectFrom('system_configs')
      .selectAll()
      .where('key', '=', JWT_SECRET_KEY)
      .execute()
    expect(rows).toHaveLength(1)
    const secret = ctx.store.database.codec.json<string>(rows[0]!.value)
    expect(secret.length).toBeGreaterThanOrEqual(64)
    expect(secret).not.toBe(SECRET)

    const pair = await one.register({ username: unique('gen'), password: PASSWORD })
    await expect(two.authenticate(pair.access_token)).resolves.toMatchObject({
      user_id: pair.user.id,
    })
    const again = await AuthService.open(other, config)
    await expect(again.authenticate(pair.access_token)).resolves.toMatchObject({
      session_id: sessionOf(pair.access_token),
    })
    // The app configured with JWT_SECRET does not accept the generated secret's tokens.
    expect((await me(pair.access_token)).statusCode).toBe(401)
    await expect(
      AuthService.open(other, { ...config, jwt_secret: 'too short' }),
    ).rejects.toMatchObject({
      code: 'invalid_config',
      field: '/jwt_secret',
    })
  })

  it('describes every auth route in the OpenAPI document; login needs no token', async () => {
    const response = await get('/openapi.json')
    expect(response.statusCode).toBe(200)
    const document = response.json()
    const result = await new Validator().validate(structuredClone(document))
    expect(result.errors ?? []).toEqual([])
    const paths = document.paths as Record<string, Record<string, { security?: unknown[] }>>
    for (const path of ['/v1/auth/register', '/v1/auth/login', '/v1/auth/refresh']) {
      expect(paths[path]?.post?.security, path).toEqual([])
    }
    expect(paths['/v1/auth/logout']?.post?.security).toBeUndefined()
    expect(Object.keys(paths['/v1/auth/sessions/{id}'] ?? {})).toEqual(['delete'])
    expect(Object.keys(paths['/v1/auth/api-keys'] ?? {}).sort()).toEqual(['get', 'post'])
  })

  it('runs the main flows over real HTTP', async () => {
    const auth = await AuthService.open(ctx.store, {
      access_token_ttl_s: ACCESS_TTL_S,
      refresh_token_ttl_s: REFRESH_TTL_S,
      jwt_secret: SECRET,
    })
    const server = await buildApp({ store: ctx.store, auth })
    try {
      const address = await server.listen({ port: 0, host: '127.0.0.1' })
      const call = async (method: string, path: string, body?: object, token?: string) => {
        const response = await fetch(`${address}${path}`, {
          method,
          headers: {
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
            'user-agent': 'fetch-test',
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        })
        const text = await response.text()
        return {
          status: response.status,
          type: response.headers.get('content-type'),
          body: text === '' ? undefined : JSON.parse(text),
        }
      }

      const username = unique('http')
      const registered = await call('POST', '/v1/auth/register', { username, password: PASSWORD })
      expect(registered.status).toBe(201)
      const logged = await call('POST', '/v1/auth/login', { username, password: PASSWORD })
      expect(logged.status).toBe(200)
      const pair = logged.body as TokenResponse
      expect((await call('GET', '/v1/users/me', undefined, pair.access_token)).body.username).toBe(
        username,
      )

      const wrong = await call('POST', '/v1/auth/login', { username, password: 'nope nope' })
      const unknown = await call('POST', '/v1/auth/login', {
        username: unique('ghost'),
        password: 'nope nope',
      })
      expect([wrong.status, wrong.type]).toEqual([401, 'application/problem+json; charset=utf-8'])
      expect(unknown).toEqual(wrong)

      // Two clients refreshing with the same token at the same moment: both get a pair.
      const [a, b] = await Promise.all([
        call('POST', '/v1/auth/refresh', { refresh_token: pair.refresh_token }),
        call('POST', '/v1/auth/refresh', { refresh_token: pair.refresh_token }),
      ])
      expect([a.status, b.status]).toEqual([200, 200])
      const next = a.body as TokenResponse
      expect((await call('GET', '/v1/users/me', undefined, next.access_token)).status).toBe(200)
      expect((await call('GET', '/v1/users/me', undefined, b.body.access_token)).status).toBe(200)

      const sessions = await call('GET', '/v1/auth/sessions', undefined, next.access_token)
      expect(sessions.body.data.find((s: { current: boolean }) => s.current).user_agent).toBe(
        'fetch-test',
      )

      const key = await call('POST', '/v1/auth/api-keys', { name: 'http bot' }, next.access_token)
      expect(key.status).toBe(201)
      expect((await call('GET', '/v1/users/me', undefined, key.body.key)).status).toBe(200)
      const keys = await call('GET', '/v1/auth/api-keys', undefined, next.access_token)
      expect(JSON.stringify(keys.body)).not.toContain(key.body.key)
      expect(
        (await call('DELETE', `/v1/auth/api-keys/${key.body.id}`, undefined, next.access_token))
          .status,
      ).toBe(204)
      expect((await call('GET', '/v1/users/me', undefined, key.body.key)).status).toBe(401)

      expect((await call('POST', '/v1/auth/logout', undefined, next.access_token)).status).toBe(204)
      const after = await call('GET', '/v1/users/me', undefined, next.access_token)
      expect(after.status).toBe(401)
      expect(after.body).toMatchObject({ code: 'unauthorized' })
      expect((await call('GET', '/v1/users/me', undefined, b.body.access_token)).status).toBe(401)
      expect(
        (await call('POST', '/v1/auth/refresh', { refresh_token: next.refresh_token })).status,
      ).toBe(401)
    } finally {
      await server.close()
    }
  })
})
