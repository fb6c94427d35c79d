import { importChatGpt } from '../operations/import/chatgpt.js'
import { formatReport } from '../operations/import/report.js'
import { defineCommand, onePositional, EXIT_OK, UsageError } from './command.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withStore } from './with-database.js'

const USAGE = `Usage: chatkeep import chatgpt FILE --user USERNAME [options]

Imports conversations.json from a ChatGPT data export as USERNAME's conversations. Each
conversation keeps its branches (parent_id); its current branch comes first in sequence order.
Running it again changes nothing; a later export adds only the new messages.

Options:
  --user USERNAME     The Chatkeep user the conversations belong to (required)
${DATABASE_URL_HELP}
  --json              Print the report as JSON
  -h, --help          Show this help`

export const importChatGptCommand = defineCommand({
  name: 'chatgpt',
  summary: "A ChatGPT export's conversations.json",
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    user: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, ctx) {
    const file = onePositional(positionals, 'import chatgpt needs a FILE')
    if (values.user === undefined || values.user.trim() === '') {
      throw new UsageError('import chatgpt needs --user USERNAME')
    }
    const username = values.user
    return withStore(ctx, values['database-url'], async (store) => {
      const user = await store.users.getByUsername(username)
      const progress = ctx.progress('import chatgpt', 'bytes')
      let report
      try {
        report = await importChatGpt(store, file, {
          user_id: user.id,
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
