import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep import [jsonl] FILE [options]

Imports a \`chatkeep export\` file (JSON Lines, plain or .gz), or a user's export (the zip of
\`chatkeep user export\`, checked against its manifest first), into the database, which must be
up to date first (\`chatkeep migrate up\`). Rows already there (the same id, or the same
username, email, API key, …) are skipped, so importing a file twice changes nothing. A file
without its last line (truncated) is reported as an error after its complete rows are in.
FILE - reads stdin.

Options:
  --replace           Replace the whole database with the file, in one transaction: every row
                      of every table is deleted and the file imported; any failure, a
                      truncated file included, leaves the database as it was
${DATABASE_URL_HELP}
  -h, --help          Show this help`

/** The options of `chatkeep import jsonl`, for `parseArgs`. */
export const importJsonlOptions = {
  ...DATABASE_URL_OPTION,
  replace: { type: 'boolean', default: false },
} as const

export const importJsonlCommand = defineCommand({
  name: 'jsonl',
  summary: 'A `chatkeep export` file (the default source)',
  usage: USAGE,
  options: importJsonlOptions,
  load: () => import('../import-jsonl.js'),
})
