import { METHODS } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { MessageSearchStatus } from '../../services/message-search-index.js'
import type { Store } from '../../store.js'
import { countAppends } from '../metrics/appends.js'
import { createRegistry } from '../metrics/registry.js'

/**
 * Prometheus metrics at `GET /metrics`, through prom-client: requests, latency, appends and
 * tokens, the database pool, the lag of message search, and prom-client's standard process and Node.js metrics.
 */

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry
  }
}

/** The route label of a request no route matched: raw URLs would make a series per id. */
export const UNMATCHED_ROUTE = '(unmatched)'

const KNOWN_METHODS = new Set(METHODS)

export const metricsPlugin = fp(
  async (app: FastifyInstance, { store }: { store: Store }) => {
    const registry = createRegistry()
    const registers = [registry]
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    })
    // prom-client's default buckets: 5 ms to 10 s.
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, by method, route pattern and status class (2xx, 4xx, 5xx).',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    })
    const stopCounting = countAppends(registry, store.database)
    app.addHook('onClose', async () => stopCounting())
    new Gauge({
      name: 'chatkeep_db_pool_connections',
      help: 'Database connections: open (total), open and unused (idle), and callers waiting for one.',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = store.database.poolStatus()
        this.set({ state: 'total' }, pool.total)
        this.set({ state: 'idle' }, pool.idle)
        this.set({ state: 'waiting' }, pool.waiting)
      },
    })
    new Gauge({
      name: 'chatkeep_db_pool_max_connections',
      help: 'The most database connections the pool opens (pool size + overflow; 1 on SQLite).',
      registers,
      collect() {
        this.set(store.database.poolStatus().max)
      },
    })
    // Read at scrape, once for both gauges: a count of the pending messages only. A failed read
    // (the database away) leaves the last values, so the scrape still answers.
    let lag: Promise<MessageSearchStatus | undefined> | undefined
    const readLag = () => {
      lag ??= store.search
        .status()
        .catch(() => undefined)
        .finally(() => setTimeout(() => (lag = undefined), 1000).unref())
      return lag
    }
    new Gauge({
      name: 'chatkeep_message_search_lag_messages',
      help: 'Messages written and not yet in the full-text index (deferred or off message search).',
      registers,
      async collect() {
        const status = await readLag()
        if (status !== undefined) this.set(status.lag_messages)
      },
    })
    new Gauge({
      name: 'chatkeep_message_search_lag_seconds',
      help: 'Age of the oldest message not yet in the full-text index, in seconds (0: none).',
      registers,
      async collect() {
        const status = await readLag()
        if (status !== undefined) this.set(status.lag_ms / 1000)
      },
    })
    app.decorate('metrics', registry)

    app.addHook('onResponse', async (request, reply) => {
      const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER'
      const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE)
      requests.inc({ method, route, status: String(reply.statusCode) })
      const status_class = `${String(reply.statusCode).charAt(0)}xx`
      duration.observe({ method, route, status_class }, reply.elapsedTime / 1000)
    })

    app.get(
      '/metrics',
      {
        schema: {
          operationId: 'getMetrics',
          tags: ['health'],
          summary: 'Prometheus metrics (text exposition format 0.0.4)',
          security: [],
          response: {
            200: {
              description: 'The metrics',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
      async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    )
  },
  { name: 'chatkeep-metrics' },
)
