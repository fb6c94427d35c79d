import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep export [options]

Writes every table of the database as Chatkeep's logical export: JSON Lines, the same from
SQLite and PostgreSQL, read back by \`chatkeep import\` into either. It is taken from one
consistent snapshot while the server keeps writing, in constant memory.

Options:
  -o, --output FILE   Where to write; a name ending in .gz is gzip-compressed, - writes plain
                      JSON Lines to stdout. Default: chatkeep-export-<UTC time>.jsonl.gz in the
                      working directory. An existing file is never overwritten.
${DATABASE_URL_HELP}
  -h, --help          Show this help`

/** The options of `chatkeep export`, for `parseArgs`. */
export const exportOptions = {
  ...DATABASE_URL_OPTION,
  output: { type: 'string', short: 'o' },
} as const

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Write every table as engine-neutral JSON Lines',
  usage: USAGE,
  options: exportOptions,
  load: () => import('../export.js'),
})
