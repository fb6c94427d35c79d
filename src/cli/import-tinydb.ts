import { formatReport } from '../operations/import/report.js'
import { importTinyDb } from '../operations/import/tinydb.js'
import { defineCommand, onePositional, EXIT_OK } from './command.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withStore } from './with-database.js'

const USAGE = `Usage: chatkeep import tinydb FILE [options]

Imports a TinyDB JSON database (users, conversations, messages, sessions, documents) into
Chatkeep. Running it again changes nothing; a newer file adds only what is new. Records that
cannot be placed are listed and skipped. Users without a usable password hash get a generated
password, printed once at the end: hand it to them.

Options:
${DATABASE_URL_HELP}
  --json              Print the report as JSON
  -h, --help          Show this help`

export const importTinyDbCommand = defineCommand({
  name: 'tinydb',
  summary: 'A TinyDB JSON database (seed 003)',
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    json: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, ctx) {
    const file = onePositional(positionals, 'import tinydb needs a FILE')
    return withStore(ctx, values['database-url'], async (store) => {
      const progress = ctx.progress('import tinydb', 'conversations')
      let report
      try {
        report = await importTinyDb(store, file, {
          progress: (done, total) => progress.update(done, total),
        })
      } finally {
        progress.finish()
      }
      ctx.stdout(values.json ? JSON.stringify(report, null, 2) : formatReport(report).join('\n'))
      return EXIT_OK
    })
  },
})
