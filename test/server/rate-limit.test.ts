/**
 * Rate limits through the HTTP API (app.inject): the database store on both engines, the SQLite
 * counters file under another process's lock, the Redis store against the real Redis (and a
 * relay to it that the test cuts), and three server processes on one database (each engine) and
 * one Redis taking a burst over real HTTP.
 */
import { rmSync } from 'node:fs'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { rateLimitCountersPath } from '../../src/db/rate-limit-counters.js'
import { openStore, type Store } from '../../src/index.js'
import {
  DatabaseRateLimitStore,
  type DatabaseRateLimitStoreOptions,
} from '../../src/rate-limit/database-store.js'
import { RedisRateLimitStore } from '../../src/rate-limit/redis-store.js'
import type { RateLimitStore } from '../../src/rate-limit/store.js'
import { buildApp } from '../../src/server/app.js'
import type { RateLimitOptions } from '../../src/server/plugins/rate-limit.js'
import { AuthService } from '../../src/services/auth.js'
import {
  createTestDatabase,
  describeEachEngine,
  ENGINES,
  type TestDatabase,
} from '../support/engines.js'
import {
  AUTH_CONFIG,
  counterRows,
  recordingLogger,
  REDIS_URL,
  uniquePrefix,
} from '../support/rate-limits.js'
import { startProxy } from '../support/redis-proxy.js'
import { startWorker, type Worker } from '../support/workers.js'

const MINUTE = 60_000
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2026-12-01T12:00:00.000Z')) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

let nextIp = 1
/** A fresh client address per test, so counters of one test never reach another's. */
const freshIp = () => `198.51.100.${nextIp++}`

/**
 * The parameters of each item of a RateLimit or RateLimit-Policy field (a structured-field
 * list: `"ip";r=2;t=60, "user";r=4;t=60`), by policy name, read strictly.
 */
function policyItems(field: string | string[] | number | undefined) {
  const items = new Map<string, Record<string, string>>()
  if (field === undefined) return items
  for (const item of String(field).split(', ')) {
    const match = /^"([a-z]+)"((?:;[a-z]+=\d+)+)$/.exec(item)
    if (match === null) throw new Error(`not a structured-field item: ${item}`)
    const params = Object.fromEntries(
      match[2]!
        .slice(1)
        .split(';')
        .map((p) => p.split('=')),
    )
    if (items.has(match[1]!)) throw new Error(`policy ${match[1]} twice in ${String(field)}`)
    items.set(match[1]!, params)
  }
  return items
}

/** One budget's figures (`ip`, `user` or `auth`), as the two headers give them. */
function rateHeaders(response: LightMyRequestResponse, policy = 'ip') {
  const h = response.headers
  const policies = policyItems(h['ratelimit-policy'])
  const limits = policyItems(h.ratelimit)
  expect([...policies.keys()]).toEqual([...limits.keys()])
  return {
    limit: policies.get(policy)?.q,
    window: policies.get(policy)?.w,
    remaining: limits.get(policy)?.r,
    reset: limits.get(policy)?.t,
    retry_after: h['retry-after'],
  }
}

function expectRateLimited(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(429)
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(response.json()).toMatchObject({ status: 429, code: 'rate_limited' })
}

