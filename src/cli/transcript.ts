import { StringDecoder } from 'node:string_decoder'
import { envToOperationsConfig, envToStoreConfig } from '../config/env.js'
import { prepareSchema } from '../db/migrator.js'
import { TRANSCRIPT_FORMATS, type TranscriptFormat } from '../schemas/transcripts.js'
import type { RenderedTranscript } from '../services/transcripts.js'
import { createStore, type Store } from '../store.js'
import { writeFileAtomically } from '../transcripts/fs-storage.js'
import type { Sink } from '../transcripts/render.js'
import { onePositional, type CliContext, EXIT_OK, UsageError, type ParsedArgs } from './command.js'
import { cliActor, recordCliAction } from './cli-audit.js'
import { withDatabase } from './with-database.js'
import type { transcriptOptions } from './commands/transcript.js'

/** `chatkeep transcript`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof transcriptOptions>,
  ctx: CliContext,
): Promise<number> {
  const conversationId = onePositional(positionals, 'transcript needs a CONVERSATION_ID')
  const format = values.format as TranscriptFormat
  if (!TRANSCRIPT_FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${TRANSCRIPT_FORMATS.join(', ')}`)
  }
  if (values.output === '') throw new UsageError('--output needs a FILE, or - for stdout')
  const url = values['database-url']
  const env = url === undefined ? ctx.env() : { ...ctx.env(), DATABASE_URL: url }
  // Read before the database is opened, so a bad setting stops the command at once.
  const config = { ...envToStoreConfig(env), ...envToOperationsConfig(env) }
  return withDatabase(ctx, url, async (db) => {
    await prepareSchema(db, false)
    const store = createStore(db, config)
    try {
      if (values.output === undefined) return await stored(store, conversationId, format, ctx)
      return await written(store, conversationId, format, values.output, ctx)
    } finally {
      await store.close()
    }
  })
}

/** The default: stored and recorded, like the HTTP route. */
async function stored(
  store: Store,
  conversationId: string,
  format: TranscriptFormat,
  ctx: CliContext,
): Promise<number> {
  const progress = ctx.progress('transcript', 'messages')
  const done = await store.transcripts
    .create(conversationId, { format }, { progress: (n) => progress.update(n), actor: cliActor() })
    .finally(() => progress.finish())
  ctx.stdout(
    `Transcript ${done.id}: ${done.message_count} message(s), ${done.file_size_bytes} bytes of ` +
      `${done.format}, sha256 ${done.sha256}`,
  )
  ctx.stdout(`Stored at ${store.transcripts.location(done)}`)
  return EXIT_OK
}

/** `--output`: an ad-hoc export, not stored as a transcript (its file is the caller's), but audited. */
async function written(
  store: Store,
  conversationId: string,
  format: TranscriptFormat,
  output: string,
  ctx: CliContext,
): Promise<number> {
  if (output === '-') {
    const lines = lineSink(ctx)
    const rendered = await store.transcripts.render(conversationId, { format }, lines.sink)
    lines.end()
    await recordWritten(store, rendered, '-')
    return EXIT_OK
  }
  const progress = ctx.progress('transcript', 'messages')
  const done = await writeFileAtomically(output, (sink) =>
    store.transcripts.render(conversationId, { format }, sink, {
      progress: (n) => progress.update(n),
    }),
  ).finally(() => progress.finish())
  await recordWritten(store, done, output)
  ctx.stdout(
    `Wrote ${output}: ${done.message_count} message(s), ${done.file_size_bytes} bytes of ` +
      `${done.format}, sha256 ${done.sha256} (not stored)`,
  )
  return EXIT_OK
}

/** A transcript written to a file of the caller's leaves no transcript row, but its read is audited. */
function recordWritten(store: Store, done: RenderedTranscript, output: string): Promise<void> {
  return recordCliAction(
    store.database,
    'conversation.export',
    { type: 'conversation', id: done.conversation.id },
    { format: done.format, output, messages: done.message_count, sha256: done.sha256 },
  )
}

/**
 * Hands rendered bytes to `ctx.stdout` a whole line at a time (it ends each call with a line
 * break), so stdout carries exactly the file's bytes, which always end with one.
 */
function lineSink(ctx: CliContext): { sink: Sink; end(): void } {
  const decoder = new StringDecoder('utf8')
  let pending = ''
  return {
    sink(chunk) {
      pending += decoder.write(chunk)
      const last = pending.lastIndexOf('\n')
      if (last === -1) return
      ctx.stdout(pending.slice(0, last))
      pending = pending.slice(last + 1)
    },
    end() {
      pending += decoder.end()
      if (pending !== '') ctx.stdout(pending)
    },
  }
}
