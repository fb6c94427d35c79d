import type { Insertable, Selectable } from 'kysely'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import type { SystemConfigsTable } from '../db/schema.js'

export type SystemConfigRow = Selectable<SystemConfigsTable>

export async function getSystemConfig(
  db: Database,
  key: string,
): Promise<SystemConfigRow | undefined> {
  return db.kysely
    .selectFrom('system_configs')
    .selectAll()
    .where('key', '=', key)
    .executeTakeFirst()
}

/** Inserts the row unless the key exists: of several instances starting at once, the first one wins. */
export async function insertSystemConfigIfAbsent(
  db: Database,
  row: Insertable<SystemConfigsTable>,
): Promise<void> {
  await db.kysely
    .insertInto('system_configs')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
}

/** Every row, in key order; the caller leaves out the reserved ones. */
export async function listSystemConfigs(db: Database): Promise<SystemConfigRow[]> {
  return db.kysely.selectFrom('system_configs').selectAll().orderBy('key').execute()
}

/**
 * Reads a row for a change, holding it: a no-op update, so that on PostgreSQL a concurrent
 * writer waits and this one sees the latest committed value (SQLite's write lock already
 * serializes writers). Undefined when the key is absent.
 */
export async function lockSystemConfig(
  db: Database,
  key: string,
): Promise<SystemConfigRow | undefined> {
  return db.kysely
    .updateTable('system_configs')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('key', '=', key)
    .returningAll()
    .executeTakeFirst()
}

export async function updateSystemConfig(
  db: Database,
  row: Insertable<SystemConfigsTable>,
): Promise<SystemConfigRow | undefined> {
  return db.kysely
    .updateTable('system_configs')
    .set({ value: row.value, updated_at: row.updated_at, updated_by: row.updated_by ?? null })
    .where('key', '=', row.key)
    .returningAll()
    .executeTakeFirst()
}

/** The new row, or undefined when another writer inserted the key first. */
export async function insertNewSystemConfig(
  db: Database,
  row: Insertable<SystemConfigsTable>,
): Promise<SystemConfigRow | undefined> {
  return db.kysely
    .insertInto('system_configs')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .returningAll()
    .executeTakeFirst()
}

/** The deleted row, or undefined when there was none. */
export async function deleteSystemConfig(
  db: Database,
  key: string,
): Promise<SystemConfigRow | undefined> {
  return db.kysely
    .deleteFrom('system_configs')
    .where('key', '=', key)
    .returningAll()
    .executeTakeFirst()
}

/**
 * Sets or (with null) removes one of Chatkeep's own settings (a reserved `_` key, such as a
 * default policy) within the caller's transaction, holding the row first.
 */
export async function putReservedConfig(
  db: Database,
  key: string,
  value: unknown,
  p: { at: string; by: string | null },
): Promise<void> {
  await lockSystemConfig(db, key)
  if (value === null) {
    await deleteSystemConfig(db, key)
    return
  }
  const row = { key, value: encodeJson(value), updated_at: p.at, updated_by: p.by }
  if ((await updateSystemConfig(db, row)) === undefined) await insertNewSystemConfig(db, row)
}
