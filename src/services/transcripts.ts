import { createHash } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { Database } from '../db/database.js'
import { isDriverError } from '../db/driver-errors.js'
import { ChatkeepError, isChatkeepError, notFound } from '../errors.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import type { Owner } from '../repositories/conversations.js'
import * as transcripts from '../repositories/transcripts.js'
import type { Conversation, Message, Page } from '../schemas/data.js'
import {
  NewTranscriptSchema,
  type NewTranscript,
  type Transcript,
  type TranscriptFormat,
  type TranscriptListOptions,
  type TranscriptStorageKind,
  TranscriptListSchema,
} from '../schemas/transcripts.js'
import { LIMITS } from '../schemas/limits.js'
import { validator } from '../schemas/validate.js'
import { writeStaged } from '../transcripts/fs-storage.js'
import { type Rendered, RENDERERS, renderTranscript, type Sink } from '../transcripts/render.js'
import { storageFailed } from '../transcripts/storage.js'
import type { TranscriptStorage } from '../transcripts/transcript-storage.js'
import { insertAuditEvents } from '../repositories/audit-events.js'
import { type AuditContext, auditRow } from './audit.js'
import type { ConversationService } from './conversations.js'
import type { MessageService } from './messages.js'
import { checkCursors, toPage } from './page.js'

const validateNew = validator(NewTranscriptSchema)
const validateList = validator(TranscriptListSchema)

/** Messages fetched at a time while rendering: memory stays flat however long the conversation. */
const PAGE = 100

/** What a transcript is made from: the same scoped services every other read goes through. */
export interface TranscriptSource {
  readonly conversations: ConversationService
  readonly messages: MessageService
}

export interface RenderOptions {
  /** Hears the number of messages rendered so far, after each page. */
  progress?: (messages: number) => void | Promise<void>
}

export interface CreateOptions extends RenderOptions {
  /** Who asks: the export is audited (`conversation.export`) in the transaction that records it. */
  actor?: AuditContext
}

/** A rendering that was not stored: what `render` answers. */
export interface RenderedTranscript extends Rendered {
  format: TranscriptFormat
  conversation: Conversation
}

/** A stored transcript's bytes, with what an HTTP answer or a saved file needs. */
export interface TranscriptFile {
  transcript: Transcript
  content_type: string
  /** A file name to save it as: `transcript-<id>.<ext>`. */
  filename: string
  /**
   * The bytes as stored. They are checked against the recorded size and SHA-256 as they flow:
   * a file changed since it was written ends the stream with `transcript_corrupt` before its
   * last chunk (a small one fails `read` itself).
   */
  body: Readable
}

/**
 * Transcripts: a conversation's live messages exported as JSON, CSV or Markdown, stored in the
 * transcript folder or in S3, and recorded with size, SHA-256 and message count. A transcript is
 * its conversation's owner's (an admin's store reaches all); anyone else's id is `not_found`.
 */
export class TranscriptService {
  constructor(
    private readonly db: Database,
    private readonly owner: Owner,
    private readonly storage: TranscriptStorage,
    private readonly source: TranscriptSource,
  ) {}

