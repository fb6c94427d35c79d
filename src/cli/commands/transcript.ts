import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep transcript CONVERSATION_ID [options]

Exports one conversation — its live messages, in order — as a transcript file. By default the
file is stored where transcripts go (the TRANSCRIPT_DIR folder, or S3 when S3_BUCKET is set) and
recorded in the transcripts table with its size, SHA-256 and message count, exactly as
POST /v1/conversations/:id/transcripts does; the command prints the transcript's id and where
the file is. With --output, the file is written there (or to stdout) and nothing is recorded.

Options:
  --format F          json (default), csv or markdown
  --output FILE       Write the file to FILE instead (whole or not at all); - for stdout
${DATABASE_URL_HELP}
  -h, --help          Show this help

Environment: TRANSCRIPT_DIR (default ./data/transcripts); S3_BUCKET, S3_REGION, S3_ENDPOINT,
S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_PREFIX, S3_FORCE_PATH_STYLE; ENCRYPTION_KEYS when
messages are encrypted; and the DATABASE_* variables of \`chatkeep --help\`.`

/** The options of `chatkeep transcript`, for `parseArgs`. */
export const transcriptOptions = {
  ...DATABASE_URL_OPTION,
  format: { type: 'string', default: 'json' },
  output: { type: 'string' },
} as const

export const transcriptCommand = defineCommand({
  name: 'transcript',
  summary: 'Export a conversation as a JSON, CSV or Markdown transcript',
  usage: USAGE,
  options: transcriptOptions,
  load: () => import('../transcript.js'),
})
