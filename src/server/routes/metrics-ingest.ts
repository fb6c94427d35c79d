import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  MetricBatchSchema,
  MetricIngestResultSchema,
  MetricListSchema,
  MetricSchema,
  MetricSummaryQuerySchema,
  MetricSummarySchema,
} from '../../schemas/metrics.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { errorResponses, PageOf } from '../schemas/common.js'

/**
 * Metrics apps and bots post (seed 004): any caller that may write posts them (an API key needs
 * the `write` scope); only admins read them back. Chatkeep's own counters are at `GET /metrics`.
 */
const tags = ['metrics']
const Metric = Type.Ref('Metric')

export const metricIngestRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.addSchema({ ...MetricSchema, $id: 'Metric', title: 'Metric' })

  app.post(
    '/metrics',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'ingestMetrics',
        tags,
        summary: 'Post a batch of metrics (all or none)',
        description:
          'Up to 1000 metrics, stored in one transaction: when one is refused, the 400 names it (`/metrics/3/timestamp`) and nothing is stored. Any authenticated caller may post; an API key needs the `write` scope. A metric sent again with the same `id` is stored once.',
        body: MetricBatchSchema,
        response: { 201: MetricIngestResultSchema, ...errorResponses(403, 413) },
      },
    },
    async (request, reply) => reply.code(201).send(await store.metrics.ingest(request.body)),
  )

  app.get(
    '/admin/metrics',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'summarizeMetrics',
        tags,
        summary: 'Metrics counted per UTC minute, hour or day and metric type (admin)',
        description:
          'Only buckets holding a metric are listed, oldest first; `value` sums, averages and ranges the numbers in `metric_data.value`. Without `since`: the last 60 minutes, 24 hours or 30 days. At most 1440 buckets per query.',
        querystring: MetricSummaryQuerySchema,
        response: { 200: MetricSummarySchema, ...errorResponses(403) },
      },
    },
    async (request) => inQuery(request.query, store.metrics.summarize(request.query)),
  )

  app.get(
    '/admin/metrics/raw',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'listMetrics',
        tags,
        summary: 'Metrics one by one, newest first (admin)',
        description:
          'Ordered by `timestamp`, then id; `after` and `before` are ids of metrics of the list.',
        querystring: MetricListSchema,
        response: { 200: PageOf(Metric), ...errorResponses(403) },
      },
    },
    async (request) => ({
      object: 'list' as const,
      ...(await inQuery(request.query, store.metrics.list(request.query))),
    }),
  )
}
