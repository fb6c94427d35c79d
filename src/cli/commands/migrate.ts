import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep migrate <action> [options]

Actions:
  up                  Apply every pending migration
  down                Revert the last applied migration
  down --to NAME      Revert down to NAME, keeping NAME applied
  down --all          Revert every migration (same as --to 0)
  current             Print the current migration, or (none)
  history             List every migration with the time it was applied
  status              Say whether the database is up to date
                      (exits 1 when the database is newer than this code)

Options:
${DATABASE_URL_HELP}
  --json              Print JSON (current, history, status)
  -h, --help          Show this help`

/** The options of `chatkeep migrate`, for `parseArgs`. */
export const migrateOptions = {
  ...DATABASE_URL_OPTION,
  json: { type: 'boolean', default: false },
  to: { type: 'string' },
  all: { type: 'boolean', default: false },
} as const

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Apply, revert and inspect schema migrations',
  usage: USAGE,
  options: migrateOptions,
  load: () => import('../migrate.js'),
})
