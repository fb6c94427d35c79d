import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep import tinydb FILE [options]

Imports a TinyDB JSON database (users, conversations, messages, sessions, documents) into
Chatkeep. Running it again changes nothing; a newer file adds only what is new. Records that
cannot be placed are listed and skipped. Users without a usable password hash get a generated
password, printed once at the end: hand it to them.

Options:
${DATABASE_URL_HELP}
  --json              Print the report as JSON
  -h, --help          Show this help`

/** The options of `chatkeep import tinydb`, for `parseArgs`. */
export const importTinyDbOptions = {
  ...DATABASE_URL_OPTION,
  json: { type: 'boolean', default: false },
} as const

export const importTinyDbCommand = defineCommand({
  name: 'tinydb',
  summary: 'A TinyDB JSON database (seed 003)',
  usage: USAGE,
  options: importTinyDbOptions,
  load: () => import('../import-tinydb.js'),
})