describeEachEngine('rate limits, database store', (ctx) => {
  let auth: AuthService
  /** Users registered through the real AuthService: id and access token. */
  type Caller = { id: string; token: string }
  let alice: Caller
  let bob: Caller
  const apps: FastifyInstance[] = []
  const limiters: DatabaseRateLimitStore[] = []
  /** A database store on `db` (the block's store's by default), closed after the test. */
  const limiter = (options: DatabaseRateLimitStoreOptions = {}, db = ctx.store.database) => {
    const limits = new DatabaseRateLimitStore(db, options)
    limiters.push(limits)
    return limits
  }

  const register = async (username: string): Promise<Caller> => {
    const { user, access_token } = await auth.register({ username, password: 'correct horse' })
    return { id: user.id, token: access_token }
  }
  const build = async (limits: Partial<RateLimitOptions> & { store: RateLimitStore }) => {
    const app = await buildApp({
      store: ctx.store,
      auth,
      rate_limit: { per_minute: 100, auth_per_minute: 100, ...limits },
    })
    apps.push(app)
    return app
  }
  const get = (app: FastifyInstance, url: string, ip: string, caller?: Caller) =>
    app.inject({
      method: 'GET',
      url,
      remoteAddress: ip,
      headers: caller === undefined ? {} : { authorization: `Bearer ${caller.token}` },
    })

  beforeAll(async () => {
    auth = await AuthService.open(ctx.store, AUTH_CONFIG)
    alice = await register('alice')
    bob = await register('bob')
  })
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close()
    for (const limits of limiters.splice(0)) await limits.close()
  })

  it('answers 429 problem+json with Retry-After and RateLimit headers once an IP is over its limit', async () => {
    const clock = manualClock()
    const app = await build({
      store: limiter({ now: clock.now }),
      per_minute: 3,
    })
    const ip = freshIp()
    // Unauthenticated requests count too: a 401 is still a request.
    for (const left of [2, 1, 0]) {
      const response = await get(app, '/v1/users/me', ip)
      expect(response.statusCode).toBe(401)
      expect(rateHeaders(response)).toEqual({
        limit: '3',
        window: '60',
        remaining: String(left),
        reset: '60',
        retry_after: undefined,
      })
      // Exactly as draft-ietf-httpapi-ratelimit-headers-10 writes them.
      expect(response.headers['ratelimit-policy']).toBe('"ip";q=3;w=60')
      expect(response.headers.ratelimit).toBe(`"ip";r=${left};t=60`)
    }
    clock.advance(15_500)
    const over = await get(app, '/v1/users/me', ip)
    expectRateLimited(over)
    expect(rateHeaders(over)).toEqual({
      limit: '3',
      window: '60',
      remaining: '0',
      reset: '45',
      retry_after: '45',
    })
    expect(over.json().detail).toMatch(/from this IP address.*limit is 3/)
    // The seed routes are limited as well; health is not.
    expectRateLimited(await get(app, '/api/chat/sessions', ip))
    // The route matched counts, not the spelling of the URL.
    expectRateLimited(await get(app, '/v1/users/%6De', ip))
    const health = await get(app, '/healthz', ip)
    expect(health.statusCode).toBe(200)
    expect(health.headers.ratelimit).toBeUndefined()
    expect(health.headers['ratelimit-policy']).toBeUndefined()
    // Another address has its own budget.
    expect((await get(app, '/v1/users/me', freshIp())).statusCode).toBe(401)
  })

  it('puts the headers on successful responses too', async () => {
    const app = await build({
      store: limiter(),
      per_minute: 5,
    })
    const response = await get(app, '/v1/users/me', freshIp(), alice)
    expect(response.statusCode).toBe(200)
    expect(response.json().id).toBe(alice.id)
    // The IP and the user have both spent one of five.
    expect(rateHeaders(response)).toMatchObject({ limit: '5', remaining: '4' })
    expect(rateHeaders(response, 'user')).toMatchObject({ limit: '5', remaining: '4' })
    expect(Number(rateHeaders(response).reset)).toBeGreaterThan(58)
    expect(response.headers['ratelimit-policy']).toBe('"ip";q=5;w=60, "user";q=5;w=60')
  })

  it('counts a request with an access token once, address and user in one call to the store', async () => {
    const limits = limiter()
    const calls: string[][] = []
    const recording: RateLimitStore = {
      hit: (key, limit, window_ms) => limits.hit(key, limit, window_ms),
      hitAll: (budgets, window_ms) => {
        calls.push(budgets.map((b) => b.key.split(':')[0]!))
        return limits.hitAll(budgets, window_ms)
      },
      close: () => limits.close(),
      [Symbol.asyncDispose]: () => limits.close(),
    }
    const app = await build({ store: recording, per_minute: 5 })
    const ip = freshIp()
    const erin = await register(`erin-${ip}`)
    expect((await get(app, '/v1/users/me', ip, erin)).statusCode).toBe(200)
    expect(calls).toEqual([['ip', 'user']])
    // Without a token the address is counted first, before anything else runs.
    calls.length = 0
    expect((await get(app, '/v1/users/me', ip)).statusCode).toBe(401)
    expect(calls).toEqual([['ip']])
  })

  it('counts the address of a request whose token does not hold, and refuses it once spent', async () => {
    const app = await build({ store: limiter(), per_minute: 3 })
    const ip = freshIp()
    // A user of its own: the counters outlive a test, and alice's budget is spent by others.
    const dora = await register(`dora-${ip}`)
    const forged = { id: dora.id, token: `${dora.token.slice(0, -4)}AAAA` }
    for (const left of [2, 1, 0]) {
      const response = await get(app, '/v1/users/me', ip, forged)
      expect(response.statusCode).toBe(401)
      expect(rateHeaders(response)).toMatchObject({ limit: '3', remaining: String(left) })
    }
    // The address is spent for every caller from it, with a good token or none.
    expectRateLimited(await get(app, '/v1/users/me', ip, dora))
    expectRateLimited(await get(app, '/v1/users/me', ip))
    expect((await get(app, '/v1/users/me', freshIp(), dora)).statusCode).toBe(200)
  })

  it('counts per user across addresses, and per address across users', async () => {
    const app = await build({
      store: limiter(),
      per_minute: 3,
    })
    const [ip1, ip2, ip3] = [freshIp(), freshIp(), freshIp()]
    const carol = await register(`carol-${ip1}`)
    for (let i = 0; i < 3; i++) {
      expect((await get(app, '/v1/users/me', i === 0 ? ip1 : ip2, carol)).statusCode).toBe(200)
    }
    // Carol's fourth request comes from an address with budget left: her own limit stops it.
    const fourth = await get(app, '/v1/users/me', ip3, carol)
    expectRateLimited(fourth)
    expect(fourth.json().detail).toMatch(/for this user/)
    expect(rateHeaders(fourth, 'user')).toMatchObject({ limit: '3', remaining: '0' })
    expect(rateHeaders(fourth, 'ip')).toMatchObject({ limit: '3', remaining: '2' })
    // ip2 has spent 2 of 3; bob has spent none: the headers show both budgets.
    const bobs = await get(app, '/v1/users/me', ip2, bob)
    expect(bobs.statusCode).toBe(200)
    expect(rateHeaders(bobs, 'ip')).toMatchObject({ limit: '3', remaining: '0' })
    expect(rateHeaders(bobs, 'user')).toMatchObject({ limit: '3', remaining: '2' })
    // Now ip2 is spent for everyone, while bob may still call from elsewhere.
    expect((await get(app, '/v1/users/me', ip2, alice)).statusCode).toBe(429)
    const elsewhere = await get(app, '/v1/users/me', freshIp(), bob)
    expect(elsewhere.statusCode).toBe(200)
    expect(rateHeaders(elsewhere, 'user')).toMatchObject({ remaining: '1' })
  })

  it('limits login and register more strictly, per address, with one budget for both', async () => {
    const app = await build({
      store: limiter(),
      per_minute: 10,
      auth_per_minute: 2,
    })
    const ip = freshIp()
    const post = (url: string, from = ip, password = 'guess-guess-guess') =>
      app.inject({
        method: 'POST',
        url,
        remoteAddress: from,
        payload: { username: 'alice', password },
      })
    for (let i = 0; i < 2; i++) {
      const response = await post('/v1/auth/login')
      expect(response.statusCode).toBe(401)
      expect(rateHeaders(response, 'auth')).toMatchObject({ limit: '2', remaining: String(1 - i) })
      expect(rateHeaders(response, 'ip')).toMatchObject({ limit: '10', remaining: String(9 - i) })
    }
    // Even the right password: the address is out of attempts for this window.
    const third = await post('/v1/auth/login', ip, 'correct horse')
    expectRateLimited(third)
    expect(third.json().detail).toMatch(/to log in or register.*limit is 2/)
    expectRateLimited(await post('/v1/auth/register'))
    // The rest of the API still answers this address, under the general limit.
    const other = await get(app, '/v1/users/me', ip)
    expect(other.statusCode).toBe(401)
    expect(rateHeaders(other)).toMatchObject({ limit: '10', remaining: '5' })
    // A GET to the same path is not a login attempt, and another address may log in.
    expect((await get(app, '/v1/auth/login', ip)).statusCode).toBe(404)
    expect((await post('/v1/auth/login', freshIp(), 'correct horse')).statusCode).toBe(200)
  })

  it('starts a new window when the old one ends', async () => {
    const clock = manualClock()
    const app = await build({
      store: limiter({ now: clock.now }),
      per_minute: 2,
    })
    const ip = freshIp()
    expect((await get(app, '/v1/users/me', ip)).statusCode).toBe(401)
    clock.advance(59_000)
    expect(rateHeaders(await get(app, '/v1/users/me', ip))).toMatchObject({
      remaining: '0',
      reset: '1',
    })
    // Still inside the window: requests over the limit keep counting and keep being refused.
    expectRateLimited(await get(app, '/v1/users/me', ip))
    clock.advance(999)
    expectRateLimited(await get(app, '/v1/users/me', ip))
    clock.advance(1)
    const fresh = await get(app, '/v1/users/me', ip)
    expect(fresh.statusCode).toBe(401)
    expect(rateHeaders(fresh)).toMatchObject({ limit: '2', remaining: '1', reset: '60' })
    const row = (await counterRows(ctx.store.database)).find((r) => r.key === `ip:${ip}`)
    expect(row).toMatchObject({
      request_count: 1,
      window_start: new Date(clock.now()).toISOString(),
      reset_time: new Date(clock.now() + MINUTE).toISOString(),
      last_request: new Date(clock.now()).toISOString(),
    })
  })

  it('counts exactly under 200 concurrent hits from two connections: no lost update', async () => {
    // A second store on the same database: on SQLite a second connection that contends for the
    // write lock, on PostgreSQL a second pool.
    const other = await ctx.open()
    const stores = [ctx.store.database, other.database].map((db) => limiter({}, db))
    const key = `ip:${freshIp()}`
    const hits = await Promise.all(range(200).map((i) => stores[i % 2]!.hit(key, 150, MINUTE)))
    expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(range(200).map((i) => i + 1))
    expect(hits.filter((h) => h.allowed)).toHaveLength(150)
    for (const hit of hits) expect(hit.allowed).toBe(hit.count <= 150)
    // Every hit saw the same window.
    expect(new Set(hits.map((h) => h.reset_at)).size).toBe(1)
    const row = (await counterRows(ctx.store.database)).find((r) => r.key === key)
    expect(row?.request_count).toBe(200)
  })

  it('prunes the rows of ended windows and keeps the live ones', async () => {
    const clock = manualClock(Date.parse('2030-01-01T00:00:00.000Z'))
    const limits = limiter({ now: clock.now })
    const [ended, live] = [`ip:${freshIp()}`, `ip:${freshIp()}`]
    await limits.hit(ended, 10, 1000)
    await limits.hit(live, 10, MINUTE)
    clock.advance(1000)
    // Everything the other tests left is older than 2030: gone as well.
    expect(await limits.prune()).toBeGreaterThanOrEqual(1)
    expect(await limits.countEnded()).toBe(0)
    const keys = await counterRows(ctx.store.database)
    expect(keys.map((k) => k.key)).toEqual([live])
    expect(await limits.hit(ended, 10, 1000)).toMatchObject({ count: 1, allowed: true })
  })

  it('counts a request against several budgets in one call, a key named twice twice', async () => {
    const limits = limiter()
    const [ip, user] = [`ip:${freshIp()}`, `user:${freshIp()}`]
    const budgets = [
      { key: ip, limit: 3 },
      { key: user, limit: 1 },
      { key: ip, limit: 3 },
    ]
    const first = await limits.hitAll(budgets, MINUTE)
    expect(first.map((h) => [h.count, h.allowed])).toEqual([
      [1, true],
      [1, true],
      [2, true],
    ])
    const second = await limits.hitAll(budgets, MINUTE)
    expect(second.map((h) => [h.count, h.allowed])).toEqual([
      [3, true],
      [2, false],
      [4, false],
    ])
    const rows = await counterRows(ctx.store.database)
    expect(rows.filter((r) => r.key === ip || r.key === user).map((r) => r.request_count)).toEqual(
      ip < user ? [4, 2] : [2, 4],
    )
  })

  it('keeps its counts out of the durable tables: unlogged on PostgreSQL, a file of their own on SQLite', async () => {
    const key = `ip:${freshIp()}`
    await limiter().hit(key, 10, MINUTE)
    const db = ctx.store.database
    if (db.engine === 'postgres') {
      const { rows } = await sql<{
        relpersistence: string
      }>`select relpersistence from pg_class where relname = 'rate_limits'`.execute(db.kysely)
      expect(rows).toEqual([{ relpersistence: 'u' }])
    } else {
      // The main file's table is no longer written: counting never takes its write lock.
      const main = await db.kysely.selectFrom('rate_limits').select('key').execute()
      expect(main).toEqual([])
      expect((await counterRows(db)).map((r) => r.key)).toContain(key)
    }
  })
})

