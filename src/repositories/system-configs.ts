import type { Insertable, Selectable } from 'kysely'
import type { Executor } from '../db/database.js'
import type { SystemConfigsTable } from '../db/schema.js'

export type SystemConfigRow = Selectable<SystemConfigsTable>

export async function getSystemConfig(
  tx: Executor,
  key: string,
): Promise<SystemConfigRow | undefined> {
  return tx.selectFrom('system_configs').selectAll().where('key', '=', key).executeTakeFirst()
}

/** Inserts the row unless the key exists: of several instances starting at once, the first one wins. */
export async function insertSystemConfigIfAbsent(
  tx: Executor,
  row: Insertable<SystemConfigsTable>,
): Promise<void> {
  await tx
    .insertInto('system_configs')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
}
