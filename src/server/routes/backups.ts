import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listBackupLog } from '../../operations/backup/log.js'
import { LIMITS } from '../../schemas/limits.js'
import { Nullable } from '../../schemas/nullable.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { errorResponses, PageOf } from '../schemas/common.js'

const BackupLogSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    backup_type: Type.String({ description: 'sqlite, pg_dump or logical' }),
    status: Type.Union([
      Type.Literal('started'),
      Type.Literal('in_progress'),
      Type.Literal('completed'),
      Type.Literal('failed'),
    ]),
    started_at: Type.String({ format: 'date-time' }),
    completed_at: Nullable(Type.String({ format: 'date-time' })),
    file_path: Nullable(Type.String()),
    file_size_bytes: Nullable(Type.Integer()),
    sha256: Nullable(Type.String()),
    error_message: Nullable(Type.String()),
  },
  { additionalProperties: false },
)

const BackupLogListSchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page })),
    after: Type.Optional(Type.String({ maxLength: 36 })),
    before: Type.Optional(Type.String({ maxLength: 36 })),
  },
  { additionalProperties: false },
)

const BackupLog = Type.Ref('BackupLog')

export const backupRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.addSchema({ ...BackupLogSchema, $id: 'BackupLog', title: 'BackupLog' })

  app.get(
    '/admin/backups',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'listBackups',
        tags: ['backups'],
        summary: 'List the backup log, newest first (admin)',
        description:
          'Every `chatkeep backup` (and the safety backup of every restore): started, ' +
          'in_progress, completed with its file, size and SHA-256, or failed with the reason. ' +
          'Page with `after` = the previous page’s `last_id`.',
        querystring: BackupLogListSchema,
        response: { 200: PageOf(BackupLog), ...errorResponses(403) },
      },
    },
    async (request) => ({
      object: 'list' as const,
      ...(await inQuery(request.query, listBackupLog(store.database, request.query))),
    }),
  )
}