describe('rate limits, the SQLite counters file', () => {
  let database: TestDatabase
  let store: Store
  const closers: (() => unknown)[] = []

  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
    store = await openStore({ database_url: database.database_url, migrate: true })
  })
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })
  afterAll(async () => {
    await store?.close()
    await database?.drop()
  })

  const countersFile = () => rateLimitCountersPath(database.database_url)
  const limiter = () => {
    const limits = new DatabaseRateLimitStore(store.database)
    closers.push(() => limits.close())
    return limits
  }
  const holdLock = async (args: string[] = []) => {
    const holder = startWorker('hold-write-lock.ts', [countersFile(), ...args])
    closers.push(() => holder.kill())
    await holder.waitForLines(/^locked$/)
    return holder
  }

  it('waits for another process that holds the counters lock without blocking the event loop, then counts exactly', async () => {
    const limits = limiter()
    const key = `ip:${freshIp()}`
    await limits.hit(key, 100, MINUTE)
    const holder = await holdLock()

    let settled = 0
    const hits = range(20).map(() => limits.hit(key, 100, MINUTE).finally(() => settled++))
    // Timers keep firing while every hit waits: nothing sits in SQLite's busy wait.
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    await expect.poll(() => ticks, { timeout: 5_000 }).toBeGreaterThanOrEqual(10)
    clearInterval(timer)
    expect(settled).toBe(0)

    holder.send('release')
    const counts = (await Promise.all(hits)).map((h) => h.count).sort((a, b) => a - b)
    expect(counts).toEqual(range(20).map((i) => i + 2))
    expect((await holder.exited).code).toBe(0)
  })

  it('loses nothing but the uncommitted count of a process killed while it held the lock', async () => {
    const limits = limiter()
    const key = `ip:${freshIp()}`
    for (let i = 0; i < 3; i++) await limits.hit(key, 100, MINUTE)
    const holder = await holdLock([
      '--exec',
      `update rate_limits set request_count = 1000 where key = '${key}'`,
    ])
    const waiting = limits.hit(key, 100, MINUTE)
    holder.kill()
    expect((await holder.exited).signal).toBe('SIGKILL')
    expect(await waiting).toMatchObject({ count: 4, allowed: true })
    expect(await limits.hit(key, 100, MINUTE)).toMatchObject({ count: 5 })
  })

  it('starts afresh when the counters file is gone', async () => {
    const limits = limiter()
    const key = `ip:${freshIp()}`
    await limits.hit(key, 100, MINUTE)
    await limits.close()
    closers.pop()
    for (const suffix of ['', '-wal', '-shm']) rmSync(countersFile() + suffix, { force: true })
    expect(await limiter().hit(key, 100, MINUTE)).toMatchObject({ count: 1, allowed: true })
  })
})

