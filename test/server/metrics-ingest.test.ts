import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { countRows, uniqueName } from '../conformance/helpers.js'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

const metric = (source: string, i: number, extra: Record<string, unknown> = {}) => ({
  source,
  metric_type: 'response_ms',
  timestamp: `2026-03-01T10:0${i}:00.000Z`,
  metric_data: { value: i * 10 },
  ...extra,
})

describeEachEngine('metrics over HTTP', (ctx) => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const post = (payload: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: '/v1/metrics', payload: payload as object, headers })
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

  it('takes batches from any caller that may write, and from nobody else', async () => {
    const source = uniqueName('bot')
    const batch = { metrics: [metric(source, 0), metric(source, 1)] }
    const writer = await t.auth.createApiKey(t.users.bob.id, 'user', { name: 'discord bot' })
    const reader = await t.auth.createApiKey(t.users.bob.id, 'user', {
      name: 'dashboard',
      scopes: ['read'],
    })

    const byKey = await post(batch, bearer(writer.key))
    expect(byKey.statusCode).toBe(201)
    expect(byKey.json()).toEqual({ object: 'metric_batch', accepted: 2, duplicates: 0 })
    expect((await post(batch, t.as('alice'))).statusCode).toBe(201)

    const readOnly = await post(batch, bearer(reader.key))
    expect(readOnly.statusCode).toBe(403)
    expect(readOnly.json()).toMatchObject({ code: 'forbidden' })
    expect((await post(batch, {})).statusCode).toBe(401)
    expect(await countRows(ctx.store, 'metrics', { source })).toBe(4)

    // Reading them back is for admins only, whatever the key's scopes.
    for (const url of ['/v1/admin/metrics', '/v1/admin/metrics/raw']) {
      const asAlice = await t.app.inject({ url, headers: t.as('alice') })
      expect(asAlice.statusCode, url).toBe(403)
      expect((await t.app.inject({ url, headers: bearer(reader.key) })).statusCode, url).toBe(403)
      expect((await t.app.inject({ url, headers: t.as('admin') })).statusCode, url).toBe(200)
    }
  })

  it('answers 400 naming the metric at fault, and stores nothing of the batch', async () => {
    const source = uniqueName('bot')
    const good = [0, 1, 2, 3, 4].map((i) => metric(source, i))
    const cases: [Record<string, unknown>, string][] = [
      [{ timestamp: 'yesterday' }, '/metrics/3/timestamp'],
      [{ timestamp: '2999-01-01T00:00:00Z' }, '/metrics/3/timestamp'],
      [{ source: 42 }, '/metrics/3/source'],
      [{ metric_data: [1, 2] }, '/metrics/3/metric_data'],
      [{ unit: 'ms' }, '/metrics/3/unit'],
    ]
    for (const [change, field] of cases) {
      const metrics = good.map((m, i) => (i === 3 ? { ...m, ...change } : m))
      const response = await post({ metrics }, t.as('alice'))
      expect(response.statusCode, field).toBe(400)
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(response.json(), field).toMatchObject({ code: 'validation_failed', field })
    }
    const tooMany = Array.from({ length: 1001 }, (_, i) => metric(source, i % 10))
    const refused = await post({ metrics: tooMany }, t.as('alice'))
    expect(refused.statusCode).toBe(400)
    expect(refused.json()).toMatchObject({ field: '/metrics' })
    expect(await countRows(ctx.store, 'metrics', { source })).toBe(0)
  })

  it('gives admins counts per bucket and the raw list', async () => {
    const source = uniqueName('bot')
    const metrics = [0, 1, 2].map((i) => metric(source, i))
    expect((await post({ metrics }, t.as('alice'))).statusCode).toBe(201)
    const get = (url: string) => t.app.inject({ url, headers: t.as('admin') })

    const summary = await get(
      `/v1/admin/metrics?source=${source}&bucket=minute&since=2026-03-01T10:00:00Z&until=2026-03-01T12:00:00%2B01:00`,
    )
    expect(summary.statusCode).toBe(200)
    expect(summary.json()).toEqual({
      object: 'metric_summary',
      bucket: 'minute',
      since: '2026-03-01T10:00:00.000Z',
      until: '2026-03-01T11:00:00.000Z',
      data: [0, 1, 2].map((i) => ({
        bucket_start: `2026-03-01T10:0${i}:00.000Z`,
        metric_type: 'response_ms',
        count: 1,
        value: { count: 1, sum: i * 10, avg: i * 10, min: i * 10, max: i * 10 },
      })),
    })
    const hourly = await get(
      `/v1/admin/metrics?source=${source}&since=2026-03-01T10:00:00Z&until=2026-03-01T11:00:00Z`,
    )
    expect(hourly.json()).toMatchObject({
      bucket: 'hour',
      data: [
        {
          bucket_start: '2026-03-01T10:00:00.000Z',
          metric_type: 'response_ms',
          count: 3,
          value: { count: 3, sum: 30, avg: 10, min: 0, max: 20 },
        },
      ],
    })
    for (const [query, field] of [
      ['since=2026-03-01', '/query/since'],
      ['since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z', '/query/until'],
      ['bucket=minute&since=2026-03-01T00:00:00Z&until=2026-03-03T00:00:00Z', '/query/since'],
    ]) {
      const refused = await get(`/v1/admin/metrics?${query}`)
      expect(refused.statusCode, query).toBe(400)
      expect(refused.json(), query).toMatchObject({ code: 'validation_failed', field })
      expect(refused.json<{ detail: string }>().detail.startsWith(`${field}: `)).toBe(true)
    }
    const cursor = await get(`/v1/admin/metrics/raw?after=${randomUUID()}`)
    expect(cursor.json()).toMatchObject({ field: '/query/after' })
    const week = await get('/v1/admin/metrics?bucket=week')
    expect(week.statusCode).toBe(400)
    expect(week.json()).toMatchObject({ field: '/query/bucket' })

    const first = await get(`/v1/admin/metrics/raw?source=${source}&limit=2&order=asc`)
    expect(first.statusCode).toBe(200)
    const page = first.json<{ data: { timestamp: string }[]; has_more: boolean; last_id: string }>()
    expect(page.data.map((m) => m.timestamp)).toEqual(metrics.slice(0, 2).map((m) => m.timestamp))
    expect(page.has_more).toBe(true)
    const next = await get(`/v1/admin/metrics/raw?source=${source}&order=asc&after=${page.last_id}`)
    expect(next.json()).toMatchObject({
      object: 'list',
      data: [{ source, metric_type: 'response_ms', metric_data: { value: 20 } }],
      has_more: false,
    })
    const limit = await get('/v1/admin/metrics/raw?limit=201')
    expect(limit.json()).toMatchObject({ field: '/query/limit' })
  })
})
