import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChatkeepError } from '../../errors.js'
import {
  ChangeEventSchema,
  CURSOR_PATTERN,
  EVENT_PAGE_MAX,
  type EventListOptions,
} from '../../schemas/events.js'
import type { Store } from '../../store.js'
import type { FeedWatcher } from '../feed-watcher.js'
import { inQuery } from '../in-query.js'
import { storeFor } from '../plugins/auth.js'
import { problemBody } from '../problem.js'
import { errorResponses } from '../schemas/common.js'

const tags = ['events']
const ChangeEvent = Type.Ref('ChangeEvent')

const Types = Type.String({
  maxLength: 1000,
  description:
    'Only these types, comma-separated: `message.created,conversation.updated`; `message.*` ' +
    'takes every type of messages.',
})

const ListQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        pattern: CURSOR_PATTERN,
        description: 'Events after this cursor (the previous page’s `next_cursor`).',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EVENT_PAGE_MAX })),
    types: Type.Optional(Types),
  },
  { additionalProperties: false },
)

const StreamQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        pattern: CURSOR_PATTERN,
        description: 'Events after this cursor; `Last-Event-ID` takes its place on a reconnection.',
      }),
    ),
    types: Type.Optional(Types),
  },
  { additionalProperties: false },
)

const EventPage = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(ChangeEvent),
  has_more: Type.Boolean(),
  next_cursor: Type.String({
    pattern: CURSOR_PATTERN,
    description: 'Where the next read starts: pass it as `after`.',
  }),
})

/** Events written to a stream per read; a stream that is behind catches up page by page. */
const STREAM_PAGE = 200
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000

function listOptions(query: { after?: string; types?: string }): EventListOptions {
  const types = query.types
    ?.split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
  return {
    ...(query.after === undefined ? {} : { after: query.after }),
    ...(types === undefined ? {} : { types }),
  }
}

export const eventRoutes: FastifyPluginAsyncTypebox<{
  store: Store
  watcher: FeedWatcher
}> = async (app, { store, watcher }) => {
  app.addHook('onRequest', app.requireUser)
  app.addSchema({ ...ChangeEventSchema, $id: 'ChangeEvent', title: 'ChangeEvent' })

  app.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
        tags,
        summary: 'Read the change feed',
        description:
          'Events after the cursor `after`, in commit order: once you have seen a cursor you ' +
          'never later find an event at or below it, so keep `next_cursor` and ask again. A ' +
          'user reads their own events, an admin everyone’s. A cursor older than ' +
          'EVENTS_RETENTION_DAYS answers 410 `cursor_expired`.',
        querystring: ListQuery,
        response: { 200: EventPage, ...errorResponses(400, 401, 410) },
      },
    },
    async (request) => {
      const options = {
        ...listOptions(request.query),
        ...(request.query.limit === undefined ? {} : { limit: request.query.limit }),
      }
      const page = await inQuery(
        request.query,
        storeFor(store, request).events.list(options),
      ).catch(renameTypes)
      return { object: 'list' as const, ...page }
    },
  )

  app.get(
    '/events/stream',
    {
      schema: {
        operationId: 'streamEvents',
        tags,
        summary: 'Follow the change feed (Server-Sent Events)',
        description:
          'A text/event-stream of the events after `after` (or after `Last-Event-ID`, which a ' +
          'reconnecting EventSource sends): each event’s `id` is its cursor, `event` its type ' +
          'and `data` the event as JSON. It stays open and sends new events as they commit, ' +
          'from any instance. Errors before the stream starts are problem+json; a cursor that ' +
          'expires while it runs ends it with an `error` event.',
        querystring: StreamQuery,
        headers: Type.Object({
          'last-event-id': Type.Optional(Type.String({ pattern: CURSOR_PATTERN })),
        }),
        produces: ['text/event-stream'],
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...errorResponses(400, 401, 410),
        },
      },
    },
    async (request, reply) => {
      const events = storeFor(store, request).events
      const options = listOptions(request.query)
      let after = request.headers['last-event-id'] ?? options.after
      // The first read answers any error as problem+json, before the stream's headers go.
      let page = await inQuery(
        request.query,
        events.list({ ...options, ...(after === undefined ? {} : { after }), limit: STREAM_PAGE }),
      ).catch(renameTypes)
      const closed = new AbortController()
      request.raw.on('close', () => closed.abort())
      reply.hijack()
      const out = reply.raw
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      })
      out.write('retry: 1000\n\n')
      let quietSince = Date.now()
      try {
        while (!closed.signal.aborted) {
          for (const event of page.data) {
            out.write(
              `id: ${event.cursor}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
            )
          }
          after = page.next_cursor
          if (page.data.length > 0) quietSince = Date.now()
          if (!page.has_more) {
            await watcher.next(HEARTBEAT_MS, closed.signal)
            if (closed.signal.aborted) break
            if (Date.now() - quietSince >= HEARTBEAT_MS) {
              out.write(': keep-alive\n\n')
              quietSince = Date.now()
            }
          }
          page = await events.list({ ...options, after, limit: STREAM_PAGE })
        }
      } catch (error) {
        // The client reconnects with Last-Event-ID; what it had stays had.
        const problem =
          error instanceof ChatkeepError
            ? problemBody(error)
            : { code: 'unavailable', detail: 'The feed could not be read; reconnect.' }
        if (!closed.signal.aborted) out.write(`event: error\ndata: ${JSON.stringify(problem)}\n\n`)
      } finally {
        out.end()
      }
    },
  )
}

/** The service names a bad type `/types/N`; over HTTP they come in one parameter. */
function renameTypes(error: unknown): never {
  if (error instanceof ChatkeepError && error.field?.startsWith('/query/types/')) {
    throw new ChatkeepError(
      'validation_failed',
      `/query/types${error.message.slice(error.field.length)}`,
      {
        field: '/query/types',
        cause: error,
      },
    )
  }
  throw error
}
