import type { MigrationResult, NoMigrations } from 'kysely'
import type { Database } from '../db/database.js'
import {
  createMigrator,
  refreshStatistics,
  NO_MIGRATIONS,
  refuseNewerSchema,
  type SchemaStatus,
  schemaStatus,
  unwrap,
} from '../db/migrator.js'
import { ChatkeepError } from '../errors.js'
import { type CliContext, EXIT_FAILURE, EXIT_OK, UsageError, type ParsedArgs } from './command.js'
import { withDatabase } from './with-database.js'
import type { migrateOptions } from './commands/migrate.js'
import { didYouMean } from './suggest.js'

interface Options {
  json: boolean
  /** A migration name, or NO_MIGRATIONS to revert them all; only for `down`. */
  to: string | NoMigrations | undefined
}

type Action = (db: Database, options: Options, ctx: CliContext) => Promise<number>

const ACTIONS: Record<string, Action> = { up, down, current, history, status }

/** `chatkeep migrate`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof migrateOptions>,
  ctx: CliContext,
): Promise<number> {
  const [name, ...extra] = positionals
  if (name === undefined) throw new UsageError('migrate needs an action')
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined
  if (action === undefined) {
    throw new UsageError(
      `unknown migrate action '${name}'${didYouMean(name, Object.keys(ACTIONS))}`,
    )
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
  if (name !== 'down' && (values.to !== undefined || values.all)) {
    throw new UsageError('--to and --all go with down only')
  }
  if (values.to !== undefined && values.all) throw new UsageError('use --to or --all, not both')
  if (values.json && (name === 'up' || name === 'down')) {
    throw new UsageError('--json goes with current, history and status')
  }
  const options: Options = {
    json: values.json,
    to: values.all || values.to === '0' ? NO_MIGRATIONS : values.to,
  }
  return withDatabase(ctx, values['database-url'], (db) => action(db, options, ctx), {
    create: name === 'up',
  })
}

async function up(db: Database, _options: Options, ctx: CliContext): Promise<number> {
  const before = await schemaStatus(db)
  refuseNewerSchema(before)
  if (before.pending.length === 0) {
    ctx.stdout(`Already up to date at ${before.current}.`)
    return EXIT_OK
  }
  const { results = [] } = unwrap(await createMigrator(db).migrateToLatest())
  await refreshStatistics(db)
  printDone(ctx, 'Applied', results)
  return EXIT_OK
}

async function down(db: Database, options: Options, ctx: CliContext): Promise<number> {
  const before = await schemaStatus(db)
  refuseNewerSchema(before)
  const { to } = options
  const target = typeof to === 'string' ? before.migrations.find((m) => m.name === to) : undefined
  if (typeof to === 'string' && target === undefined) {
    throw new ChatkeepError(
      'validation_failed',
      `There is no migration named ${to}; \`chatkeep migrate history\` lists them.`,
      { field: '/to' },
    )
  }
  if (before.current === null) {
    ctx.stdout('Nothing to revert: no migration is applied.')
    return EXIT_OK
  }
  if (target !== undefined) {
    // Kysely's migrateTo would apply a pending target; `down` only ever reverts.
    if (target.applied_at === null) {
      throw new ChatkeepError(
        'validation_failed',
        `${to} is not applied, so there is nothing to revert down to; ` +
          `the current migration is ${before.current}.`,
        { field: '/to' },
      )
    }
    if (target.name === before.current) {
      ctx.stdout(`Nothing to revert: ${to} is the current migration.`)
      return EXIT_OK
    }
  }
  const migrator = createMigrator(db)
  const result = to === undefined ? await migrator.migrateDown() : await migrator.migrateTo(to)
  const { results = [] } = unwrap(result)
  await refreshStatistics(db)
  printDone(ctx, 'Reverted', results)
  return EXIT_OK
}

async function current(db: Database, options: Options, ctx: CliContext): Promise<number> {
  const s = await schemaStatus(db)
  if (options.json) {
    ctx.stdout(json({ current: s.current, unknown: s.unknown }))
  } else {
    ctx.stdout(
      (s.current ?? '(none)') + (s.unknown.length > 0 ? ` (the database ${newer(s)})` : ''),
    )
  }
  return EXIT_OK
}

async function history(db: Database, options: Options, ctx: CliContext): Promise<number> {
  const s = await schemaStatus(db)
  if (options.json) {
    ctx.stdout(json({ migrations: s.migrations, unknown: s.unknown }))
    return EXIT_OK
  }
  const width = Math.max(...[...s.migrations.map((m) => m.name), ...s.unknown].map((n) => n.length))
  for (const m of s.migrations) {
    ctx.stdout(`${m.name.padEnd(width)}  ${m.applied_at === null ? 'pending' : m.applied_at}`)
  }
  for (const name of s.unknown) {
    ctx.stdout(`${name.padEnd(width)}  applied by a newer version of Chatkeep`)
  }
  return EXIT_OK
}

async function status(db: Database, options: Options, ctx: CliContext): Promise<number> {
  const s = await schemaStatus(db)
  const state =
    s.unknown.length > 0 ? 'newer_than_code' : s.pending.length > 0 ? 'pending' : 'up_to_date'
  if (options.json) {
    ctx.stdout(json({ state, ...s }))
  } else if (state === 'newer_than_code') {
    ctx.stdout(
      `The database is newer than this code: it ${newer(s)}. ` +
        'Upgrade Chatkeep, or restore a backup made with this version.',
    )
  } else if (state === 'pending') {
    ctx.stdout(
      `${s.pending.length} pending migration(s) (current: ${s.current ?? '(none)'}); ` +
        'run `chatkeep migrate up` to apply:',
    )
    for (const name of s.pending) ctx.stdout(`  ${name}`)
  } else {
    ctx.stdout(`Up to date at ${s.current}.`)
  }
  return state === 'newer_than_code' ? EXIT_FAILURE : EXIT_OK
}

/** Prints what Kysely ran, one line each: `Applied NAME` / `Reverted NAME`. */
function printDone(ctx: CliContext, verb: string, results: readonly MigrationResult[]): void {
  const done = results.filter((r) => r.status === 'Success')
  if (done.length === 0) ctx.stdout('Nothing to do.')
  for (const r of done) ctx.stdout(`${verb} ${r.migrationName}`)
}

const newer = (s: SchemaStatus) =>
  `has ${s.unknown.length} migration(s) this version of Chatkeep does not know: ${s.unknown.join(', ')}`

const json = (value: unknown) => JSON.stringify(value, null, 2)
