import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep import chatgpt FILE --user USERNAME [options]

Imports conversations.json from a ChatGPT data export as USERNAME's conversations. Each
conversation keeps its branches (parent_id); its current branch comes first in sequence order.
Running it again changes nothing; a later export adds only the new messages.

Options:
  --user USERNAME     The Chatkeep user the conversations belong to (required)
${DATABASE_URL_HELP}
  --json              Print the report as JSON
  -h, --help          Show this help`

/** The options of `chatkeep import chatgpt`, for `parseArgs`. */
export const importChatGptOptions = {
  ...DATABASE_URL_OPTION,
  user: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const

export const importChatGptCommand = defineCommand({
  name: 'chatgpt',
  summary: "A ChatGPT export's conversations.json",
  usage: USAGE,
  options: importChatGptOptions,
  load: () => import('../import-chatgpt.js'),
})
