import { describe, expect, it } from 'vitest'
import type { Conversation, Message, Store } from '../../src/index.js'
import { CSV_COLUMNS, csvField, guardFormula } from '../../src/transcripts/render-csv.js'
import type { TranscriptFormat } from '../../src/schemas/transcripts.js'
import { ISO_TIME } from '../conformance/helpers.js'
import { describeEachEngine } from '../support/engines.js'
import {
  longConversation,
  parseCsv,
  sha256,
  TITLE,
  TRICKY,
  trickyConversation,
  unguard,
} from './fixtures.js'

/** Renders without storing: the bytes, and what the renderer says of them. */
async function render(store: Store, conversation_id: string, format: TranscriptFormat) {
  const chunks: Buffer[] = []
  const result = await store.transcripts.render(conversation_id, { format }, (chunk) => {
    chunks.push(chunk)
  })
  const bytes = Buffer.concat(chunks)
  expect(result.file_size_bytes).toBe(bytes.length)
  expect(result.sha256).toBe(sha256(bytes))
  return { bytes, text: bytes.toString('utf8'), result }
}

describe('CSV fields', () => {
  it('quotes what RFC 4180 needs quoted, and nothing else', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('cr\rhere')).toBe('"cr\rhere"')
    expect(csvField('')).toBe('')
  })

  it('defuses formulas with one leading quote, reversibly', () => {
    for (const text of ['=1+1', '+1', '-1', '@x', '\tx', '\rx', "'x"]) {
      expect(guardFormula(text)).toBe(`'${text}`)
    }
    for (const text of ['1', 'a=b', ' =x', '', 'x-1']) expect(guardFormula(text)).toBe(text)
  })
})

describeEachEngine('transcript rendering', (ctx) => {
  let conversation: Conversation
  let live: Message[]
  let deleted: Message

  const setup = async () => {
    if (conversation !== undefined) return
    ;({ conversation, live, deleted } = await trickyConversation(ctx.store))
    expect(live).toHaveLength(TRICKY.length)
  }

  it('renders JSON as the conversation and its live messages, in the API shape', async () => {
    await setup()
    const { text, result } = await render(ctx.store, conversation.id, 'json')
    const parsed = JSON.parse(text) as {
      exported_at: string
      conversation: Conversation
      messages: Message[]
      message_count: number
    }
    expect(parsed.exported_at).toMatch(ISO_TIME)
    expect(parsed.conversation).toEqual(await ctx.store.conversations.get(conversation.id))
    expect(parsed.messages).toEqual(live)
    expect(parsed.message_count).toBe(live.length)
    expect(result.message_count).toBe(live.length)
    // One message a line, so line tools can work on a large file.
    expect(text.split('\n')).toHaveLength(live.length + 3)
    expect(text.endsWith('}\n')).toBe(true)
    expect(text).not.toContain('SOFT-DELETED')
  })

  it('renders CSV that parses back to every message exactly', async () => {
    await setup()
    const { text, result } = await render(ctx.store, conversation.id, 'csv')
    expect(text.charCodeAt(0)).not.toBe(0xfeff)
    const [header, ...rows] = parseCsv(text)
    expect(header).toEqual([...CSV_COLUMNS])
    expect(rows).toHaveLength(live.length)
    expect(result.message_count).toBe(live.length)
    rows.forEach((row, i) => {
      const m = live[i]!
      const cell = Object.fromEntries(CSV_COLUMNS.map((column, c) => [column, row[c]!]))
      expect(cell).toEqual({
        sequence: String(m.sequence),
        id: m.id,
        created_at: m.created_at,
        role: m.role,
        content: cell.content,
        tokens_used: String(m.tokens_used),
        model_version: cell.model_version,
        request_id: cell.request_id,
        parent_id: m.parent_id ?? '',
        feedback: m.feedback === null ? '' : String(m.feedback),
        status: m.status,
        metadata: cell.metadata,
        context_documents: cell.context_documents,
      })
      expect(unguard(cell.content!)).toBe(m.content)
      expect(unguard(cell.model_version!)).toBe(m.model_version ?? '')
      expect(unguard(cell.request_id!)).toBe(m.request_id ?? '')
      expect(JSON.parse(cell.metadata!)).toEqual(m.metadata)
      expect(JSON.parse(cell.context_documents!)).toEqual(m.context_documents)
      // Nothing a spreadsheet would run as a formula.
      for (const column of ['content', 'model_version', 'request_id'] as const) {
        expect(cell[column], `${m.sequence} ${column}`).not.toMatch(/^[=+\-@\t\r]/)
      }
    })
    const content = rows.map((row) => row[CSV_COLUMNS.indexOf('content')])
    expect(content).toContain("'=SUM(A1:A9)")
    expect(content).toContain("''already quoted")
    // Feedback is a number, never guarded.
    expect(rows.map((row) => row[CSV_COLUMNS.indexOf('feedback')])).toContain('-1')
    expect(text).not.toContain('SOFT-DELETED')
  })

  it('renders Markdown with a title, the details and every message with role and time', async () => {
    await setup()
    const { text, result } = await render(ctx.store, conversation.id, 'markdown')
    expect(result.message_count).toBe(live.length)
    expect(text.startsWith(`# ${TITLE.replace('\n', ' ')}\n`)).toBe(true)
    expect(text).toContain(`\`${conversation.id}\``)
    expect(text).toContain(conversation.short_id)
    for (const m of live) {
      expect(text).toContain(`## ${m.sequence}. ${m.role} · ${m.created_at}\n`)
      expect(text).toContain(m.content)
    }
    expect(text).toContain('_model gpt-4o-2024-08-06 · 42 tokens · feedback -1_')
    // The fence the content left open is closed before the next message.
    const fences = text.split('\n').filter((line) => line.startsWith('```'))
    expect(fences.length % 2).toBe(0)
    // Every message's heading sits after a rule, never swallowed into a previous paragraph.
    expect(text.match(/\n\n---\n\n## /g)).toHaveLength(live.length)
    expect(text.endsWith(`_${live.length} messages._\n`)).toBe(true)
    expect(text).not.toContain('SOFT-DELETED')
    expect(deleted.content).toBe('SOFT-DELETED secret')
  })

  it('renders an empty conversation in every format', async () => {
    const empty = await ctx.store.conversations.create({ user_id: live[0]!.user_id })
    const json = JSON.parse((await render(ctx.store, empty.id, 'json')).text)
    expect(json).toMatchObject({ messages: [], message_count: 0 })
    expect(parseCsv((await render(ctx.store, empty.id, 'csv')).text)).toEqual([[...CSV_COLUMNS]])
    const markdown = (await render(ctx.store, empty.id, 'markdown')).text
    expect(markdown).toContain('# Untitled conversation\n')
    expect(markdown.endsWith('_0 messages._\n')).toBe(true)
  })

  it('walks a conversation page by page, every message once and in order', async () => {
    const long = await longConversation(ctx.store, 1234)
    let pages = 0
    const chunks: Buffer[] = []
    const result = await ctx.store.transcripts.render(
      long.id,
      { format: 'csv' },
      (chunk) => void chunks.push(chunk),
      { progress: () => void pages++ },
    )
    expect(result.message_count).toBe(1234)
    expect(pages).toBe(13)
    const rows = parseCsv(Buffer.concat(chunks).toString('utf8')).slice(1)
    expect(rows.map((row) => Number(row[0]))).toEqual(Array.from({ length: 1234 }, (_, i) => i + 1))
  })
})
