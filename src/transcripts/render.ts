import { createHash } from 'node:crypto'
import type { Conversation, Message } from '../schemas/data.js'
import type { TranscriptFormat } from '../schemas/transcripts.js'
import { csvRenderer } from './render-csv.js'
import { jsonRenderer } from './render-json.js'
import { markdownRenderer } from './render-markdown.js'

/** One format: text before the messages, one piece per message, text after them. */
export interface Renderer {
  /** The file name's extension, without the dot. */
  readonly extension: string
  readonly content_type: string
  head(conversation: Conversation, exported_at: string): string
  /** `index` counts from 0 within the file (sequence numbers may have gaps). */
  message(message: Message, index: number): string
  tail(count: number): string
}

export const RENDERERS: Readonly<Record<TranscriptFormat, Renderer>> = {
  json: jsonRenderer,
  csv: csvRenderer,
  markdown: markdownRenderer,
}

/** Where rendered bytes go; awaited before the next piece, so a slow sink holds rendering back. */
export type Sink = (chunk: Buffer) => void | Promise<void>

/** What rendering produced: exactly the bytes handed to the sink. */
export interface Rendered {
  message_count: number
  file_size_bytes: number
  sha256: string
}

export interface RenderSource {
  conversation: Conversation
  /** The live messages in sequence order, a page at a time. */
  pages: AsyncIterable<Message[]>
  exported_at: string
}

/**
 * Renders a conversation page by page, so memory stays flat however long it is, counting and
 * hashing the bytes on their way to `sink`. `progress` hears the number of messages written
 * after each page.
 */
export async function renderTranscript(
  format: TranscriptFormat,
  source: RenderSource,
  sink: Sink,
  progress?: (messages: number) => void | Promise<void>,
): Promise<Rendered> {
  const renderer = RENDERERS[format]
  const hash = createHash('sha256')
  let size = 0
  const emit = async (text: string) => {
    if (text === '') return
    const chunk = Buffer.from(text, 'utf8')
    hash.update(chunk)
    size += chunk.length
    await sink(chunk)
  }
  await emit(renderer.head(source.conversation, source.exported_at))
  let count = 0
  for await (const page of source.pages) {
    for (const message of page) await emit(renderer.message(message, count++))
    await progress?.(count)
  }
  await emit(renderer.tail(count))
  return { message_count: count, file_size_bytes: size, sha256: hash.digest('hex') }
}
