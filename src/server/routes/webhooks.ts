import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  CreatedWebhookSchema,
  NewWebhookSchema,
  WebhookDeliverySchema,
  WebhookSchema,
  WebhookUpdateSchema,
} from '../../schemas/webhooks.js'
import type { WebhookService } from '../../services/webhooks.js'
import { errorResponses, IdParams, NoContent } from '../schemas/common.js'

const tags = ['webhooks']
const Webhook = Type.Ref('Webhook')

export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (
  app,
  { webhooks },
) => {
  app.addHook('onRequest', app.requireAdmin)
  app.addSchema({ ...WebhookSchema, $id: 'Webhook', title: 'Webhook' })

  app.post(
    '/admin/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        tags,
        summary: 'Register a webhook endpoint (admin)',
        description:
          'The endpoint receives every event of the feed written from now on (of `types`, when ' +
          'given), at least once, in feed order, signed per Standard Webhooks (`webhook-id`, ' +
          '`webhook-timestamp`, `webhook-signature`). The `secret` is answered only here. ' +
          'Private and loopback addresses are refused unless WEBHOOK_ALLOW_PRIVATE is set.',
        body: NewWebhookSchema,
        response: { 201: CreatedWebhookSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await webhooks.create(request.body)),
  )

  app.get(
    '/admin/webhooks',
    {
      schema: {
        operationId: 'listWebhooks',
        tags,
        summary: 'List the webhook endpoints (admin)',
        response: {
          200: Type.Object({ object: Type.Literal('list'), data: Type.Array(Webhook) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ object: 'list' as const, data: await webhooks.list() }),
  )

  app.get(
    '/admin/webhooks/:id',
    {
      schema: {
        operationId: 'getWebhook',
        tags,
        summary: 'Get a webhook endpoint (admin)',
        params: IdParams,
        response: { 200: Webhook, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => webhooks.get(request.params.id),
  )

  app.patch(
    '/admin/webhooks/:id',
    {
      schema: {
        operationId: 'updateWebhook',
        tags,
        summary: 'Change or re-enable a webhook endpoint (admin)',
        description: '`enabled: true` delivers again from where it stopped.',
        params: IdParams,
        body: WebhookUpdateSchema,
        response: { 200: Webhook, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.update(request.params.id, request.body),
  )

  app.delete(
    '/admin/webhooks/:id',
    {
      schema: {
        operationId: 'deleteWebhook',
        tags,
        summary: 'Remove a webhook endpoint and its delivery log (admin)',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await webhooks.delete(request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/admin/webhooks/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: 'Every delivery attempt to an endpoint, newest first (admin)',
        params: IdParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
            before: Type.Optional(Type.String({ format: 'uuid' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            object: Type.Literal('list'),
            data: Type.Array(WebhookDeliverySchema),
            has_more: Type.Boolean(),
          }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({
      object: 'list' as const,
      ...(await webhooks.deliveries(request.params.id, request.query)),
    }),
  )
}
