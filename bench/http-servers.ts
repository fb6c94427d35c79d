import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { openStore } from '../src/index.js'
import { buildApp } from '../src/server/app.js'
import { startServer as serve } from '../src/server/serve.js'
import { AuthService } from '../src/services/auth.js'
import { postgresBaseline } from './baseline-postgres.js'
import { sqliteBaseline } from './baseline-sqlite.js'
import type { EngineName, W5Variant } from './options.js'
import type { BenchMessage } from './payloads.js'

/**
 * W5's servers, each on its own: built here and bound to a free port on 127.0.0.1, in a child
 * process of the bench (`http-child.ts`) or, when asked, in the bench's own.
 */
export type ServerSpec =
  /** Fastify with one route that does no work: the ceiling. */
  | { kind: 'ceiling' }
  /** Fastify with routes doing the raw driver's append, last-N read and list: W1–W3's baselines. */
  | { kind: 'raw'; engine: EngineName; url: string; synchronous: string; pool: number }
  /** Chatkeep's server as `chatkeep serve` starts it, in one of W5's variants. */
  | { kind: 'chatkeep'; url: string; variant: W5Variant; redis_url: string }

export interface RunningServer {
  /** `http://127.0.0.1:port` */
  url: string
  close(): Promise<void>
}

/** The ceiling's route. */
export const CEILING_PATH = '/'

async function listen(app: FastifyInstance, close: () => Promise<void>): Promise<RunningServer> {
  try {
    await app.listen({ host: '127.0.0.1', port: 0 })
  } catch (error) {
    await close().catch(() => {})
    throw error
  }
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { url: `http://127.0.0.1:${address.port}`, close }
}

function ceiling(): Promise<RunningServer> {
  const app = Fastify({ logger: false })
  app.get(CEILING_PATH, async () => ({ ok: true }))
  return listen(app, () => app.close())
}

/**
 * The raw driver behind Fastify, no schemas, no auth. An append: the body parsed by Fastify's
 * default JSON parser, one raw append (a better-sqlite3 transaction, or pg's one-round-trip CTE),
 * answered 201 with the stored message as Chatkeep answers it. `?last=N`: the raw last-N read
 * (JSON columns decoded), answered as Chatkeep's list. `GET /v1/conversations?user_id&limit`:
 * the user's most recently active conversations, one more than the page to answer `has_more`.
 * JSON.stringify serializes them all.
 */
function raw(spec: Extract<ServerSpec, { kind: 'raw' }>): Promise<RunningServer> {
  const baseline =
    spec.engine === 'sqlite'
      ? sqliteBaseline(spec.url, spec.synchronous)
      : postgresBaseline(spec.url, spec.pool)
  const app = Fastify({ logger: false })
  app.post<{ Params: { id: string }; Body: BenchMessage }>(
    '/v1/conversations/:id/messages',
    async (request, reply) => {
      const m = request.body
      const stored = await baseline.appendRow(request.params.id, m)
      reply.code(201)
      return {
        id: stored.id,
        conversation_id: request.params.id,
        user_id: stored.user_id,
        sequence: stored.sequence,
        parent_id: null,
        role: m.role,
        content: m.content,
        request_id: null,
        tokens_used: m.tokens_used,
        model_version: m.model_version,
        context_documents: [],
        metadata: m.metadata,
        feedback: null,
        created_at: stored.created_at,
        deleted_at: null,
      }
    },
  )
  app.get<{ Params: { id: string }; Querystring: { last: string } }>(
    '/v1/conversations/:id/messages',
    async (request) => {
      const data = (await baseline.lastN(
        { conversation_id: request.params.id, user_id: '' },
        Number(request.query.last),
      )) as { id: string; sequence: number }[]
      return {
        object: 'list',
        data,
        has_more: (data[0]?.sequence ?? 1) > 1,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      }
    },
  )
  app.get<{ Querystring: { user_id: string; limit: string } }>(
    '/v1/conversations',
    async (request) => {
      const limit = Number(request.query.limit)
      const rows = (await baseline.listRecent(request.query.user_id, limit + 1)) as {
        id: string
      }[]
      const data = rows.slice(0, limit)
      return {
        object: 'list',
        data,
        has_more: rows.length > limit,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      }
    },
  )
  return listen(app, async () => {
    try {
      await app.close()
    } finally {
      await baseline.close()
    }
  })
}

/** A rate limit no load reaches: every request pays for its counts, none is refused. */
const UNREACHABLE = 1_000_000_000

/**
 * Chatkeep's server. `defaults` and `redis` are `startServer`, which `chatkeep serve` runs: the
 * store migrated, the cache and rate-limit counters (in the database, or in Redis), the
 * background work, pino at info on this process's stdout (the bench points it at a file). Only
 * the limits are raised out of reach. `no_limits` is the same app with no rate limiter, which
 * `serve` cannot be told to leave out. The signing secret is the one the setup kept in the
 * database, so the access token registered there holds here.
 */
async function chatkeep(spec: Extract<ServerSpec, { kind: 'chatkeep' }>): Promise<RunningServer> {
  if (spec.variant !== 'no_limits') {
    const server = await serve({
      store_config: { database_url: spec.url },
      server_config: {
        host: '127.0.0.1',
        port: 0,
        rate_limit_per_minute: UNREACHABLE,
        auth_rate_limit_per_minute: UNREACHABLE,
        ...(spec.variant === 'redis' ? { redis_url: spec.redis_url } : {}),
      },
    })
    return { url: server.url, close: () => server.close() }
  }
  const store = await openStore({ database_url: spec.url, migrate: true })
  try {
    const auth = await AuthService.open(store, {
      access_token_ttl_s: 3600,
      refresh_token_ttl_s: 86_400,
    })
    const app = await buildApp({ store, auth, logger: pino({ level: 'info' }) })
    return await listen(app, async () => {
      try {
        await app.close()
      } finally {
        await store.close()
      }
    })
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
}

export function startServer(spec: ServerSpec): Promise<RunningServer> {
  switch (spec.kind) {
    case 'ceiling':
      return ceiling()
    case 'raw':
      return raw(spec)
    case 'chatkeep':
      return chatkeep(spec)
  }
}
