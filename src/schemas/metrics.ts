import { type Static, Type } from '@sinclair/typebox'
import { LIMITS } from './limits.js'
import { Nullable } from './nullable.js'

/**
 * Metrics that apps and bots post (seed 004): what they send, what admins read back, and the
 * buckets of a summary.
 */

const Id = Type.String({ format: 'uuid' })
const Time = Type.String({ format: 'date-time' })
const JsonObject = Type.Record(Type.String(), Type.Unknown())
const strict = { additionalProperties: false } as const

/**
 * Times are checked by the service, not by a schema `format` (a library caller has no format
 * registry), so that every face refuses the same text with the same message.
 */
const TimeInput = (description: string) =>
  Type.String({ maxLength: 64, description, examples: ['2026-11-25T12:00:00.000Z'] })

export const METRIC_LIMITS = {
  /** Metrics in one ingest. */
  batch: 1000,
  /** How far ahead of the server's clock a timestamp may be (clock skew), in milliseconds. */
  future_ms: 60 * 60 * 1000,
  /** The earliest timestamp taken: before it, seconds were most likely read as milliseconds. */
  earliest: '2000-01-01T00:00:00.000Z',
  /** Buckets one summary may span. */
  buckets: 1440,
  /** Rows (bucket × metric_type) one summary may answer with. */
  summary_rows: 10_000,
} as const

export const BUCKETS = ['minute', 'hour', 'day'] as const
export type Bucket = (typeof BUCKETS)[number]

export const MetricSchema = Type.Object({
  id: Id,
  source: Type.String(),
  metric_type: Type.String(),
  timestamp: Time,
  metric_data: JsonObject,
})
export type Metric = Static<typeof MetricSchema>

export const NewMetricSchema = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        maxLength: 36,
        description:
          'A UUID chosen by the sender: a batch sent again after a timeout stores each metric once.',
      }),
    ),
    source: Type.String({
      minLength: 1,
      maxLength: LIMITS.short_text,
      description: 'Who reports it: the client bot or service id.',
    }),
    metric_type: Type.String({ minLength: 1, maxLength: LIMITS.short_text }),
    timestamp: Type.Optional(
      TimeInput(
        'ISO-8601 date-time with a time zone (`Z` or `+02:00`); stored in UTC to the millisecond. At most one hour ahead of the server, not before 2000. Default: when the server receives it.',
      ),
    ),
    metric_data: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'Any JSON object (64 KiB as text at most). A number in `value` is summed, averaged and ranged by the summaries.',
      }),
    ),
  },
  strict,
)
export type NewMetric = Static<typeof NewMetricSchema>

export const MetricBatchSchema = Type.Object(
  { metrics: Type.Array(NewMetricSchema, { minItems: 1, maxItems: METRIC_LIMITS.batch }) },
  strict,
)
export type MetricBatch = Static<typeof MetricBatchSchema>

export const MetricIngestResultSchema = Type.Object({
  object: Type.Literal('metric_batch'),
  accepted: Type.Integer({ description: 'Metrics of the batch that are stored: all of them.' }),
  duplicates: Type.Integer({
    description: 'Metrics whose `id` was stored before (a batch sent again); kept as they were.',
  }),
})
export type MetricIngestResult = Static<typeof MetricIngestResultSchema>

const filters = {
  metric_type: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.short_text })),
  source: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.short_text })),
  since: Type.Optional(TimeInput('From this time on (inclusive).')),
  until: Type.Optional(TimeInput('Before this time (exclusive).')),
}

export const BucketSchema = Type.Union(BUCKETS.map((bucket) => Type.Literal(bucket)))

export const MetricSummaryQuerySchema = Type.Object(
  {
    ...filters,
    bucket: Type.Optional(BucketSchema),
  },
  strict,
)
export type MetricSummaryQuery = Static<typeof MetricSummaryQuerySchema>

export const MetricListSchema = Type.Object(
  {
    ...filters,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page })),
    after: Type.Optional(Type.String({ maxLength: 36 })),
    before: Type.Optional(Type.String({ maxLength: 36 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  },
  strict,
)
export type MetricListOptions = Static<typeof MetricListSchema>

export const MetricBucketSchema = Type.Object({
  bucket_start: Time,
  metric_type: Type.String(),
  count: Type.Integer({ description: 'Metrics in the bucket.' }),
  value: Nullable(
    Type.Object(
      {
        count: Type.Integer(),
        sum: Type.Number(),
        avg: Type.Number(),
        min: Type.Number(),
        max: Type.Number(),
      },
      {
        description:
          'Over the metrics whose `metric_data.value` is a number; null when none of them has one.',
      },
    ),
  ),
})
export type MetricBucket = Static<typeof MetricBucketSchema>

export const MetricSummarySchema = Type.Object({
  object: Type.Literal('metric_summary'),
  bucket: BucketSchema,
  since: Time,
  until: Time,
  data: Type.Array(MetricBucketSchema),
})
export type MetricSummary = Static<typeof MetricSummarySchema>
