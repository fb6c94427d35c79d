import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import type { Store } from '../../store.js'

/** Above this share of its connections in use a pool is close to making callers wait (seed 001). */
export const POOL_WARN_RATIO = 0.8

/** How often the pool is looked at between requests. */
const SAMPLE_MS = 1000

/**
 * Watches the database pool: `chatkeep_db_pool_utilization` (connections in use ÷ the most it
 * opens) and, each time it goes over 80 %, one warning in the log and one count of
 * `chatkeep_db_pool_high_utilization_total`; it warns again only once it has been back at or
 * under 80 %. Looked at as each request comes in and once a second. SQLite's one connection
 * is in use whenever anything runs, so it is no pool to warn about; its utilization is
 * reported all the same.
 */
export const poolWatchPlugin = fp(
  async (app: FastifyInstance, { store }: { store: Store }) => {
    const registers = [app.metrics]
    const utilization = () => {
      const pool = store.database.poolStatus()
      const in_use = Math.max(0, pool.total - pool.idle)
      return { ...pool, in_use, ratio: pool.max === 0 ? 0 : in_use / pool.max }
    }
    new Gauge({
      name: 'chatkeep_db_pool_utilization',
      help: 'Database connections in use as a share of the most the pool opens (0 to 1).',
      registers,
      collect() {
        this.set(utilization().ratio)
      },
    })
    const highs = new Counter({
      name: 'chatkeep_db_pool_high_utilization_total',
      help: `Times the database pool went over ${POOL_WARN_RATIO * 100} % of its connections in use.`,
      registers,
    })
    let high = false
    const check = () => {
      const pool = utilization()
      if (pool.ratio <= POOL_WARN_RATIO || pool.max <= 1) {
        high = false
        return
      }
      if (high) return
      high = true
      highs.inc()
      app.log.warn(
        { pool: { total: pool.total, idle: pool.idle, waiting: pool.waiting, max: pool.max } },
        `The database pool is over ${POOL_WARN_RATIO * 100} % used (${pool.in_use} of ` +
          `${pool.max} connections, ${pool.waiting} waiting); raise DATABASE_POOL_SIZE or ` +
          'DATABASE_MAX_OVERFLOW, or look for slow queries, before callers wait for a connection.',
      )
    }
    const timer = setInterval(check, SAMPLE_MS)
    timer.unref()
    app.addHook('onClose', async () => clearInterval(timer))
    app.addHook('onRequest', async () => check())
  },
  { name: 'chatkeep-pool-watch', dependencies: ['chatkeep-metrics'] },
)
