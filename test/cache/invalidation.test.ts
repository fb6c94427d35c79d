/**
 * Users and sessions read through the cache, on both engines and with both caches: every change
 * is seen by the very next request (deactivation, logout, session revoke, refresh-token reuse,
 * role change, user deletion); with Redis, on every instance at once; in memory, another
 * instance sees it when its entry expires (the documented trade-off).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Cache, INVALIDATION_HOLD_MS } from '../../src/cache/cache.js'
import { LOCAL_LOOKUP_TTL_MS, sessionKey, userKey } from '../../src/cache/lookups.js'
import { MemoryCache } from '../../src/cache/memory-cache.js'
import { AuthService } from '../../src/services/auth.js'
import { createStore, type Store } from '../../src/store.js'
import { describeEachEngine, type EngineContext } from '../support/engines.js'
import { testApp, type TestApp } from '../server/test-app.js'
import { CACHE_KINDS, manualClock, openTestCache, redisCache, uniquePrefix } from './support.js'

/** A changed key is not cached again until its delete stops holding it. */
const hold = () => new Promise((resolve) => setTimeout(resolve, INVALIDATION_HOLD_MS + 50))

const AUTH = {
  access_token_ttl_s: 3600,
  refresh_token_ttl_s: 86_400,
  jwt_secret: 'cache-test-secret-of-at-least-32-characters',
}

for (const kind of CACHE_KINDS) {
  describeEachEngine(`invalidation through the ${kind} cache`, (ctx) => {
    let cache: Cache
    let store: Store
    let t: TestApp
    /** Access tokens of logins made before the suite, whose users are cached by then. */
    const tokens = { alice: '', bob: '' }

    beforeAll(async () => {
      cache = await openTestCache(kind)
      // A second store over the same database, reading through this cache; the database
      // belongs to ctx.store, which closes it.
      store = createStore(ctx.store.database, { cache })
      t = await testApp(store)
      tokens.alice = (await login('alice')).access_token
      tokens.bob = (await login('bob')).access_token
      // The logins changed the users (last_login_at): they are read afresh for the hold time.
      await hold()
      for (const token of Object.values(tokens)) await me(bearer(token))
    })
    afterAll(async () => {
      await t?.app.close()
      await cache?.close()
    })

    const me = (authorization: string) =>
      t.app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization } })
    const bearer = (token: string) => `Bearer ${token}`
    const login = async (who: 'alice' | 'bob') => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: t.users[who].username, password: 'correct horse battery' },
      })
      expect(response.statusCode).toBe(200)
      return response.json<{ access_token: string; refresh_token: string }>()
    }
    const patchUser = (id: string, payload: object) =>
      t.app.inject({ method: 'PATCH', url: `/v1/users/${id}`, headers: t.as('admin'), payload })

    /** Asserts that the user and the session behind a token are in the cache now. */
    const expectCached = async (user_id: string, token: string) => {
      const principal = await t.auth.authenticate(token)
      expect(await cache.get(userKey(user_id))).toMatchObject({ id: user_id })
      expect(await cache.get(sessionKey(principal.session_id!))).toMatchObject({ user_id })
    }

    it('serves users and sessions from the cache once warm', async () => {
      const access_token = tokens.alice
      await expectCached(t.users.alice.id, access_token)
      const hits = cache.stats.hits
      for (let i = 0; i < 5; i++) expect((await me(bearer(access_token))).statusCode).toBe(200)
      // Per request: the session, and the user (twice: authentication and /users/me).
      expect(cache.stats.hits - hits).toBeGreaterThanOrEqual(15)
    })

    it('refuses a deactivated user at the next request, and lets them back in on reactivation', async () => {
      const access_token = tokens.bob
      await expectCached(t.users.bob.id, access_token)
      expect((await patchUser(t.users.bob.id, { is_active: false })).statusCode).toBe(200)
      const refused = await me(bearer(access_token))
      expect(refused.statusCode).toBe(401)
      expect(refused.json().detail).toMatch(/deactivated/)
      expect((await patchUser(t.users.bob.id, { is_active: true })).statusCode).toBe(200)
      expect((await me(bearer(access_token))).statusCode).toBe(200)
    })

    it('applies a role change at the next request, both ways', async () => {
      const access_token = tokens.alice
      await expectCached(t.users.alice.id, access_token)
      const list = () =>
        t.app.inject({
          method: 'GET',
          url: '/v1/users',
          headers: { authorization: bearer(access_token) },
        })
      expect((await list()).statusCode).toBe(403)
      expect((await list()).statusCode).toBe(403)
      expect((await patchUser(t.users.alice.id, { role: 'admin' })).statusCode).toBe(200)
      expect((await list()).statusCode).toBe(200)
      expect((await me(bearer(access_token))).json().role).toBe('admin')
      expect((await patchUser(t.users.alice.id, { role: 'user' })).statusCode).toBe(200)
      expect((await list()).statusCode).toBe(403)
    })

    it('stops a token at once on logout and on session revoke', async () => {
      const first = await login('alice')
      const second = await login('alice')
      for (const s of [first, second]) {
        expect((await me(bearer(s.access_token))).statusCode).toBe(200)
        const principal = await t.auth.authenticate(s.access_token)
        expect(await cache.get(sessionKey(principal.session_id!))).toBeDefined()
      }
      const logout = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: { authorization: bearer(first.access_token) },
      })
      expect(logout.statusCode).toBe(204)
      expect((await me(bearer(first.access_token))).statusCode).toBe(401)

      const sessions = await t.app.inject({
        method: 'GET',
        url: '/v1/auth/sessions',
        headers: { authorization: bearer(second.access_token) },
      })
      const current = sessions
        .json<{ data: { id: string; current: boolean }[] }>()
        .data.find((s) => s.current)!
      const revoke = await t.app.inject({
        method: 'DELETE',
        url: `/v1/auth/sessions/${current.id}`,
        headers: t.as('alice'),
      })
      expect(revoke.statusCode).toBe(204)
      expect((await me(bearer(second.access_token))).statusCode).toBe(401)
      expect((await me(t.as('alice').authorization)).statusCode).toBe(200)
    })

    it('ends the session at once when a used refresh token comes back (reuse detection)', async () => {
      const auth = new AuthService(
        store.database,
        store.users,
        { ...AUTH, refresh_grace_s: 0 },
        cache,
      )
      const tokens = await auth.login({
        username: t.users.bob.username,
        password: 'correct horse battery',
      })
      await auth.authenticate(tokens.access_token)
      const rotated = await auth.refresh(tokens.refresh_token)
      await auth.authenticate(rotated.access_token)
      await new Promise((resolve) => setTimeout(resolve, 5))
      await expect(auth.refresh(tokens.refresh_token)).rejects.toMatchObject({
        code: 'unauthorized',
      })
      await expect(auth.authenticate(rotated.access_token)).rejects.toMatchObject({
        code: 'unauthorized',
      })
    })

    it('refuses the tokens of a deleted user at once', async () => {
      const doomed = await t.auth.register({
        username: `doomed_${kind}_${ctx.engine}`,
        password: 'correct horse battery',
      })
      await hold()
      expect((await me(bearer(doomed.access_token))).statusCode).toBe(200)
      await expectCached(doomed.user.id, doomed.access_token)
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: `/v1/users/${doomed.user.id}`,
        headers: t.as('admin'),
      })
      expect(deleted.statusCode).toBe(204)
      expect((await me(bearer(doomed.access_token))).statusCode).toBe(401)
    })

    it('does not see a change written behind its back until the entry expires (why every write goes through the services)', async () => {
      await hold()
      await store.users.get(t.users.bob.id)
      await ctx.store.database.kysely
        .updateTable('users')
        .set({ display_name: 'changed in SQL' })
        .where('id', '=', t.users.bob.id)
        .execute()
      expect((await store.users.get(t.users.bob.id)).display_name).not.toBe('changed in SQL')
      await store.users.forget(t.users.bob.id)
      expect((await store.users.get(t.users.bob.id)).display_name).toBe('changed in SQL')
    })
  })
}

