/**
 * Redis going away under load, with the server's users and sessions cached in it. A Redis of
 * the test's own is SIGKILLed mid-load and started again on the same port (the shared Redis on
 * 6379 is never touched); a partition (a relay the test cuts) keeps Redis's entries, which is
 * where a missed invalidation would show. Every request succeeds from the database meanwhile,
 * the outage is logged once, and the cache comes back by itself.
 */
import { afterEach, expect, it } from 'vitest'
import { INVALIDATION_HOLD_MS } from '../../src/cache/cache.js'
import { createStore } from '../../src/store.js'
import { describeEachEngine, type EngineContext } from '../support/engines.js'
import { testApp } from '../server/test-app.js'
import { ownRedis, redisCache, REDIS_URL } from './support.js'
import { startProxy } from '../support/redis-proxy.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {})
})

/** The app over `ctx`'s database with its cache in the Redis at `url`, and a third user, carol. */
async function appOnRedis(ctx: EngineContext, url: string) {
  const cache = await redisCache({ url, settle_ms: 500 })
  closers.push(() => cache.close())
  const t = await testApp(createStore(ctx.store.database, { cache }))
  closers.push(() => t.app.close())
  const carol = await t.auth.register({
    username: `carol_${ctx.engine}_${Math.random().toString(36).slice(2, 10)}`,
    password: 'correct horse battery',
  })
  const me = (authorization: string) =>
    t.app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization } })
  const carolAuth = `Bearer ${carol.access_token}`
  // Registering changed the users: wait out the hold, then cache carol and her session.
  await sleep(INVALIDATION_HOLD_MS + 50)
  expect((await me(carolAuth)).statusCode).toBe(200)
  expect((await me(carolAuth)).statusCode).toBe(200)
  const deactivateCarol = () =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${carol.user.id}`,
      headers: t.as('admin'),
      payload: { is_active: false },
    })
  return { cache, t, me, carolAuth, deactivateCarol }
}

describeEachEngine('a Redis outage under load', (ctx) => {
  it('serves every request from the database while Redis is killed, logs once, and recovers on restart', async () => {
    const redis = await ownRedis()
    closers.push(() => redis.kill())
    const { cache, t, me, carolAuth, deactivateCarol } = await appOnRedis(ctx, redis.url)

    const outcomes: { status: number; ms: number; phase: string }[] = []
    let phase = 'before'
    let running = true
    const worker = async (who: 'alice' | 'bob') => {
      while (running) {
        const started = performance.now()
        const response = await me(t.as(who).authorization)
        outcomes.push({ status: response.statusCode, ms: performance.now() - started, phase })
        // With Redis down and SQLite in process, a request may finish without any I/O: let
        // timers run between requests, as a socket would.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    const load = Promise.all([worker('alice'), worker('bob'), worker('alice'), worker('bob')])
    closers.push(async () => {
      running = false
      await load
    })
    await sleep(300)
    const hitsBefore = cache.stats.hits
    expect(hitsBefore).toBeGreaterThan(0)

    phase = 'down'
    await redis.kill()
    await sleep(800)
    expect((await deactivateCarol()).statusCode).toBe(200)
    expect((await me(carolAuth)).statusCode).toBe(401)
    await sleep(500)

    phase = 'back'
    await redis.start()
    await expect.poll(() => cache.logger.lines.length, { timeout: 10_000, interval: 50 }).toBe(2)
    // Hits again once settled, without restarting anything.
    const hitsAtRestart = cache.stats.hits
    await expect.poll(() => cache.stats.hits, { timeout: 5000 }).toBeGreaterThan(hitsAtRestart + 10)
    running = false
    await load

    expect(outcomes.filter((o) => o.status !== 200)).toEqual([])
    const down = outcomes.filter((o) => o.phase === 'down')
    expect(down.length).toBeGreaterThan(20)
    // A dead Redis costs a fast failure, not a wait.
    expect(Math.max(...down.map((o) => o.ms))).toBeLessThan(1000)
    expect(outcomes.filter((o) => o.phase === 'back').length).toBeGreaterThan(10)
    expect(cache.logger.lines).toEqual([
      { level: 'warn', msg: expect.stringMatching(/unreachable/) },
      { level: 'info', msg: expect.stringMatching(/again/) },
    ])
    // Deactivated while Redis was down: still refused now that it is back.
    expect((await me(carolAuth)).statusCode).toBe(401)
  })

  it('refuses a user deactivated during a partition once Redis is back, though Redis kept the old entry', async () => {
    const proxy = await startProxy(new URL(REDIS_URL))
    closers.push(() => proxy.stop())
    const { cache, me, carolAuth, deactivateCarol } = await appOnRedis(ctx, proxy.url)

    await proxy.pause()
    // The change cannot reach Redis: this instance reads the database meanwhile.
    expect((await deactivateCarol()).statusCode).toBe(200)
    expect((await me(carolAuth)).statusCode).toBe(401)
    await proxy.resume()
    await expect.poll(() => cache.logger.lines.length, { timeout: 10_000, interval: 50 }).toBe(2)
    for (let i = 0; i < 5; i++) {
      expect((await me(carolAuth)).statusCode).toBe(401)
      await sleep(200)
    }
    expect(cache.logger.lines).toHaveLength(2)
  })
})