  /**
   * Renders the conversation, stores the file and records it. The row is written only once the
   * file is stored; a failure before leaves no row and no file, and if the row cannot be
   * written the stored file is removed again.
   * @example
   * const transcript = await store.forUser(alice.id).transcripts.create(chat.id, { format: 'markdown' })
   */
  async create(
    conversationId: string,
    input: NewTranscript = {},
    options: CreateOptions = {},
  ): Promise<Transcript> {
    const format = validateNew(input).format ?? 'json'
    const conversation = await this.source.conversations.get(conversationId)
    const renderer = RENDERERS[format]
    const id = uuid7()
    const created_at = new Date().toISOString()
    const key = `${conversation.user_id}/${conversation.id}/${id}.${renderer.extension}`
    const backend = this.storage.writer
    const staging = await backend.stagingPath(key)
    let rendered: Rendered
    let storage_key: string
    try {
      rendered = await writeStaged(staging, (sink) =>
        this.renderInto(conversation, format, created_at, sink, options),
      )
      storage_key = await backend.put({
        path: staging,
        key,
        content_type: renderer.content_type,
        sha256: rendered.sha256,
        size: rendered.file_size_bytes,
      })
    } catch (error) {
      await rm(staging, { force: true })
      throw isChatkeepError(error)
        ? error
        : storageFailed(
            'Cannot write the transcript file; check that the transcript folder (or the temp folder, with S3) is writable and has room.',
            error,
          )
    }
    const row = {
      id,
      conversation_id: conversation.id,
      user_id: conversation.user_id,
      format,
      storage: backend.kind,
      storage_key,
      file_size_bytes: rendered.file_size_bytes,
      message_count: rendered.message_count,
      sha256: rendered.sha256,
      created_at,
    }
    try {
      const inserted = await this.db.transaction(async (tx) => {
        const written = await transcripts.insertTranscript(tx, row)
        if (options.actor !== undefined) {
          const target = { type: 'conversation', id: conversation.id }
          const details = { transcript_id: id, format, storage: backend.kind }
          await insertAuditEvents(
            tx,
            auditRow('conversation.export', options.actor, target, details, created_at),
          )
        }
        return written
      })
      return transcripts.decodeTranscript(inserted)
    } catch (error) {
      // Best effort: the recording failed, so the file would belong to nothing.
      await backend.remove(storage_key).catch(() => {})
      if (isDriverError(error, 'foreign_key_violation')) {
        throw notFound('conversation', conversationId)
      }
      throw error
    }
  }

  /**
   * Renders the conversation into `sink` without storing or recording anything (the CLI's
   * `--output`); answers the size, SHA-256 and message count of what it wrote.
   * @example
   * await store.transcripts.render(chat.id, { format: 'csv' }, (chunk) => void out.write(chunk))
   */
  async render(
    conversationId: string,
    input: NewTranscript,
    sink: Sink,
    options: RenderOptions = {},
  ): Promise<RenderedTranscript> {
    const format = validateNew(input).format ?? 'json'
    const conversation = await this.source.conversations.get(conversationId)
    const exported_at = new Date().toISOString()
    const rendered = await this.renderInto(conversation, format, exported_at, sink, options)
    return { ...rendered, format, conversation }
  }

  /** A conversation's transcripts, newest first, keyset-paginated by id. */
  async list(
    conversationId: string,
    options: TranscriptListOptions = {},
  ): Promise<Page<Transcript>> {
    const data = validateList(options)
    checkCursors(data, 'transcript')
    await this.source.conversations.get(conversationId)
    const limit = data.limit ?? LIMITS.default_page
    const rows = await transcripts.listTranscripts(this.db, {
      conversation_id: conversationId,
      owner: this.owner,
      limit,
      after: data.after,
      before: data.before,
    })
    return toPage(rows, limit, data.before !== undefined, transcripts.decodeTranscript)
  }

  /** A transcript's row; one of a deleted conversation is gone with it. */
  async get(id: string): Promise<Transcript> {
    const row = isUuid(id) ? await transcripts.getTranscript(this.db, id, this.owner) : undefined
    if (row === undefined) throw notFound('transcript', id)
    return transcripts.decodeTranscript(row)
  }

  /**
   * The stored file, verified against its recorded size and SHA-256 while it is read.
   * @example
   * const { body } = await store.transcripts.read(transcript.id)
   * await pipeline(body, createWriteStream('chat.md'))
   */
  async read(id: string): Promise<TranscriptFile> {
    const transcript = await this.get(id)
    const renderer = RENDERERS[transcript.format]
    const stored = await this.storage.backend(transcript.storage).get(transcript.storage_key)
    const chunks = verified(stored, transcript)
    // The first chunk is read here, so a file that cannot be read, or a damaged one that fits in
    // a chunk, fails this call rather than a response already under way.
    const first = await chunks.next()
    return {
      transcript,
      content_type: renderer.content_type,
      filename: `transcript-${transcript.id}.${renderer.extension}`,
      body: Readable.from(resumed(first, chunks), { objectMode: false }),
    }
  }