describeEachEngine('two instances on one database', (ctx) => {
  it('with Redis: a deactivation or logout on one is refused by the other at once', async () => {
    const key_prefix = uniquePrefix()
    const [a, b] = await Promise.all([redisCache({ key_prefix }), redisCache({ key_prefix })])
    try {
      const { one, two, token, user, session, name } = await twoInstances(ctx, a, b)
      expect((await two.authenticate(token)).user_id).toBe(user)
      await one.logout(user, session)
      await expect(two.authenticate(token)).rejects.toMatchObject({ code: 'unauthorized' })

      const again = await one.login({ username: name, password: 'correct horse battery' })
      expect((await two.authenticate(again.access_token)).user_id).toBe(user)
      await createStore(ctx.store.database, { cache: a }).users.update(user, { is_active: false })
      await expect(two.authenticate(again.access_token)).rejects.toMatchObject({
        code: 'unauthorized',
      })
    } finally {
      await a.close()
      await b.close()
    }
  })

  it(`in memory: the other instance serves its cached entry until it expires (${LOCAL_LOOKUP_TTL_MS / 1000} s)`, async () => {
    const clock = manualClock()
    const a = new MemoryCache({ now: clock.now })
    const b = new MemoryCache({ now: clock.now })
    const { two, token, user } = await twoInstances(ctx, a, b)
    await two.authenticate(token)
    await createStore(ctx.store.database, { cache: a }).users.update(user, { is_active: false })
    // The change was made through instance one: instance two still has the user cached.
    expect((await two.authenticate(token)).user_id).toBe(user)
    clock.advance(LOCAL_LOOKUP_TTL_MS - 1)
    expect((await two.authenticate(token)).user_id).toBe(user)
    clock.advance(1)
    await expect(two.authenticate(token)).rejects.toMatchObject({ code: 'unauthorized' })
    expect(await b.get(userKey(user))).toMatchObject({ is_active: false })
  })
})

/** Two AuthServices on one database, as two server instances, each over its own cache. */
async function twoInstances(ctx: EngineContext, a: Cache, b: Cache) {
  const storeA = createStore(ctx.store.database, { cache: a })
  const storeB = createStore(ctx.store.database, { cache: b })
  const one = await AuthService.open(storeA, AUTH)
  const two = await AuthService.open(storeB, AUTH)
  const name = `two_${ctx.engine}_${uniquePrefix()}`.replace(/[^a-z0-9_]/gi, '').slice(0, 60)
  const registered = await one.register({ username: name, password: 'correct horse battery' })
  const principal = await one.authenticate(registered.access_token)
  return {
    one,
    two,
    name,
    token: registered.access_token,
    user: registered.user.id,
    session: principal.session_id!,
  }
}
