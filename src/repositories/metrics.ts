import { type Insertable, type Selectable, sql } from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database } from '../db/database.js'
import type { MetricsTable } from '../db/schema.js'
import type { Bucket, Metric } from '../schemas/metrics.js'

export type MetricRow = Selectable<MetricsTable>

export function decodeMetric(codec: Codec, row: MetricRow): Metric {
  return { ...row, metric_data: codec.json(row.metric_data) }
}

/**
 * Stores the rows in one statement, so all of them or none; a row whose id is taken already (a
 * batch sent again) is skipped. Returns the ids it stored.
 */
export async function insertMetrics(
  db: Database,
  rows: Insertable<MetricsTable>[],
): Promise<string[]> {
  const stored = await db.kysely
    .insertInto('metrics')
    .values(rows)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute()
  return stored.map((row) => row.id)
}

/** What both the list and the summary filter on; times are ISO-8601 UTC with milliseconds. */
export interface MetricRange {
  metric_type?: string | undefined
  source?: string | undefined
  since?: string | undefined
  until?: string | undefined
}

function inRange(db: Database, range: MetricRange) {
  let q = db.kysely.selectFrom('metrics')
  if (range.metric_type !== undefined) q = q.where('metric_type', '=', range.metric_type)
  if (range.source !== undefined) q = q.where('source', '=', range.source)
  if (range.since !== undefined) q = q.where('timestamp', '>=', range.since)
  if (range.until !== undefined) q = q.where('timestamp', '<', range.until)
  return q
}

export async function getMetricTimestamp(db: Database, id: string): Promise<string | undefined> {
  const row = await db.kysely
    .selectFrom('metrics')
    .select('timestamp')
    .where('id', '=', id)
    .executeTakeFirst()
  return row?.timestamp
}

export interface MetricPage extends MetricRange {
  limit: number
  /** Newest first (`desc`) or oldest first (`asc`), by timestamp then id. */
  order: 'asc' | 'desc'
  /** The metric a page starts after (or, with `backwards`, ends before). */
  cursor?: { timestamp: string; id: string } | undefined
  backwards: boolean
}

/**
 * Metrics in (timestamp, id) order, keyset-paginated on that pair: limit + 1 rows, in the
 * opposite order when paging backwards, for `toPage` to turn around.
 */
export async function listMetrics(db: Database, page: MetricPage): Promise<MetricRow[]> {
  const ascending = (page.order === 'asc') !== page.backwards
  let q = inRange(db, page).selectAll()
  const { cursor } = page
  if (cursor !== undefined) {
    q = q.where((eb) =>
      eb(
        eb.refTuple('timestamp', 'id'),
        ascending ? '>' : '<',
        eb.tuple(cursor.timestamp, cursor.id),
      ),
    )
  }
  const direction = ascending ? 'asc' : 'desc'
  return q
    .orderBy('timestamp', direction)
    .orderBy('id', direction)
    .limit(page.limit + 1)
    .execute()
}

export interface MetricBucketRow {
  bucket_start: string
  metric_type: string
  count: number
  value_count: number
  value_sum: number | null
  value_min: number | null
  value_max: number | null
}

/**
 * Counts per UTC bucket and metric type, with the count, sum, minimum and maximum of the numbers
 * in `metric_data.value`, oldest bucket first; at most `limit` rows.
 */
export async function summarizeMetrics(
  db: Database,
  range: MetricRange & { bucket: Bucket; limit: number },
): Promise<MetricBucketRow[]> {
  // The bucket is the UTC start of the minute, hour or day, as the same ISO-8601 text on both
  // engines; the value is metric_data.value when it is a JSON number, else null (aggregates skip it).
  const bucketStart = db.dialect.bucketStart(range.bucket, 'timestamp')
  const numericValue = db.dialect.jsonNumber('metric_data', 'value')
  return inRange(db, range)
    .select([
      bucketStart.as('bucket_start'),
      'metric_type',
      sql<number>`count(*)`.as('count'),
      sql<number>`count(${numericValue})`.as('value_count'),
      sql<number | null>`sum(${numericValue})`.as('value_sum'),
      sql<number | null>`min(${numericValue})`.as('value_min'),
      sql<number | null>`max(${numericValue})`.as('value_max'),
    ])
    .groupBy([sql.ref('bucket_start'), 'metric_type'])
    .orderBy(sql.ref('bucket_start'))
    .orderBy('metric_type')
    .limit(range.limit)
    .execute()
}
