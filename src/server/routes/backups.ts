import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createBackup } from '../../operations/backup/backup.js'
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

/** Where a backup started over HTTP goes: the server's BACKUP_DIR, BACKUP_KEEP and PG_DUMP. */
export interface BackupSettings {
  dir: string
  keep: number
  pg_dump?: string | undefined
}

export const backupRoutes: FastifyPluginAsyncTypebox<{
  store: Store
  backups: BackupSettings
}> = async (app, { store, backups }) => {
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

  app.post(
    '/admin/backups',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'createBackup',
        tags: ['backups'],
        summary: 'Take a backup now, as `chatkeep backup` does, and answer its log entry (admin)',
        description:
          'Written to the server’s BACKUP_DIR in the engine’s own format (a logical export on ' +
          'PostgreSQL when no pg_dump fits), with its manifest and checksum; older backups beyond ' +
          'BACKUP_KEEP are pruned. Answers once the file is complete. A failure is in the log too.',
        response: { 201: BackupLog, ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const result = await createBackup(store.database, { ...backups, format: 'auto' })
      const id = result.manifest.backup_log_id
      await request.audit('backup.create', id === null ? null : { type: 'backup', id }, {
        sha256: result.manifest.sha256,
        file_size_bytes: result.manifest.file_size_bytes,
      })
      return reply.code(201).send({
        // The server migrates on start, so its database always has the log table.
        id: id ?? '',
        backup_type: result.manifest.kind,
        status: 'completed' as const,
        started_at: result.manifest.started_at,
        completed_at: result.manifest.completed_at,
        file_path: result.path,
        file_size_bytes: result.manifest.file_size_bytes,
        sha256: result.manifest.sha256,
        error_message: null,
      })
    },
  )
}
