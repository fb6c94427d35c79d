import { readTime } from '../schemas/date-time.js'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { ChatkeepError } from '../errors.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import * as metrics from '../repositories/metrics.js'
import type { Page } from '../schemas/data.js'
import { LIMITS } from '../schemas/limits.js'
import {
  type Bucket,
  type Metric,
  type MetricBatch,
  MetricBatchSchema,
  type MetricIngestResult,
  type MetricListOptions,
  MetricListSchema,
  type MetricSummary,
  type MetricSummaryQuery,
  MetricSummaryQuerySchema,
  METRIC_LIMITS,
} from '../schemas/metrics.js'
import { checkJsonSize, validator } from '../schemas/validate.js'
import { checkCursors, toPage } from './page.js'

const validateBatch = validator(MetricBatchSchema)
const validateSummary = validator(MetricSummaryQuerySchema)
const validateList = validator(MetricListSchema)

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

/** The range a summary covers when `since` is not given: this many buckets up to `until`. */
const DEFAULT_BUCKETS: Record<Bucket, number> = { minute: 60, hour: 24, day: 30 }

const EARLIEST_MS = Date.parse(METRIC_LIMITS.earliest)

/**
 * Metrics that apps and bots post (seed 004) and admins read back, raw or per UTC bucket. They
 * belong to no user: every caller of the library reads them all, and the server lets only
 * admins read them.
 */
export class MetricService {
  /** `now` is the clock metrics are stamped and summaries end by; tests set it. */
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores a batch in one transaction: every metric or, when one of them is refused, none. A
   * metric with an `id` stored before (the batch sent again) is kept as it was and counted in
   * `duplicates`.
   * @example
   * await store.metrics.ingest({
   *   metrics: [{ source: 'discord-bot', metric_type: 'response_ms', metric_data: { value: 840 } }],
   * })
   */
  async ingest(batch: MetricBatch): Promise<MetricIngestResult> {
    const data = validateBatch(batch)
    const now = this.now()
    const given = new Map<string, number>()
    const rows = data.metrics.map((metric, i) => {
      const at = `/metrics/${i}`
      checkJsonSize(`metrics/${i}/metric_data`, metric.metric_data)
      if (metric.id !== undefined) {
        if (!isUuid(metric.id)) invalid(`${at}/id`, 'must be a UUID.')
        const earlier = given.get(metric.id.toLowerCase())
        if (earlier !== undefined) invalid(`${at}/id`, `repeats the id of /metrics/${earlier}.`)
        given.set(metric.id.toLowerCase(), i)
      }
      const timestamp =
        metric.timestamp === undefined ? now : metricTime(metric.timestamp, `${at}/timestamp`, now)
      return {
        id: metric.id?.toLowerCase() ?? uuid7(),
        source: metric.source,
        metric_type: metric.metric_type,
        timestamp: new Date(timestamp).toISOString(),
        metric_data: encodeJson(metric.metric_data ?? {}),
      }
    })
    // One statement: on both engines it stores every row or none. Retried after a lost
    // connection, the rows an attempt did commit are skipped by id, never stored twice.
    const stored = new Set(await this.db.write(() => metrics.insertMetrics(this.db, rows)))
    const duplicates = rows.filter((row) => given.has(row.id) && !stored.has(row.id)).length
    return { object: 'metric_batch', accepted: rows.length - duplicates, duplicates }
  }

