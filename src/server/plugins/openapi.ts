import { readFileSync } from 'node:fs'
import { STATUS_CODES } from 'node:http'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** The OpenAPI 3.1 document at `/openapi.json`, built from the route schemas, and `/docs`. */

export interface OpenApiOptions {
  /** Where clients reach the API; relative to the document by default. */
  servers?: { url: string; description?: string }[]
}

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

const TAGS = [
  { name: 'auth', description: 'Register, log in, refresh and revoke tokens; API keys.' },
  { name: 'users', description: 'The caller, and user administration (admin).' },
  { name: 'conversations', description: "A user's conversations." },
  { name: 'messages', description: 'Append-only messages of a conversation.' },
  {
    name: 'documents',
    description: 'Documents as chunks for RAG, deduplicated by content hash; shared ones for all.',
  },
  {
    name: 'search',
    description: "Full-text search over one's messages and readable documents; similarity search.",
  },
  {
    name: 'seed compatibility',
    description: 'The routes of the hand-built chat layer (seed 000).',
  },
  {
    name: 'metrics',
    description: 'Metrics apps and bots post in batches; admins read them per bucket or raw.',
  },
  { name: 'audit', description: 'The audit log: who read, changed or deleted what (admin).' },
  {
    name: 'events',
    description: 'The change feed: every change, in commit order, as a list or a live stream.',
  },
  {
    name: 'webhooks',
    description: 'Endpoints that receive the change feed, signed, and their delivery log (admin).',
  },
  { name: 'backups', description: 'The backup log: every backup, completed or failed (admin).' },
  {
    name: 'config',
    description: 'System configuration: typed settings with who set them (admin).',
  },
  {
    name: 'retention',
    description:
      'Retention policies and legal holds: how long conversations are kept, and what nothing may remove (admin).',
  },
  {
    name: 'usage',
    description:
      'Tokens and their cost per user, model or day, and quotas that stop a user’s appends once reached.',
  },
  {
    name: 'stats',
    description: 'Rows, database size, activity per day, tokens per model, top users (admin).',
  },
  {
    name: 'cache',
    description: "The AI response cache: a model's answers kept per user under a request hash.",
  },
  { name: 'health', description: 'Liveness, readiness, Prometheus metrics and this document.' },
]

const DESCRIPTION = `The data layer for AI chat applications: users, conversations and messages.

Authenticate with \`Authorization: Bearer <access token or API key>\`. Errors are RFC 9457
\`application/problem+json\` with a stable \`code\` and, for bad input, the \`field\` at fault.
Lists use cursor pagination: \`limit\`, \`after\`, \`before\`, \`order\`.`

/** The docs page may load only what this server serves (Swagger UI sets inline styles). */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"

/**
 * Shared schemas are named by their `$id` in `components.schemas` (`Problem`, `Conversation`, …);
 * anything else keeps @fastify/swagger's `def-N` names.
 */
function buildLocalReference(json: { $id?: unknown; title?: unknown }, ...rest: unknown[]): string {
  if (typeof json.$id === 'string' && /^[A-Za-z0-9._-]+$/.test(json.$id)) return json.$id
  return `def-${String(rest[2])}`
}

type Operations = Record<
  string,
  Record<string, { responses?: Record<string, { description?: string }> }>
>

/** A response without its own description gets the status text (`Created`), not a placeholder. */
function describeResponses(document: Partial<{ paths: Operations }>): void {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (response.description === 'Default Response') {
          response.description = STATUS_CODES[status] ?? 'Response'
        }
      }
    }
  }
}

export const openapiPlugin = fp(
  async (app: FastifyInstance, options: OpenApiOptions) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Chatkeep',
          version: pkg.version,
          description: DESCRIPTION,
          license: { name: 'MIT', identifier: 'MIT' },
        },
        servers: options.servers ?? [{ url: '/', description: 'This server' }],
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description: 'An access token from login, or an API key.',
            },
          },
        },
        // Every operation needs a token unless its schema says `security: []`.
        security: [{ bearer: [] }],
        tags: TAGS,
      },
      refResolver: { buildLocalReference },
      // OpenAPI 3.1 schemas are JSON Schema 2020-12, where `const` is valid.
      convertConstToEnum: false,
      transformObject: (documents) => {
        const document =
          'openapiObject' in documents ? documents.openapiObject : documents.swaggerObject
        describeResponses(document as Partial<{ paths: Operations }>)
        return document
      },
    })

    app.get(
      '/openapi.json',
      {
        schema: {
          operationId: 'getOpenApiDocument',
          tags: ['health'],
          summary: 'This OpenAPI 3.1 document',
          security: [],
          response: { 200: { type: 'object', additionalProperties: true } },
        },
      },
      async (_request, reply) => reply.type('application/json; charset=utf-8').send(app.swagger()),
    )

    // Swagger UI from the assets bundled with @fastify/swagger-ui: nothing is fetched elsewhere.
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_CSP,
      uiConfig: { deepLinking: true, tryItOutEnabled: false },
    })
  },
  { name: 'chatkeep-openapi' },
)
