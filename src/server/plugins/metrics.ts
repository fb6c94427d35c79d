import { METHODS } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Store } from '../../store.js'
import { countAppends } from '../metrics/appends.js'
import { EXPOSITION_CONTENT_TYPE, Registry } from '../metrics/registry.js'

/**
 * Prometheus metrics at `GET /metrics`: requests, latency, appends and tokens, the database pool,
 * the process.
 */

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry
  }
}

/** The route label of a request no route matched: raw URLs would make a series per id. */
export const UNMATCHED_ROUTE = '(unmatched)'

const KNOWN_METHODS = new Set(METHODS)

/** Seconds since the Unix epoch when the process started, as Prometheus clients report it. */
const processStartTime = (): number =>
  Math.round((Date.now() / 1000 - process.uptime()) * 1000) / 1000

export const metricsPlugin = fp(
  async (app: FastifyInstance, { store }: { store: Store }) => {
    const registry = new Registry()
    const requests = registry.counter(
      'http_requests_total',
      'HTTP requests answered, by method, route pattern and status code.',
      ['method', 'route', 'status'],
    )
    const duration = registry.histogram(
      'http_request_duration_seconds',
      'Time from receiving a request to sending its response, by method, route pattern and status class (2xx, 4xx, 5xx).',
      ['method', 'route', 'status_class'],
    )
    const stopCounting = countAppends(registry, store.database)
    app.addHook('onClose', async () => stopCounting())
    registry.collected(
      'gauge',
      'chatkeep_db_pool_connections',
      'Database connections: open (total), open and unused (idle), and callers waiting for one.',
      ['state'],
      () => {
        const pool = store.database.poolStatus()
        return [
          { labels: { state: 'total' }, value: pool.total },
          { labels: { state: 'idle' }, value: pool.idle },
          { labels: { state: 'waiting' }, value: pool.waiting },
        ]
      },
    )
    registry.collected(
      'gauge',
      'chatkeep_db_pool_max_connections',
      'The most database connections the pool opens (pool size + overflow; 1 on SQLite).',
      [],
      () => [{ value: store.database.poolStatus().max }],
    )
    const started = processStartTime()
    registry.collected(
      'gauge',
      'process_start_time_seconds',
      'Start time of the process since the Unix epoch, in seconds.',
      [],
      () => [{ value: started }],
    )
    registry.collected(
      'counter',
      'process_cpu_seconds_total',
      'User and system CPU time spent, in seconds.',
      [],
      () => {
        const { user, system } = process.cpuUsage()
        return [{ value: (user + system) / 1e6 }]
      },
    )
    registry.collected(
      'gauge',
      'process_resident_memory_bytes',
      'Resident memory size, in bytes.',
      [],
      () => [{ value: process.memoryUsage.rss() }],
    )
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
      async (_request, reply) => reply.type(EXPOSITION_CONTENT_TYPE).send(registry.expose()),
    )
  },
  { name: 'chatkeep-metrics' },
)