  /**
   * Counts per UTC minute, hour or day (`hour` by default) and metric type, oldest first, with
   * the count, sum, average, minimum and maximum of the numbers in `metric_data.value`. Only
   * buckets holding a metric are listed. Without `since`, the last 60 minutes, 24 hours or 30
   * days up to `until` (default: now, included).
   * @example
   * const { data } = await store.metrics.summarize({ metric_type: 'response_ms', bucket: 'minute' })
   */
  async summarize(query: MetricSummaryQuery = {}): Promise<MetricSummary> {
    const data = validateSummary(query)
    const bucket = data.bucket ?? 'hour'
    const size = BUCKET_MS[bucket]
    // `until` is exclusive: by default it is the next millisecond, so a metric stamped now counts.
    const until = data.until === undefined ? this.now() + 1 : readTime(data.until, '/until')
    const since =
      data.since === undefined
        ? // The buckets up to the one holding the last millisecond included.
          Math.floor((until - 1) / size) * size - (DEFAULT_BUCKETS[bucket] - 1) * size
        : readTime(data.since, '/since')
    if (since >= until) invalid('/until', 'must be later than since.')
    const buckets = Math.ceil((until - Math.floor(since / size) * size) / size)
    if (buckets > METRIC_LIMITS.buckets) {
      invalid(
        '/since',
        `the range spans ${buckets} ${bucket} buckets; the limit is ${METRIC_LIMITS.buckets}: narrow it or take a larger bucket.`,
      )
    }
    const range = {
      metric_type: data.metric_type,
      source: data.source,
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
    }
    const rows = await metrics.summarizeMetrics(this.db, {
      ...range,
      bucket,
      limit: METRIC_LIMITS.summary_rows + 1,
    })
    if (rows.length > METRIC_LIMITS.summary_rows) {
      invalid(
        '/metric_type',
        `the summary has more than ${METRIC_LIMITS.summary_rows} rows (bucket × metric_type): filter by metric_type or narrow the range.`,
      )
    }
    return {
      object: 'metric_summary',
      bucket,
      since: range.since,
      until: range.until,
      data: rows.map((row) => ({
        bucket_start: row.bucket_start,
        metric_type: row.metric_type,
        count: row.count,
        value:
          row.value_count === 0
            ? null
            : {
                count: row.value_count,
                sum: row.value_sum ?? 0,
                avg: (row.value_sum ?? 0) / row.value_count,
                min: row.value_min ?? 0,
                max: row.value_max ?? 0,
              },
      })),
    }
  }

  /**
   * Metrics one by one, newest first by `timestamp` (`order: 'asc'` for oldest first), with the
   * same filters as `summarize`; `after` and `before` are ids of metrics of the list.
   */
  async list(options: MetricListOptions = {}): Promise<Page<Metric>> {
    const data = validateList(options)
    checkCursors(data, 'metric')
    // Ids are stored in lower case; PostgreSQL's uuid would match any case, SQLite's text not.
    const id = (data.after ?? data.before)?.toLowerCase()
    let cursor
    if (id !== undefined) {
      const timestamp = await metrics.getMetricTimestamp(this.db, id)
      const field = data.after !== undefined ? '/after' : '/before'
      if (timestamp === undefined) invalid(field, 'no metric has this id.')
      cursor = { timestamp, id }
    }
    const limit = data.limit ?? LIMITS.default_page
    const rows = await metrics.listMetrics(this.db, {
      metric_type: data.metric_type,
      source: data.source,
      since: data.since === undefined ? undefined : iso(readTime(data.since, '/since')),
      until: data.until === undefined ? undefined : iso(readTime(data.until, '/until')),
      limit,
      order: data.order ?? 'desc',
      cursor,
      backwards: data.before !== undefined,
    })
    return toPage(rows, limit, data.before !== undefined, (row) =>
      metrics.decodeMetric(this.db.codec, row),
    )
  }
}

function invalid(field: string, reason: string): never {
  throw new ChatkeepError('validation_failed', `${field}: ${reason}`, { field })
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** A metric's time: a date-time from 2000 up to an hour ahead of `now`. */
function metricTime(text: string, field: string, now: number): number {
  const ms = readTime(text, field)
  if (ms > now + METRIC_LIMITS.future_ms) {
    invalid(field, `is more than an hour ahead of the server's clock (${iso(now)}).`)
  }
  if (ms < EARLIEST_MS) {
    invalid(
      field,
      `is before ${METRIC_LIMITS.earliest}; was a time in seconds read as milliseconds?`,
    )
  }
  return ms
}
