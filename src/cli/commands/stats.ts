import { STATS_LIMITS } from '../../operations/defaults.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep stats [options]

Rows per table, the database's size, messages and tokens per UTC day, tokens per model, and the
most active users. Activity counts every stored message, soft-deleted ones too, until cleanup
purges them. The same numbers as GET /v1/admin/stats.

Options:
  --days N            Days of messages per day, ending today (default ${STATS_LIMITS.days.default}, at most ${STATS_LIMITS.days.max})
  --top N             Users in each top list (default ${STATS_LIMITS.top.default}, at most ${STATS_LIMITS.top.max})
  --all               Also list the rows that are all zero (empty tables, days without
                      messages), which the tables leave out
${DATABASE_URL_HELP}
  --json              Print JSON (always every row)
  -h, --help          Show this help`

/** The options of `chatkeep stats`, for `parseArgs`. */
export const statsOptions = {
  ...DATABASE_URL_OPTION,
  days: { type: 'string' },
  top: { type: 'string' },
  all: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const

export const statsCommand = defineCommand({
  name: 'stats',
  summary: 'Counts, size, messages per day, tokens per model, top users',
  usage: USAGE,
  options: statsOptions,
  load: () => import('../stats.js'),
})
