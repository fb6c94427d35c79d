import { userInfo } from 'node:os'
import type { Database } from '../db/database.js'
import { schemaStatus } from '../db/migrator.js'
import { type AuditActor, type AuditTarget, AuditService, auditInput } from '../services/audit.js'
import type { CliContext } from './command.js'
import { version } from './version.js'

/**
 * The CLI as an actor: no Chatkeep user (whoever runs it holds the database itself), named by the
 * operating-system user and the version that ran.
 * @example
 * await store.privacy.erase(user.id, cliActor())
 */
export function cliActor(): AuditActor {
  return { via: 'cli', os_user: osUser(), user_agent: `chatkeep-cli/${version()}`, user_id: null }
}

/** The login name; a process without one (a container's unnamed uid) is named by its uid. */
function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`
  }
}

/**
 * One audit row for a CLI command, through the audit service (sealed onto the same hash chain
 * as the server's rows). Awaited: a command whose row cannot be written fails.
 * @example
 * await recordCliAction(db, 'database.export', null, { output: 'all.jsonl.gz' })
 */
export async function recordCliAction(
  db: Database,
  action: string,
  target: AuditTarget | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await new AuditService(db).record(auditInput(action, cliActor(), target, details))
}

/**
 * `recordCliAction` for the commands that run on a database at any schema (backup, restore): an
 * audit log is written only where the schema is this Chatkeep's; elsewhere (an empty database,
 * one restored from an older backup) stderr says the action went unrecorded.
 */
export async function recordCliActionIfMigrated(
  ctx: CliContext,
  db: Database,
  action: string,
  target: AuditTarget | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  const status = await schemaStatus(db)
  if (status.current === null || status.pending.length > 0 || status.unknown.length > 0) {
    ctx.stderr(
      `note: ${action} is not in the audit log: the database is not at this Chatkeep's schema ` +
        '(run `chatkeep migrate up` first to have it recorded).',
    )
    return
  }
  await recordCliAction(db, action, target, details)
}
