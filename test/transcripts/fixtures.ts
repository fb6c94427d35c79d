import { createHash } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { Conversation, Message, NewMessage, Store } from '../../src/index.js'
import { createUser } from '../conformance/helpers.js'

/** Content every format has to carry through exactly. */
export const TRICKY: NewMessage[] = [
  { role: 'system', content: 'You are terse.' },
  {
    role: 'user',
    content: 'Hello, "world" — a comma, a quote,\nand a new line.\r\nAnd CRLF too.',
    request_id: 'turn-1',
    metadata: { source: 'web', tags: ['a,b', 'c"d'], note: 'ünïcødé ✓' },
  },
  {
    role: 'assistant',
    content: '日本語のテキスト, עברית, emoji 🧪👩🏽‍💻, combining é (e\u0301)',
    request_id: 'turn-1',
    tokens_used: 42,
    model_version: 'gpt-4o-2024-08-06',
    context_documents: [{ chunk_id: 'c1', score: 0.5 }],
  },
  { role: 'user', content: '=SUM(A1:A9)' },
  { role: 'user', content: '+1 for this' },
  { role: 'user', content: '-1 from me' },
  { role: 'user', content: '@everyone look' },
  { role: 'user', content: "'already quoted" },
  { role: 'user', content: '\tstarts with a tab' },
  { role: 'assistant', content: '' },
  { role: 'assistant', content: '```ts\nconst open = "fence never closed"\n' },
  { role: 'tool', content: '---\n# not a heading of ours\n---' },
  { role: 'user', content: 'last one, after the fence', model_version: '=cmd|calc' },
]

export const TITLE = 'Trip, "planning" 🌍\nsecond line'

/** Alice with a conversation holding TRICKY, one more message soft-deleted, feedback on one. */
export async function trickyConversation(
  store: Store,
): Promise<{ user_id: string; conversation: Conversation; live: Message[]; deleted: Message }> {
  const user = await createUser(store, 'alice')
  const conversation = await store.conversations.create({ user_id: user.id, title: TITLE })
  const messages = await store.messages.appendMany(conversation.id, TRICKY.slice(0, 5))
  const deleted = await store.messages.append(conversation.id, {
    role: 'user',
    content: 'SOFT-DELETED secret',
  })
  await store.messages.delete(deleted.id)
  messages.push(...(await store.messages.appendMany(conversation.id, TRICKY.slice(5))))
  await store.messages.setFeedback(messages[2]!.id, -1)
  const live = (await store.messages.list(conversation.id, { limit: 200 })).data
  return {
    user_id: user.id,
    conversation: await store.conversations.get(conversation.id),
    live,
    deleted,
  }
}

/** Appends `n` short messages in batches. */
export async function longConversation(store: Store, n: number, size = 10): Promise<Conversation> {
  const user = await createUser(store, 'long')
  const conversation = await store.conversations.create({ user_id: user.id })
  for (let start = 0; start < n; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - start) }, (_, i) => ({
      role: 'user' as const,
      content: `message ${start + i + 1} `.padEnd(size, '.'),
    }))
    await store.messages.appendMany(conversation.id, batch)
  }
  return conversation
}

export const sha256 = (bytes: Buffer | string): string =>
  createHash('sha256').update(bytes).digest('hex')

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Every file under `dir`, relative, sorted. */
export function filesUnder(dir: string): string[] {
  const found: string[] = []
  const walk = (at: string) => {
    for (const name of readdirSync(join(dir, at))) {
      const path = join(at, name)
      if (statSync(join(dir, path)).isDirectory()) walk(path)
      else found.push(path)
    }
  }
  walk('')
  return found.sort()
}

/**
 * A strict RFC 4180 reader, written apart from the renderer: quoted fields may hold commas,
 * quotes (doubled) and line breaks; every record ends with CRLF.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let i = 0
  while (i < text.length) {
    let field = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field')
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += text[i++]
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`bare quote at ${i}`)
        field += text[i++]
      }
    }
    record.push(field)
    if (text[i] === ',') {
      i++
    } else if (text.startsWith('\r\n', i)) {
      records.push(record)
      record = []
      i += 2
    } else {
      throw new Error(`expected , or CRLF at ${i}, got ${JSON.stringify(text[i])}`)
    }
  }
  if (record.length > 0) throw new Error('last record has no CRLF')
  return records
}

/** Undoes the formula guard of the guarded columns: one leading ' goes. */
export const unguard = (cell: string): string => (cell.startsWith("'") ? cell.slice(1) : cell)
