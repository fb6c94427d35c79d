import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  ConfigKeyParams,
  KNOWN_CONFIG_KEYS,
  SetConfigSchema,
  SystemConfigSchema,
} from '../../schemas/system-config.js'
import type { Store } from '../../store.js'
import { auditContextOf } from '../plugins/audit.js'
import { errorResponses, NoContent } from '../schemas/common.js'

const tags = ['config']
const SystemConfig = Type.Ref('SystemConfig')
const ConfigList = Type.Object({ object: Type.Literal('list'), data: Type.Array(SystemConfig) })

const KNOWN_KEYS = Object.entries(KNOWN_CONFIG_KEYS)
  .map(([key, known]) => `- \`${key}\` (${known.type}): ${known.description}`)
  .join('\n')

/** Admins only: reading and changing the settings every app of this deployment shares. */
export const systemConfigRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.addSchema({ ...SystemConfigSchema, $id: 'SystemConfig', title: 'SystemConfig' })
  app.addHook('onRequest', app.requireAdmin)

  app.get(
    '/admin/config',
    {
      schema: {
        operationId: 'listSettings',
        tags,
        summary: 'Every setting, in key order (admin)',
        description: 'The configuration is small: the whole of it comes in one answer.',
        response: { 200: ConfigList, ...errorResponses(403) },
      },
    },
    async () => ({ object: 'list' as const, data: await store.config.list() }),
  )

  app.get(
    '/admin/config/:key',
    {
      schema: {
        operationId: 'getSetting',
        tags,
        summary: 'One setting (admin)',
        description:
          'Read through the cache: with Redis a change shows everywhere at once; without it, on other instances within 30 seconds.',
        params: ConfigKeyParams,
        response: { 200: SystemConfig, ...errorResponses(403, 404) },
      },
    },
    async (request) => store.config.get(request.params.key),
  )

  app.put(
    '/admin/config/:key',
    {
      schema: {
        operationId: 'setSetting',
        tags,
        summary: 'Set a setting (admin)',
        description:
          'Creates the key or replaces its value; audited as `config.update` with the old and new ' +
          `value. These keys have a type, and any other takes any JSON value of at most 64 KiB:\n\n${KNOWN_KEYS}`,
        params: ConfigKeyParams,
        body: SetConfigSchema,
        response: { 200: SystemConfig, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) =>
      store.config.set(request.params.key, request.body.value, auditContextOf(request)),
  )

  app.delete(
    '/admin/config/:key',
    {
      schema: {
        operationId: 'deleteSetting',
        tags,
        summary: 'Remove a setting (admin)',
        description: 'Audited as `config.delete` with the old value.',
        params: ConfigKeyParams,
        response: { 204: NoContent, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await store.config.delete(request.params.key, auditContextOf(request))
      return reply.code(204).send(null)
    },
  )
}