describe('rate limits, the PostgreSQL counters', () => {
  it('counts every hit at least once when the connections are cut mid-burst, and goes on counting', async () => {
    const database = await createTestDatabase('postgres')
    const store = await openStore({ database_url: database.database_url, migrate: true })
    // Ten stores, each counting one request after another: statements are in flight all along.
    const stores = range(10).map(() => new DatabaseRateLimitStore(store.database))
    const admin = new pg.Client({ connectionString: database.database_url })
    try {
      await admin.connect()
      const key = `ip:${freshIp()}`
      let answered = 0
      const counts: number[] = []
      const refused: unknown[] = []
      const clients = stores.map(async (limits) => {
        for (let i = 0; i < 30; i++) {
          await limits.hit(key, 1000, MINUTE).then(
            (hit) => counts.push(hit.count),
            (error: unknown) => refused.push(error),
          )
          answered++
        }
      })
      await expect.poll(() => answered, { timeout: 10_000, interval: 1 }).toBeGreaterThan(50)
      const { rowCount } = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity ' +
          'where datname = current_database() and pid <> pg_backend_pid()',
      )
      expect(rowCount).toBeGreaterThan(0)
      await Promise.all(clients)
      // A lost connection is retried; what still fails is `unavailable`, a 503.
      for (const error of refused) expect(error).toMatchObject({ code: 'unavailable' })
      // No two requests were told the same count; a statement whose commit landed but whose
      // answer was lost is counted again when retried: a count may be spent twice, never lost.
      expect(new Set(counts).size).toBe(counts.length)
      const row = await admin.query<{ request_count: number }>(
        'select request_count from rate_limits where key = $1',
        [key],
      )
      const stored = row.rows[0]!.request_count
      expect(stored).toBeGreaterThanOrEqual(counts.length)
      expect(Math.max(...counts)).toBeLessThanOrEqual(stored)
      expect(await stores[0]!.hit(key, 1000, MINUTE)).toMatchObject({ count: stored + 1 })
    } finally {
      await admin.end().catch(() => {})
      for (const limits of stores) await limits.close()
      await store.close()
      await database.drop()
    }
  })
})

