import Fastify from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { errorHandler } from '../../src/server/problem.js'
import { healthRoutes } from '../../src/server/routes/health.js'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

describeEachEngine('health and readiness', (ctx) => {
  let t: TestApp

  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  it('answers liveness without touching the database', async () => {
    const response = await t.app.inject({ url: '/healthz' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok' })
  })

  it('reports readiness with the schema and the pool (seed 002)', async () => {
    const response = await t.app.inject({ url: '/readyz' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({
      status: 'ready',
      database: { engine: ctx.engine, reachable: true },
      migrations: { pending: [], unknown: [] },
    })
    expect(body.database.latency_ms).toBeGreaterThanOrEqual(0)
    expect(body.database.error).toBeUndefined()
    const { pool } = body
    expect(Object.keys(pool).sort()).toEqual(
      ['idle', 'in_use', 'max', 'saturated', 'total', 'waiting'].sort(),
    )
    expect(pool.in_use).toBe(pool.total - pool.idle)
    expect(pool.total).toBeLessThanOrEqual(pool.max)
    expect(pool.saturated).toBe(false)
    if (ctx.engine === 'sqlite') expect(pool.max).toBe(1)
  })

  it('answers 503 within its deadline when no connection is free, and says the pool is saturated', async () => {
    // One connection at most, held by a transaction that waits for the test.
    const store = await ctx.open({ pool_size: 1, max_overflow: 0 })
    const app = Fastify()
    app.setErrorHandler(errorHandler)
    await app.register(healthRoutes, { store, readiness_timeout_ms: 300 })
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let started!: () => void
    const holding = new Promise<void>((resolve) => (started = resolve))
    const held = store.database.transaction(async () => {
      started()
      await gate
    })
    try {
      await holding
      const began = performance.now()
      const response = await app.inject({ url: '/readyz' })
      expect(performance.now() - began).toBeLessThan(3_000)
      expect(response.statusCode).toBe(503)
      const body = response.json()
      expect(body).toMatchObject({
        status: 'not_ready',
        database: { reachable: false, latency_ms: null, error: { code: 'unavailable' } },
        pool: { max: 1, in_use: 1, saturated: true },
      })
      expect(body.pool.waiting).toBeGreaterThanOrEqual(1)
    } finally {
      release()
      await held
    }
    const recovered = await app.inject({ url: '/readyz' })
    expect(recovered.statusCode).toBe(200)
    expect(recovered.json().pool.saturated).toBe(false)
    await app.close()
  })
})
