import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { PoolStatus } from '../../db/database.js'
import { translateDriverError } from '../../db/driver-errors.js'
import { schemaStatus } from '../../db/migrator.js'
import { ChatkeepError } from '../../errors.js'
import type { Store } from '../../store.js'

const tags = ['health']

const Pool = Type.Object(
  {
    total: Type.Integer({ description: 'Connections open now.' }),
    idle: Type.Integer({ description: 'Open connections not in use.' }),
    in_use: Type.Integer({ description: 'Connections checked out by a query or transaction.' }),
    waiting: Type.Integer({ description: 'Callers waiting for a connection.' }),
    max: Type.Integer({ description: 'The most connections the pool opens (1 on SQLite).' }),
    saturated: Type.Boolean({
      description: 'Every connection is in use and callers wait: requests will slow down.',
    }),
  },
  { description: 'The database connection pool (SQLite: its one connection).' },
)

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  database: Type.Object({
    engine: Type.String(),
    reachable: Type.Boolean(),
    latency_ms: Type.Union([Type.Number(), Type.Null()]),
    /** A stable error code and a message that names no host, user or path. */
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  }),
  migrations: Type.Object({
    current: Type.Union([Type.String(), Type.Null()]),
    pending: Type.Array(Type.String()),
    unknown: Type.Array(Type.String()),
  }),
  pool: Pool,
})

export interface HealthOptions {
  store: Store
  /** How long `/readyz` waits for the database before answering 503. */
  readiness_timeout_ms?: number
}

/** A probe must answer promptly: an exhausted pool would otherwise hold it for pool_timeout. */
const DEFAULT_READINESS_TIMEOUT_MS = 2_000

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(new ChatkeepError('unavailable', `The database did not answer within ${ms} ms.`)),
      ms,
    )
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

export function poolReport(pool: PoolStatus) {
  const in_use = Math.max(0, pool.total - pool.idle)
  return { ...pool, in_use, saturated: pool.waiting > 0 && in_use >= pool.max }
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthOptions> = async (app, options) => {
  const { store } = options
  const timeout = options.readiness_timeout_ms ?? DEFAULT_READINESS_TIMEOUT_MS

  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'checkLiveness',
        tags,
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'checkReadiness',
        tags,
        summary: 'Readiness: the database answers, its schema is current; with pool status',
        description:
          'Answers 503 when the database cannot be reached within the probe deadline or its schema is not the one this code needs. A saturated pool is reported but does not make the instance unready.',
        security: [],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const db = store.database
      const started = performance.now()
      let error: ChatkeepError | undefined
      let migrations = {
        current: null as string | null,
        pending: [] as string[],
        unknown: [] as string[],
      }
      try {
        const status = await withDeadline(
          db.ping().then(() => schemaStatus(db)),
          timeout,
        )
        migrations = { current: status.current, pending: status.pending, unknown: status.unknown }
      } catch (cause) {
        error = translateDriverError(cause)
      }
      const reachable = error === undefined
      const ready = reachable && migrations.pending.length === 0 && migrations.unknown.length === 0
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        database: {
          engine: db.engine,
          reachable,
          latency_ms: reachable ? Math.round((performance.now() - started) * 100) / 100 : null,
          ...(error !== undefined ? { error: { code: error.code, message: error.message } } : {}),
        },
        migrations,
        pool: poolReport(db.poolStatus()),
      })
    },
  )
}