describe('rate limits, Redis store', () => {
  let database: TestDatabase
  let store: Store
  let auth: AuthService
  const closers: (() => Promise<unknown>)[] = []

  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
    store = await openStore({ database_url: database.database_url, migrate: true })
    auth = await AuthService.open(store, AUTH_CONFIG)
  })
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })
  afterAll(async () => {
    await store?.close()
    await database?.drop()
  })

  const connect = async (options: {
    url?: string
    logger?: ReturnType<typeof recordingLogger>
  }) => {
    const limits = await RedisRateLimitStore.connect({
      url: options.url ?? REDIS_URL,
      key_prefix: uniquePrefix(),
      logger: options.logger ?? recordingLogger(),
      connect_timeout_ms: 500,
    })
    closers.push(() => limits.close())
    return limits
  }

  it('counts exactly under 200 concurrent hits', async () => {
    const limits = await connect({})
    const hits = await Promise.all(range(200).map(() => limits.hit('ip:203.0.113.1', 150, MINUTE)))
    expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(range(200).map((i) => i + 1))
    expect(hits.filter((h) => h.allowed)).toHaveLength(150)
    for (const hit of hits) {
      expect(hit.reset_in_ms).toBeGreaterThan(MINUTE - 5000)
      expect(hit.reset_in_ms).toBeLessThanOrEqual(MINUTE)
    }
  })

  it('counts a request against several budgets in one call, a key named twice twice', async () => {
    const limits = await connect({})
    const budgets = [
      { key: 'ip:203.0.113.9', limit: 3 },
      { key: 'user:redis-multi', limit: 1 },
      { key: 'ip:203.0.113.9', limit: 3 },
    ]
    const first = await limits.hitAll(budgets, MINUTE)
    expect(first.map((h) => [h.count, h.allowed])).toEqual([
      [1, true],
      [1, true],
      [2, true],
    ])
    const second = await limits.hitAll(budgets, MINUTE)
    expect(second.map((h) => [h.count, h.allowed])).toEqual([
      [3, true],
      [2, false],
      [4, false],
    ])
    for (const hit of second) expect(hit.reset_in_ms).toBeGreaterThan(MINUTE - 5000)
  })

  it('answers 429 with headers through the API, and starts a new window when the old ends', async () => {
    const app = await buildApp({
      store,
      auth,
      rate_limit: { store: await connect({}), per_minute: 2, auth_per_minute: 1, window_ms: 400 },
    })
    closers.push(() => app.close())
    const get = () =>
      app.inject({ method: 'GET', url: '/v1/users/me', remoteAddress: '203.0.113.2' })
    expect(rateHeaders(await get())).toMatchObject({ limit: '2', remaining: '1', reset: '1' })
    expect((await get()).statusCode).toBe(401)
    const over = await get()
    expectRateLimited(over)
    expect(rateHeaders(over)).toMatchObject({ limit: '2', remaining: '0', retry_after: '1' })
    await new Promise((resolve) => setTimeout(resolve, 450))
    const fresh = await get()
    expect(fresh.statusCode).toBe(401)
    expect(rateHeaders(fresh)).toMatchObject({ remaining: '1' })
  })

  it('fails open while Redis is unreachable, logging the outage once and its end once', async () => {
    const proxy = await startProxy(new URL(REDIS_URL))
    closers.push(() => proxy.stop())
    const logger = recordingLogger()
    const limits = await connect({ url: `redis://127.0.0.1:${proxy.port}`, logger })
    const app = await buildApp({
      store,
      auth,
      rate_limit: { store: limits, per_minute: 1, auth_per_minute: 1 },
    })
    closers.push(() => app.close())
    const get = () =>
      app.inject({ method: 'GET', url: '/v1/users/me', remoteAddress: '203.0.113.3' })
    expect((await get()).statusCode).toBe(401)
    expectRateLimited(await get())

    await proxy.pause()
    for (let i = 0; i < 5; i++) {
      const response = await get()
      // Let through, and no claim about a budget nobody could count.
      expect(response.statusCode).toBe(401)
      expect(response.headers.ratelimit).toBeUndefined()
      expect(response.headers['ratelimit-policy']).toBeUndefined()
    }
    expect(logger.lines).toEqual([{ level: 'warn', msg: expect.stringMatching(/failing open/) }])

    await proxy.resume()
    await expect.poll(() => logger.lines.length, { timeout: 10_000 }).toBe(2)
    expect(logger.lines[1]).toEqual({ level: 'info', msg: expect.stringMatching(/again/) })
    // The counter lived on in Redis: the address is still over its limit.
    expectRateLimited(await get())
  })

  it('starts failing open when Redis cannot be reached at start', async () => {
    const logger = recordingLogger()
    // Port 1 on localhost: nothing listens, the connection is refused at once.
    const limits = await connect({ url: 'redis://127.0.0.1:1', logger })
    expect(await limits.hit('ip:203.0.113.4', 1, MINUTE)).toMatchObject({ count: 0, allowed: true })
    expect(await limits.hit('ip:203.0.113.4', 1, MINUTE)).toMatchObject({ count: 0, allowed: true })
    expect(logger.lines).toHaveLength(1)
  })
})

