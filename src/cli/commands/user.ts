import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep user export USERNAME [--output FILE] [options]
       chatkeep user erase USERNAME --yes [options]

export  Writes everything of the user — profile, sessions (no secrets), conversations with
        their trees, messages (opened when encrypted), feedback, documents and chunks,
        transcripts' metadata, their audit trail — as a zip: chatkeep.jsonl in the format of
        \`chatkeep export\` (\`chatkeep import FILE\` reads the zip) and manifest.json with each
        file's SHA-256 and a digest per conversation. Default FILE: USERNAME-export.zip.
erase   Removes the user and everything of theirs: transcript files, every row, their events,
        cached copies. Refused while a legal hold covers them. Prints the erasure report, which
        also stays in the audit log (action user.erased). Cannot be undone.

Options:
  -o, --output FILE   Where export writes the zip (- for stdout)
  --yes               Confirm an erasure
${DATABASE_URL_HELP}
  -h, --help          Show this help

Environment: ENCRYPTION_KEYS to open encrypted messages, TRANSCRIPT_* and S3_* for where
transcript files are, and the DATABASE_* variables of \`chatkeep --help\`.`

/** The options of `chatkeep user`, for `parseArgs`. */
export const userOptions = {
  ...DATABASE_URL_OPTION,
  output: { type: 'string', short: 'o' },
  yes: { type: 'boolean', default: false },
} as const

export const userCommand = defineCommand({
  name: 'user',
  summary: "Export a user's data, or erase the user",
  usage: USAGE,
  options: userOptions,
  load: () => import('../user.js'),
})