  /**
   * Removes the file, then the row. Removing a file that is already gone succeeds, so a delete
   * that failed half-way can simply be repeated.
   */
  /**
   * Deletes a transcript: its file, then its row. With `actor`, audited (`transcript.delete`)
   * in the transaction that removes the row.
   */
  async delete(id: string, actor?: AuditContext): Promise<void> {
    const transcript = await this.get(id)
    await this.storage.backend(transcript.storage).remove(transcript.storage_key)
    await this.db.transaction(async (tx) => {
      await transcripts.deleteTranscript(tx, id, this.owner)
      if (actor !== undefined) {
        await insertAuditEvents(
          tx,
          auditRow('transcript.delete', actor, { type: 'transcript', id }),
        )
      }
    })
  }

  /**
   * Removes the stored files of transcripts whose rows are already gone (a purge of their
   * conversations); a file that is already gone is fine.
   */
  async removeFiles(files: readonly { storage: string; storage_key: string }[]): Promise<void> {
    for (const file of files) {
      await this.storage.backend(file.storage as TranscriptStorageKind).remove(file.storage_key)
    }
  }

  /** Where a transcript's file is, for people: an absolute path or `s3://bucket/key`. */
  location(transcript: Transcript): string {
    return this.storage.backend(transcript.storage).locate(transcript.storage_key)
  }

  private renderInto(
    conversation: Conversation,
    format: TranscriptFormat,
    exported_at: string,
    sink: Sink,
    options: RenderOptions,
  ): Promise<Rendered> {
    const source = { conversation, pages: this.pages(conversation.id), exported_at }
    return renderTranscript(format, source, sink, options.progress)
  }

  /** The live messages of the active path, root first (one read), a page at a time. */
  private async *pages(conversationId: string): AsyncGenerator<Message[]> {
    const path = await this.source.messages.path(conversationId)
    for (let i = 0; i < path.length; i += PAGE) yield path.slice(i, i + PAGE)
  }
}

/**
 * Passes the stored bytes through, checking them against the row: a file longer than recorded
 * fails as soon as it shows, and the last chunk is held back until the SHA-256 matches, so a
 * damaged file never reaches its reader whole (over HTTP, the answer stops short of its
 * Content-Length).
 */
async function* verified(stored: Readable, transcript: Transcript): AsyncGenerator<Buffer> {
  const hash = createHash('sha256')
  let size = 0
  let held: Buffer | undefined
  try {
    for await (const chunk of stored) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array)
      hash.update(bytes)
      size += bytes.length
      if (size > transcript.file_size_bytes) throw corrupt(transcript)
      if (held !== undefined) yield held
      held = bytes
    }
  } catch (error) {
    throw isChatkeepError(error)
      ? error
      : storageFailed(`Reading transcript ${transcript.id} failed part-way.`, error)
  }
  if (size !== transcript.file_size_bytes || hash.digest('hex') !== transcript.sha256) {
    throw corrupt(transcript)
  }
  if (held !== undefined) yield held
}

/** The chunks of `rest`, after the one already taken from it. */
async function* resumed(
  first: IteratorResult<Buffer>,
  rest: AsyncGenerator<Buffer>,
): AsyncGenerator<Buffer> {
  if (first.done === true) return
  yield first.value
  yield* rest
}

const corrupt = (transcript: Transcript) =>
  new ChatkeepError(
    'transcript_corrupt',
    `Transcript ${transcript.id}'s stored file no longer matches its recorded size and SHA-256: it was changed or damaged after it was written. Delete it and make a new one.`,
  )