for (const engine of ENGINES) {
  describe(`rate limits across three server processes on one database and one Redis [${engine}]`, () => {
    it('lets exactly the limit through a burst spread over the three, through Redis and through the database', async () => {
      const database = await createTestDatabase(engine)
      const setup = await openStore({ database_url: database.database_url, migrate: true })
      const workers: Worker[] = []
      try {
        // No jwt_secret: the first AuthService generates one and keeps it in the database, where
        // the three servers find it.
        const auth = await AuthService.open(setup, { ...AUTH_CONFIG, jwt_secret: undefined })
        const { access_token } = await auth.register({
          username: 'burst',
          password: 'correct horse',
        })
        const prefix = uniquePrefix()
        for (let i = 0; i < 3; i++) {
          workers.push(
            startWorker('rate-limit-server.ts', [
              '--url',
              database.database_url,
              '--redis',
              REDIS_URL,
              '--prefix',
              prefix,
              '--limit',
              '20',
            ]),
          )
        }
        await Promise.all(workers.map((w) => w.waitForLines(/^listening /)))
        const ports = workers.map((w) =>
          w.lines
            .find((line) => line.startsWith('listening '))!
            .split(' ')
            .slice(1)
            .map(Number),
        )
        for (const [backend, which] of [
          ['redis', 0],
          ['database', 1],
        ] as const) {
          // 90 requests at once, round-robin over the three processes, all from one address and
          // one user: 20 may pass, per IP and per user alike.
          const statuses = await Promise.all(
            range(90).map(async (i) => {
              const response = await fetch(`http://127.0.0.1:${ports[i % 3]![which]}/v1/users/me`, {
                headers: { authorization: `Bearer ${access_token}` },
              })
              await response.arrayBuffer()
              return response.status
            }),
          )
          const tally = (status: number) => statuses.filter((s) => s === status).length
          expect({ backend, ok: tally(200), limited: tally(429) }).toEqual({
            backend,
            ok: 20,
            limited: 70,
          })
        }
        for (const w of workers) w.send('stop')
        for (const exit of await Promise.all(workers.map((w) => w.exited))) {
          expect(exit.code, exit.stdout + exit.stderr).toBe(0)
        }
      } finally {
        for (const w of workers) w.kill()
        await setup.close()
        await database.drop()
      }
    })
  })
}
