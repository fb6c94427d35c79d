import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep audit verify [--head SEQ:HASH] [options]

Checks the audit log's hash chain: every row is sealed with a SHA-256 over the previous row's
hash and its own fields, so a changed row, a removed one or a changed actor shows. First seals
the rows written since the server last did (--read-only leaves them), then walks the chain and
prints its head: keep that line outside the database (a log, a ticket) and pass it as --head
later to also catch rows removed from the end. Exits 1 when anything is wrong.

Options:
  --head SEQ:HASH   A head printed by an earlier verify, checked to be still on the chain
  --read-only       Seal nothing; rows not sealed yet are counted, not checked
  --json            Print the report as JSON
${DATABASE_URL_HELP}
  -h, --help        Show this help`

/** The options of `chatkeep audit`, for `parseArgs`. */
export const auditOptions = {
  ...DATABASE_URL_OPTION,
  head: { type: 'string' },
  'read-only': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const

export const auditCommand = defineCommand({
  name: 'audit',
  summary: "Verify the audit log's hash chain",
  usage: USAGE,
  options: auditOptions,
  load: () => import('../audit.js'),
})
