import { prepareSchema } from '../db/migrator.js'
import { collectStats, STATS_LIMITS, type Stats } from '../operations/stats.js'
import {
  defineCommand,
  wholeNumberOption,
  type CliContext,
  EXIT_OK,
  UsageError,
} from './command.js'
import { renderTable } from './table.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withDatabase } from './with-database.js'

const USAGE = `Usage: chatkeep stats [options]

Rows per table, the database's size, messages and tokens per UTC day, tokens per model, and the
most active users. Activity counts every stored message, soft-deleted ones too, until cleanup
purges them. The same numbers as GET /v1/admin/stats.

Options:
  --days N            Days of messages per day, ending today (default ${STATS_LIMITS.days.default}, at most ${STATS_LIMITS.days.max})
  --top N             Users in each top list (default ${STATS_LIMITS.top.default}, at most ${STATS_LIMITS.top.max})
${DATABASE_URL_HELP}
  --json              Print JSON
  -h, --help          Show this help`

export const statsCommand = defineCommand({
  name: 'stats',
  summary: 'Counts, size, messages per day, tokens per model, top users',
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    days: { type: 'string' },
    top: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, ctx) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`)
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
      return collectStats(db, { days, top })
    })
    if (values.json) ctx.stdout(JSON.stringify(stats, null, 2))
    else printStats(ctx, stats)
    return EXIT_OK
  },
})

function printStats(ctx: CliContext, stats: Stats): void {
  const section = (title: string, table: string) => ctx.stdout(`${title}\n\n${table}\n`)
  ctx.stdout(
    `Chatkeep on ${stats.engine}, ${formatBytes(stats.database_size_bytes)}, at ${stats.generated_at}\n`,
  )
  const deleted: Record<string, number> = stats.soft_deleted
  section(
    'Rows',
    renderTable(
      ['table', 'rows', 'soft-deleted'],
      Object.entries(stats.tables).map(([table, rows]) => [table, rows, deleted[table] ?? null]),
    ),
  )
  section(
    `Messages per day (UTC, last ${stats.days} days)`,
    renderTable(
      ['day', 'messages', 'tokens'],
      stats.messages_per_day.map((d) => [d.day, d.messages, d.tokens]),
    ),
  )
  section(
    'Tokens per model',
    renderTable(
      ['model', 'messages', 'tokens'],
      stats.tokens_per_model.map((m) => [m.model_version ?? '(none)', m.messages, m.tokens]),
    ),
  )
  for (const [by, users] of Object.entries(stats.top_users)) {
    section(
      `Top ${stats.top} users ${by.replace('_', ' ')}`,
      renderTable(
        ['username', 'messages', 'tokens'],
        users.map((u) => [u.username, u.messages, u.tokens]),
      ),
    )
  }
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}
