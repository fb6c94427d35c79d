import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/index.js'
import type { Metric, NewMetric } from '../../src/schemas/metrics.js'
import { parseDateTime } from '../../src/schemas/date-time.js'
import { MetricService } from '../../src/services/metrics.js'
import { describeEachEngine } from '../support/engines.js'
import { countRows, expectChatkeepError, expectError, expectTime, uniqueName } from './helpers.js'

const HOUR = 3_600_000

/** Every metric of one source, oldest first, paging through the whole list. */
async function allOf(store: Store, source: string): Promise<Metric[]> {
  const metrics: Metric[] = []
  let after: string | undefined
  for (;;) {
    const page = await store.metrics.list({ source, order: 'asc', limit: 200, after })
    metrics.push(...page.data)
    if (!page.has_more) return metrics
    after = page.last_id ?? undefined
  }
}

const at = (source: string, timestamp: string, metric_data: Record<string, unknown> = {}) => ({
  source,
  metric_type: 'latency_ms',
  timestamp,
  metric_data,
})

describe('parseDateTime', () => {
  it('reads RFC 3339 date-times strictly, in UTC', () => {
    expect(parseDateTime('2026-11-25T12:00:00Z')).toBe(Date.UTC(2026, 10, 25, 12))
    expect(parseDateTime('2026-11-25t12:00:00.123456z')).toBe(Date.UTC(2026, 10, 25, 12, 0, 0, 123))
    expect(parseDateTime('2026-11-25T12:00:00.1+02:30')).toBe(Date.UTC(2026, 10, 25, 9, 30, 0, 100))
    expect(parseDateTime('2024-02-29T00:00:00-01:00')).toBe(Date.UTC(2024, 1, 29, 1))
    expect(parseDateTime('0099-01-01T00:00:00Z')).toBe(new Date('0099-01-01T00:00:00Z').getTime())
    for (const bad of [
      '2026-02-29T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-11-25T24:00:00Z',
      '2026-11-25T12:60:00Z',
      '2026-11-25T12:00:60Z',
      '2026-11-25T12:00:00',
      '2026-11-25T12:00:00+24:00',
      '2026-11-25',
      '1764072000000',
      'yesterday',
      '',
    ]) {
      expect(parseDateTime(bad), bad).toBeUndefined()
    }
  })
})

