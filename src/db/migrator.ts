import { type MigrationResultSet, Migrator, NO_MIGRATIONS, sql } from 'kysely'
import { ChatkeepError } from '../errors.js'
import type { Database } from './database.js'
import { MIGRATIONS } from './migrations/index.js'

const MIGRATION_TABLE = 'chatkeep_migration'
const LOCK_TABLE = 'chatkeep_migration_lock'

export function createMigrator(db: Database): Migrator {
  return new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: LOCK_TABLE,
  })
}

export interface MigrationState {
  name: string
  applied_at: string | null
}

export interface SchemaStatus {
  /** The newest applied migration this code knows, or null for an empty database. */
  current: string | null
  migrations: MigrationState[]
  pending: string[]
  /** Applied by a newer version of Chatkeep: this code must not touch the database. */
  unknown: string[]
}

export async function schemaStatus(db: Database): Promise<SchemaStatus> {
  const applied = await appliedMigrations(db)
  const known = Object.keys(MIGRATIONS)
  const migrations = known.map((name) => ({ name, applied_at: applied.get(name) ?? null }))
  const appliedKnown = migrations.filter((m) => m.applied_at !== null)
  return {
    current: appliedKnown.at(-1)?.name ?? null,
    migrations,
    pending: migrations.filter((m) => m.applied_at === null).map((m) => m.name),
    unknown: [...applied.keys()].filter((name) => !(name in MIGRATIONS)),
  }
}

async function appliedMigrations(db: Database): Promise<Map<string, string>> {
  const tables = await db.kysely.introspection.getTables()
  if (!tables.some((t) => t.name === MIGRATION_TABLE)) return new Map()
  const rows = await sql<{ name: string; timestamp: string | Date }>`
    select name, timestamp from ${sql.table(MIGRATION_TABLE)} order by name`.execute(db.kysely)
  return new Map(
    rows.rows.map((r) => [r.name, new Date(r.timestamp).toISOString()] as [string, string]),
  )
}

/**
 * Makes sure the code can work on this database: refuses a newer schema, and applies pending
 * migrations only when asked.
 */
export async function prepareSchema(db: Database, migrate: boolean): Promise<void> {
  const status = await schemaStatus(db)
  refuseNewerSchema(status)
  if (status.pending.length === 0) return
  if (!migrate) {
    throw new ChatkeepError(
      'schema_out_of_date',
      `The database is missing ${status.pending.length} migration(s); run \`chatkeep migrate up\` ` +
        'or open the store with { migrate: true }.',
    )
  }
  unwrap(await createMigrator(db).migrateToLatest())
  await refreshStatistics(db)
}

/**
 * Gives PostgreSQL's planner statistics that match the tables after a migration, an import or a
 * restore. Autovacuum analyzes a table only after 10 % of it changed and a minute went by; until
 * then a table that grew from nothing is planned as if it were still small, and on a grown
 * conversation a wrong guess costs ten times the right plan (issue 14). Run outside any
 * transaction, so that it holds nothing for the caller's work.
 */
export async function refreshStatistics(db: Database): Promise<void> {
  await db.dialect.analyze()?.execute(db.kysely)
}

/** Throws `schema_too_new` when a newer Chatkeep migrated the database: hands off. */
export function refuseNewerSchema(status: SchemaStatus): void {
  if (status.unknown.length === 0) return
  throw new ChatkeepError(
    'schema_too_new',
    `The database has migrations this version of Chatkeep does not know (${status.unknown.join(', ')}); ` +
      'upgrade Chatkeep, or restore a backup made with this version.',
  )
}

/** Kysely reports a failed migration in the result; Chatkeep throws it. */
export function unwrap(result: MigrationResultSet): MigrationResultSet {
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName
    throw new ChatkeepError(
      'internal',
      `Migration ${failed ?? ''} failed and was rolled back: ${String(result.error)}`,
      { cause: result.error },
    )
  }
  return result
}

export { NO_MIGRATIONS }
