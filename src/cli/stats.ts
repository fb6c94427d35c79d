import { prepareSchema } from '../db/migrator.js'
import { collectStats, STATS_LIMITS, type Stats } from '../operations/stats.js'
import {
  wholeNumberOption,
  type CliContext,
  EXIT_OK,
  UsageError,
  type ParsedArgs,
  noPositionals,
} from './command.js'
import { type Cell, renderTable } from './table.js'
import { withDatabase } from './with-database.js'
import type { statsOptions } from './commands/stats.js'
import { recordCliAction } from './cli-audit.js'
import { formatBytes } from './format.js'

/** `chatkeep stats`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof statsOptions>,
  ctx: CliContext,
): Promise<number> {
  noPositionals(positionals)
  const days = wholeNumberOption(values.days, '--days')
  const top = wholeNumberOption(values.top, '--top')
  for (const [flag, value, max] of [
    ['--days', days, STATS_LIMITS.days.max],
    ['--top', top, STATS_LIMITS.top.max],
  ] as const) {
    if (value !== undefined && value > max) throw new UsageError(`${flag} is at most ${max}`)
  }
  const stats = await withDatabase(ctx, values['database-url'], async (db) => {
    await prepareSchema(db, false)
    const collected = await collectStats(db, { days, top })
    await recordCliAction(db, 'stats.read', null, { days: days ?? null, top: top ?? null })
    return collected
  })
  if (values.json) ctx.stdout(JSON.stringify(stats, null, 2))
  else printStats(ctx, stats, values.all)
  return EXIT_OK
}

function printStats(ctx: CliContext, stats: Stats, all: boolean): void {
  const section = (title: string, headers: string[], rows: Cell[][]) => {
    // A row of nothing but zeros tells a reader nothing, unless every row is asked for.
    const shown = all ? rows : rows.filter((row) => row.some(isCounted))
    const left = rows.length - shown.length
    const note = left === 0 ? '' : `\n(${left} all-zero row(s) left out; --all lists them)`
    ctx.stdout(`${title}\n\n${renderTable(headers, shown)}${note}\n`)
  }
  ctx.stdout(
    `Chatkeep on ${stats.engine}, ${formatBytes(stats.database_size_bytes)}, at ${stats.generated_at}\n`,
  )
  const search = stats.message_search
  ctx.stdout(
    `Message search ${search.mode}: ${search.lag_messages} message(s) not indexed yet, the oldest ${search.lag_ms} ms old\n`,
  )
  const deleted: Record<string, number> = stats.soft_deleted
  section(
    'Rows',
    ['table', 'rows', 'soft-deleted'],
    Object.entries(stats.tables).map(([table, rows]) => [table, rows, deleted[table] ?? null]),
  )
  section(
    'Feedback',
    ['rating', 'messages'],
    [
      ['thumbs up (1)', stats.feedback.up],
      ['thumbs down (-1)', stats.feedback.down],
      ['rated with a reason', stats.feedback.with_reason],
    ],
  )
  section(
    `Messages per day (UTC, last ${stats.days} days)`,
    ['day', 'messages', 'tokens'],
    stats.messages_per_day.map((d) => [d.day, d.messages, d.tokens]),
  )
  section(
    'Tokens per model',
    ['model', 'messages', 'tokens', 'cost'],
    stats.tokens_per_model.map((m) => [
      m.model_version ?? '(none)',
      m.messages,
      m.tokens,
      m.cost === null ? '-' : String(m.cost),
    ]),
  )
  for (const [by, users] of Object.entries(stats.top_users)) {
    section(
      `Top ${stats.top} users ${by.replace('_', ' ')}`,
      ['username', 'messages', 'tokens'],
      users.map((u) => [u.username, u.messages, u.tokens]),
    )
  }
}

/** A number other than zero; names, days and `-` count for nothing. */
const isCounted = (cell: Cell) => typeof cell === 'number' && cell !== 0