describeEachEngine('metrics', (ctx) => {
  it('stores a batch and reads it back, times in UTC to the millisecond', async () => {
    const source = uniqueName('bot')
    const before = Date.now()
    const result = await ctx.store.metrics.ingest({
      metrics: [
        {
          source,
          metric_type: 'response_ms',
          timestamp: '2026-03-01T12:00:00.123456+02:00',
          metric_data: { value: 840, model: 'gpt-x', nested: { ok: true } },
        },
        { source, metric_type: 'guild_count', timestamp: '2026-03-01T10:00:01Z' },
        { source, metric_type: 'heartbeat' },
      ],
    })
    expect(result).toEqual({ object: 'metric_batch', accepted: 3, duplicates: 0 })
    const stored = await allOf(ctx.store, source)
    expect(
      stored.map(({ metric_type, timestamp, metric_data }) => [
        metric_type,
        timestamp,
        metric_data,
      ]),
    ).toEqual([
      [
        'response_ms',
        '2026-03-01T10:00:00.123Z',
        { value: 840, model: 'gpt-x', nested: { ok: true } },
      ],
      ['guild_count', '2026-03-01T10:00:01.000Z', {}],
      ['heartbeat', stored[2]!.timestamp, {}],
    ])
    for (const metric of stored) {
      expect(Object.keys(metric).sort()).toEqual(
        ['id', 'metric_data', 'metric_type', 'source', 'timestamp'].sort(),
      )
      expect(metric.source).toBe(source)
      expectTime(metric.timestamp)
    }
    // Without a timestamp, a metric is timed when it arrives.
    const received = Date.parse(stored[2]!.timestamp)
    expect(received).toBeGreaterThanOrEqual(before)
    expect(received).toBeLessThanOrEqual(Date.now())
  })

  it('stores nothing of a batch with one bad metric, and names it', async () => {
    const source = uniqueName('bot')
    const good = (i: number) => at(source, `2026-03-01T10:00:0${i}Z`, { value: i })
    const cases: [NewMetric, string][] = [
      [{ ...good(3), timestamp: 'yesterday' }, '/metrics/3/timestamp'],
      [{ ...good(3), timestamp: '2026-02-30T10:00:00Z' }, '/metrics/3/timestamp'],
      [
        { ...good(3), timestamp: new Date(Date.now() + 2 * HOUR).toISOString() },
        '/metrics/3/timestamp',
      ],
      [{ ...good(3), timestamp: '1970-01-21T08:00:00Z' }, '/metrics/3/timestamp'],
      [{ ...good(3), source: '' }, '/metrics/3/source'],
      [{ ...good(3), metric_type: 'x'.repeat(201) }, '/metrics/3/metric_type'],
      [{ ...good(3), metric_data: { text: 'x'.repeat(70_000) } }, '/metrics/3/metric_data'],
      [{ ...good(3), metric_data: { text: 'nul\u0000' } }, '/metrics/3/metric_data/text'],
      [{ ...good(3), id: 'not-a-uuid' }, '/metrics/3/id'],
    ]
    for (const [bad, field] of cases) {
      const error = await expectError(
        ctx.store.metrics.ingest({ metrics: [good(0), good(1), good(2), bad, good(4)] }),
        'validation_failed',
        field,
      )
      expect(error.message.startsWith(`${field}: `), error.message).toBe(true)
    }
    const metrics = [good(0), { ...good(1), extra: 1 } as NewMetric]
    await expectError(
      ctx.store.metrics.ingest({ metrics }),
      'validation_failed',
      '/metrics/1/extra',
    )
    await expectError(ctx.store.metrics.ingest({ metrics: [] }), 'validation_failed', '/metrics')
    const tooMany = Array.from({ length: 1001 }, (_, i) =>
      at(source, `2026-03-01T10:00:00Z`, { i }),
    )
    await expectError(
      ctx.store.metrics.ingest({ metrics: tooMany }),
      'validation_failed',
      '/metrics',
    )
    expect(await countRows(ctx.store, 'metrics', { source })).toBe(0)
    // An hour ahead of the server's clock is still taken (clocks drift).
    const soon = new Date(Date.now() + HOUR - 60_000).toISOString()
    await ctx.store.metrics.ingest({ metrics: [at(source, soon)] })
    expect(await countRows(ctx.store, 'metrics', { source })).toBe(1)
  })

  it('stores nothing when the database fails on a row half-way through a batch', async () => {
    const source = uniqueName('bot')
    const db = ctx.store.database.kysely
    if (ctx.engine === 'postgres') {
      await sql`create function metrics_refuse() returns trigger language plpgsql as $$
        begin
          if new.metric_type = 'refused' then raise exception 'refused by a test trigger'; end if;
          return new;
        end $$`.execute(db)
      await sql`create trigger metrics_refuse before insert on metrics
        for each row execute function metrics_refuse()`.execute(db)
    } else {
      await sql`create trigger metrics_refuse before insert on metrics
        when new.metric_type = 'refused'
        begin select raise(abort, 'refused by a test trigger'); end`.execute(db)
    }
    try {
      const metrics = Array.from({ length: 1000 }, (_, i) =>
        i === 700
          ? { ...at(source, '2026-03-01T10:00:00Z'), metric_type: 'refused' }
          : at(source, '2026-03-01T10:00:00Z', { i }),
      )
      const error = await ctx.store.metrics.ingest({ metrics }).catch((e: unknown) => e)
      expectChatkeepError(error)
      expect(error.code).toBe('internal')
      expect(await countRows(ctx.store, 'metrics', { source })).toBe(0)
    } finally {
      await sql`drop trigger metrics_refuse${ctx.engine === 'postgres' ? sql` on metrics` : sql``}`.execute(
        db,
      )
      if (ctx.engine === 'postgres') await sql`drop function metrics_refuse()`.execute(db)
    }
    await ctx.store.metrics.ingest({ metrics: [at(source, '2026-03-01T10:00:00Z')] })
    expect(await countRows(ctx.store, 'metrics', { source })).toBe(1)
  })

  it('stores a metric sent again with the same id once', async () => {
    const source = uniqueName('bot')
    const ids = [randomUUID(), randomUUID().toUpperCase()]
    const batch = {
      metrics: ids.map((id, i) => ({ ...at(source, '2026-03-01T10:00:00Z', { value: i }), id })),
    }
    expect(await ctx.store.metrics.ingest(batch)).toMatchObject({ accepted: 2, duplicates: 0 })
    expect(await ctx.store.metrics.ingest(batch)).toMatchObject({ accepted: 0, duplicates: 2 })
    const third = { ...at(source, '2026-03-01T11:00:00Z'), id: randomUUID() }
    const again = await ctx.store.metrics.ingest({ metrics: [batch.metrics[0]!, third] })
    expect(again).toMatchObject({ accepted: 1, duplicates: 1 })
    const stored = await allOf(ctx.store, source)
    expect(stored.map((m) => m.id).sort()).toEqual(
      [...ids, third.id].map((id) => id.toLowerCase()).sort(),
    )
    await expectError(
      ctx.store.metrics.ingest({
        metrics: [third, { ...third, timestamp: '2026-03-01T12:00:00Z' }],
      }),
      'validation_failed',
      '/metrics/1/id',
    )
  })

  it('counts per UTC minute, hour and day, with the numbers in metric_data.value', async () => {
    const source = uniqueName('bot')
    await ctx.store.metrics.ingest({
      metrics: [
        at(source, '2026-03-01T23:58:59.999Z', { value: 10 }),
        at(source, '2026-03-01T23:59:00.000Z', { value: -4.5 }),
        at(source, '2026-03-01T23:59:59.999Z', { value: '12' }),
        // 00:30 on March 2 in Paris is 23:30 on March 1 in UTC.
        at(source, '2026-03-02T00:30:00+01:00', { value: 2 }),
        at(source, '2026-03-02T00:00:00.000Z', { value: 1e6 }),
        at(source, '2026-03-02T00:00:30.000Z', { value: true }),
        at(source, '2026-03-02T01:15:00.000Z', { other: 5 }),
        { ...at(source, '2026-03-02T00:00:10.000Z', { value: 7 }), metric_type: 'tokens' },
      ],
    })
    const range = { source, since: '2026-03-01T00:00:00Z', until: '2026-03-03T00:00:00Z' }
    const value = (count: number, sum: number, min: number, max: number) => ({
      count,
      sum,
      avg: sum / count,
      min,
      max,
    })

    const byDay = await ctx.store.metrics.summarize({ ...range, bucket: 'day' })
    expect(byDay).toEqual({
      object: 'metric_summary',
      bucket: 'day',
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-03T00:00:00.000Z',
      data: [
        {
          bucket_start: '2026-03-01T00:00:00.000Z',
          metric_type: 'latency_ms',
          count: 4,
          value: value(3, 7.5, -4.5, 10),
        },
        {
          bucket_start: '2026-03-02T00:00:00.000Z',
          metric_type: 'latency_ms',
          count: 3,
          value: value(1, 1e6, 1e6, 1e6),
        },
        {
          bucket_start: '2026-03-02T00:00:00.000Z',
          metric_type: 'tokens',
          count: 1,
          value: value(1, 7, 7, 7),
        },
      ],
    })

    const byHour = await ctx.store.metrics.summarize({
      ...range,
      bucket: 'hour',
      metric_type: 'latency_ms',
    })
    expect(byHour.data.map((b) => [b.bucket_start, b.count, b.value?.count ?? 0])).toEqual([
      ['2026-03-01T23:00:00.000Z', 4, 3],
      ['2026-03-02T00:00:00.000Z', 2, 1],
      ['2026-03-02T01:00:00.000Z', 1, 0],
    ])
    expect(byHour.data[2]!.value).toBeNull()

    const byMinute = await ctx.store.metrics.summarize({
      ...range,
      since: '2026-03-01T23:00:00Z',
      until: '2026-03-02T02:00:00Z',
      bucket: 'minute',
      metric_type: 'latency_ms',
    })
    expect(byMinute.data.map((b) => [b.bucket_start, b.count, b.value])).toEqual([
      ['2026-03-01T23:30:00.000Z', 1, value(1, 2, 2, 2)],
      ['2026-03-01T23:58:00.000Z', 1, value(1, 10, 10, 10)],
      ['2026-03-01T23:59:00.000Z', 2, value(1, -4.5, -4.5, -4.5)],
      ['2026-03-02T00:00:00.000Z', 2, value(1, 1e6, 1e6, 1e6)],
      ['2026-03-02T01:15:00.000Z', 1, null],
    ])

    // since is inclusive, until exclusive.
    const edge = await ctx.store.metrics.summarize({
      source,
      since: '2026-03-01T23:59:00Z',
      until: '2026-03-02T00:00:00Z',
      bucket: 'minute',
    })
    expect(edge.data.map((b) => [b.bucket_start, b.count])).toEqual([
      ['2026-03-01T23:59:00.000Z', 2],
    ])
    const none = await ctx.store.metrics.summarize({ ...range, source: uniqueName('nobody') })
    expect(none.data).toEqual([])
  })

  it('counts a metric stamped in the very millisecond a default summary is taken', async () => {
    // One frozen clock for both calls: the metric's timestamp is the summary's "now".
    const now = Date.parse('2026-11-25T12:59:59.999Z')
    const metrics = new MetricService(ctx.store.database, () => now)
    const source = uniqueName('same-ms')
    await metrics.ingest({ metrics: [{ source, metric_type: 'heartbeat' }] })
    const summary = await metrics.summarize({ source })
    expect(summary.until).toBe('2026-11-25T13:00:00.000Z')
    expect(summary.since).toBe('2026-11-24T13:00:00.000Z')
    expect(summary.data).toEqual([
      { bucket_start: '2026-11-25T12:00:00.000Z', metric_type: 'heartbeat', count: 1, value: null },
    ])
    const minutes = await metrics.summarize({ source, bucket: 'minute' })
    expect(minutes.data.map((row) => row.bucket_start)).toEqual(['2026-11-25T12:59:00.000Z'])
  })

  it('summarizes the recent past by default, and refuses ranges it cannot answer', async () => {
    const source = uniqueName('bot')
    await ctx.store.metrics.ingest({ metrics: [{ source, metric_type: 'heartbeat' }] })
    const summary = await ctx.store.metrics.summarize({ source })
    expect(summary.bucket).toBe('hour')
    const until = Date.parse(summary.until)
    expect(Math.abs(until - Date.now())).toBeLessThan(60_000)
    expect(Date.parse(summary.since)).toBe(Math.floor((until - 1) / HOUR) * HOUR - 23 * HOUR)
    expect(summary.data).toEqual([
      {
        bucket_start: new Date(Math.floor(Date.now() / HOUR) * HOUR).toISOString(),
        metric_type: 'heartbeat',
        count: 1,
        value: null,
      },
    ])
    const minutes = await ctx.store.metrics.summarize({ source, bucket: 'minute' })
    expect(Date.parse(minutes.until) - Date.parse(minutes.since)).toBeLessThanOrEqual(HOUR)

    const { store } = ctx
    await expectError(
      store.metrics.summarize({
        since: '2026-03-01T00:00:00Z',
        until: '2026-03-03T00:00:01Z',
        bucket: 'minute',
      }),
      'validation_failed',
      '/since',
    )
    await store.metrics.summarize({
      since: '2026-03-01T00:00:00Z',
      until: '2026-03-02T00:00:00Z',
      bucket: 'minute',
    })
    await expectError(
      store.metrics.summarize({ since: '2026-03-02T00:00:00Z', until: '2026-03-01T00:00:00Z' }),
      'validation_failed',
      '/until',
    )
    await expectError(
      store.metrics.summarize({ since: 'last week' }),
      'validation_failed',
      '/since',
    )
    await expectError(
      store.metrics.summarize({ bucket: 'week' as 'day' }),
      'validation_failed',
      '/bucket',
    )
  })

  it('refuses a summary of more rows than it answers with', async () => {
    const source = uniqueName('bot')
    // 11 types × 1000 minutes: more than 10,000 (bucket, metric_type) rows.
    for (let t = 0; t < 11; t++) {
      await ctx.store.metrics.ingest({
        metrics: Array.from({ length: 1000 }, (_, i) => ({
          source,
          metric_type: `type_${t}`,
          timestamp: new Date(Date.UTC(2026, 3, 1) + i * 60_000).toISOString(),
        })),
      })
    }
    const range = { source, since: '2026-04-01T00:00:00Z', until: '2026-04-02T00:00:00Z' }
    await expectError(
      ctx.store.metrics.summarize({ ...range, bucket: 'minute' }),
      'validation_failed',
      '/metric_type',
    )
    const one = await ctx.store.metrics.summarize({
      ...range,
      bucket: 'minute',
      metric_type: 'type_3',
    })
    expect(one.data).toHaveLength(1000)
    const byHour = await ctx.store.metrics.summarize({ ...range, bucket: 'hour' })
    expect(byHour.data.reduce((n, b) => n + b.count, 0)).toBe(11_000)
  })

  it('lists metrics newest first by timestamp, then id, and pages both ways', async () => {
    const source = uniqueName('bot')
    const times = ['2026-03-01T10:00:02Z', '2026-03-01T10:00:00Z', '2026-03-01T10:00:01Z']
    // Two metrics share each timestamp: the id decides between them.
    await ctx.store.metrics.ingest({
      metrics: [...times, ...times].map((t, i) => at(source, t, { i })),
    })
    const asc = await allOf(ctx.store, source)
    expect(asc.map((m) => m.timestamp)).toEqual(
      ['00', '00', '01', '01', '02', '02'].map((s) => `2026-03-01T10:00:${s}.000Z`),
    )
    for (let i = 1; i < asc.length; i++) {
      const [a, b] = [asc[i - 1]!, asc[i]!]
      if (a.timestamp === b.timestamp) expect(a.id < b.id).toBe(true)
    }
    const desc = await ctx.store.metrics.list({ source, limit: 4 })
    expect(desc.data.map((m) => m.id)).toEqual(
      asc
        .slice(2)
        .reverse()
        .map((m) => m.id),
    )
    expect(desc.has_more).toBe(true)
    const rest = await ctx.store.metrics.list({ source, limit: 4, after: desc.last_id! })
    expect(rest.data.map((m) => m.id)).toEqual([asc[1]!.id, asc[0]!.id])
    expect(rest.has_more).toBe(false)
    const upper = await ctx.store.metrics.list({
      source,
      limit: 4,
      after: desc.last_id!.toUpperCase(),
    })
    expect(upper.data).toEqual(rest.data)
    const back = await ctx.store.metrics.list({ source, limit: 2, before: rest.first_id! })
    expect(back.data.map((m) => m.id)).toEqual([asc[3]!.id, asc[2]!.id])
    expect(back.has_more).toBe(true)

    const window = await ctx.store.metrics.list({
      source,
      since: '2026-03-01T10:00:01Z',
      until: '2026-03-01T10:00:02Z',
    })
    expect(window.data.map((m) => m.id)).toEqual([asc[3]!.id, asc[2]!.id])
    const typed = await ctx.store.metrics.list({ source, metric_type: 'other' })
    expect(typed.data).toEqual([])

    await expectError(
      ctx.store.metrics.list({ after: randomUUID() }),
      'validation_failed',
      '/after',
    )
    await expectError(ctx.store.metrics.list({ before: 'nope' }), 'validation_failed', '/before')
    await expectError(
      ctx.store.metrics.list({ after: asc[0]!.id, before: asc[1]!.id }),
      'validation_failed',
      '/before',
    )
    await expectError(
      ctx.store.metrics.list({ until: '2026-03-01' }),
      'validation_failed',
      '/until',
    )
  })
})
