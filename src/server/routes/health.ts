import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { schemaStatus } from '../../db/migrator.js'
import type { Store } from '../../store.js'

const tags = ['health']

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  database: Type.Object({
    engine: Type.String(),
    reachable: Type.Boolean(),
    latency_ms: Type.Union([Type.Number(), Type.Null()]),
    error: Type.Optional(Type.String()),
  }),
  migrations: Type.Object({
    current: Type.Union([Type.String(), Type.Null()]),
    pending: Type.Array(Type.String()),
    unknown: Type.Array(Type.String()),
  }),
  pool: Type.Object({ total: Type.Integer(), idle: Type.Integer(), waiting: Type.Integer() }),
})

export const healthRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags,
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: the database answers and its schema is current',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const db = store.database
      const started = performance.now()
      let error: string | undefined
      let migrations = {
        current: null as string | null,
        pending: [] as string[],
        unknown: [] as string[],
      }
      try {
        await db.ping()
        const status = await schemaStatus(db)
        migrations = { current: status.current, pending: status.pending, unknown: status.unknown }
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause)
      }
      const reachable = error === undefined
      const ready = reachable && migrations.pending.length === 0 && migrations.unknown.length === 0
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        database: {
          engine: db.engine,
          reachable,
          latency_ms: reachable ? Math.round((performance.now() - started) * 100) / 100 : null,
          ...(error !== undefined ? { error } : {}),
        },
        migrations,
        pool: db.poolStatus(),
      })
    },
  )
}
