import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { importChatGpt, type ImportReport, type Store, type User } from '../../src/index.js'
import { canonicalJson } from '../../src/lib/canonical-json.js'
import { createUser, expectError } from '../conformance/helpers.js'
import { runChatkeep } from '../support/cli.js'
import { describeEachEngine } from '../support/engines.js'

/**
 * A ChatGPT export as OpenAI writes it: conversations.json is an array of conversations, each a
 * tree of nodes (mapping) with the branch the user last saw ending at current_node. Nobody
 * writes these with a library, so the test builds one by hand, in the real shape.
 */
const T0 = 1_700_000_000 // 2023-11-14T22:13:20Z

type Part = string | Record<string, unknown>

interface NodeSpec {
  id: string
  parent: string | null
  role?: 'system' | 'user' | 'assistant' | 'tool' | 'critic'
  at?: number | null
  parts?: Part[]
  content?: Record<string, unknown>
  model?: string
  hidden?: boolean
  recipient?: string
}

function conversation(
  id: string,
  title: string,
  nodes: NodeSpec[],
  current: string | undefined,
  created = T0,
) {
  const mapping: Record<string, unknown> = {}
  for (const n of nodes) {
    mapping[n.id] = {
      id: n.id,
      parent: n.parent,
      children: nodes.filter((c) => c.parent === n.id).map((c) => c.id),
      message:
        n.role === undefined
          ? null
          : {
              id: n.id,
              author: { role: n.role, name: n.role === 'tool' ? 'python' : null, metadata: {} },
              create_time: n.at === undefined ? null : n.at,
              update_time: null,
              content: n.content ?? {
                content_type: n.parts?.some((p) => typeof p !== 'string')
                  ? 'multimodal_text'
                  : 'text',
                parts: n.parts ?? [''],
              },
              status: 'finished_successfully',
              end_turn: n.role === 'assistant' ? true : null,
              weight: 1,
              metadata: {
                ...(n.model ? { model_slug: n.model, default_model_slug: n.model } : {}),
                ...(n.hidden ? { is_visually_hidden_from_conversation: true } : {}),
                request_id: `req-${n.id}`,
                timestamp_: 'absolute',
              },
              recipient: n.recipient ?? 'all',
              channel: null,
            },
    }
  }
  return {
    title,
    create_time: created,
    update_time: created + 100,
    mapping,
    moderation_results: [],
    ...(current === undefined ? {} : { current_node: current }),
    plugin_ids: null,
    conversation_id: id,
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: false,
    safe_urls: [],
    default_model_slug: 'gpt-4o',
    id,
  }
}

/** Lisbon: a regenerated answer and an edited question make three branches. */
const LISBON: NodeSpec[] = [
  { id: 'root', parent: null },
  { id: 'sys', parent: 'root', role: 'system', parts: [''], hidden: true },
  { id: 'u1', parent: 'sys', role: 'user', at: T0 + 1, parts: ['Plan a day in Lisbon'] },
  {
    id: 'a1',
    parent: 'u1',
    role: 'assistant',
    at: T0 + 2,
    parts: ['Morning: Alfama.'],
    model: 'gpt-4',
  },
  {
    id: 'a1b',
    parent: 'u1',
    role: 'assistant',
    at: T0 + 5,
    parts: ['Morning: Belém.'],
    model: 'gpt-4o',
  },
  { id: 'u2alt', parent: 'a1', role: 'user', at: T0 + 3, parts: ['Shorter, please'] },
  { id: 'a1c', parent: 'u2alt', role: 'assistant', at: T0 + 4, parts: ['Alfama.'], model: 'gpt-4' },
  {
    id: 'u2',
    parent: 'a1b',
    role: 'user',
    at: T0 + 6,
    parts: [
      {
        content_type: 'image_asset_pointer',
        asset_pointer: 'file-service://file-Tram28',
        width: 1024,
        height: 768,
        size_bytes: 123456,
      },
      'Which tram is this?',
    ],
  },
  {
    id: 'a2',
    parent: 'u2',
    role: 'assistant',
    at: T0 + 7,
    recipient: 'python',
    content: { content_type: 'code', language: 'python', text: 'print(28)' },
    model: 'gpt-4o',
  },
  {
    id: 't1',
    parent: 'a2',
    role: 'tool',
    at: T0 + 8,
    content: { content_type: 'execution_output', text: '28' },
  },
  { id: 'a3', parent: 't1', role: 'assistant', at: T0 + 9, parts: ['Tram 28.'], model: 'gpt-4o' },
]

/** Short: no current_node in the export, and a message without create_time. */
const SHORT: NodeSpec[] = [
  { id: 's-root', parent: null },
  { id: 's-u', parent: 's-root', role: 'user', at: null, parts: ['Hi'] },
  { id: 's-a', parent: 's-u', role: 'assistant', at: T0 + 50, parts: ['Hello!'], model: 'gpt-4o' },
]

const EXPORT = [
  conversation('conv-lisbon', 'Lisbon 🇵🇹', LISBON, 'a3'),
  conversation('conv-short', 'Short', SHORT, undefined, T0 + 40),
]

/** A later export: Lisbon went on from Tram 28 (and got a second answer to the last question). */
const LATER = [
  conversation(
    'conv-lisbon',
    'Lisbon 🇵🇹',
    [
      ...LISBON,
      { id: 'u3', parent: 'a3', role: 'user', at: T0 + 200, parts: ['And lunch?'] },
      { id: 'a4', parent: 'u3', role: 'assistant', at: T0 + 201, parts: ['Bacalhau.'] },
      { id: 'a4b', parent: 'u3', role: 'assistant', at: T0 + 202, parts: ['Sardines.'] },
    ],
    'a4b',
  ),
  EXPORT[1],
]

let dir: string
const file = (name: string, content: unknown) => {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 1))
  return path
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'chatkeep-chatgpt-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Row {
  id: string
  sequence: number
  parent_id: string | null
  role: string
  content: string
  model_version: string | null
  created_at: string
  metadata: { chatgpt: Record<string, unknown> }
}

async function rowsOf(store: Store, userId: string) {
  const db = store.database.kysely
  const conversations = await db
    .selectFrom('conversations')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute()
  const out: Record<string, { conversation: (typeof conversations)[number]; messages: Row[] }> = {}
  for (const c of conversations) {
    const messages = await db
      .selectFrom('messages')
      .select([
        'id',
        'sequence',
        'parent_id',
        'role',
        'content',
        'model_version',
        'created_at',
        'metadata',
      ])
      .where('conversation_id', '=', c.id)
      .orderBy('sequence')
      .execute()
    const key = store.database.codec.json<{ chatgpt: { conversation_id: string } }>(c.metadata)
      .chatgpt.conversation_id
    out[key] = {
      conversation: c,
      messages: messages.map((m) => ({
        ...m,
        content: m.content!,
        metadata: store.database.codec.json(m.metadata),
      })),
    }
  }
  return out
}

/** Counters and a hash of every message row per conversation: what "changes nothing" compares. */
async function snapshot(store: Store, userId: string) {
  const rows = await rowsOf(store, userId)
  return Object.fromEntries(
    Object.entries(rows).map(([key, { conversation, messages }]) => [
      key,
      {
        message_count: Number(conversation.message_count),
        total_tokens: Number(conversation.total_tokens),
        last_activity: conversation.last_activity,
        updated_at: conversation.updated_at,
        messages: createHash('sha256').update(canonicalJson(messages)).digest('hex'),
      },
    ]),
  )
}

const chatgptId = (m: Row) => m.metadata.chatgpt.message_id

describeEachEngine('import chatgpt', (ctx) => {
  let user: User
  let report: ImportReport

  beforeAll(async () => {
    user = await createUser(ctx.store, 'gpt')
    report = await importChatGpt(ctx.store, file('export.json', EXPORT), { user_id: user.id })
  })

  it('seals imported content when encryption at rest is on, as appends do', async () => {
    const sealed = await ctx.open({
      encryption_keys: `k1:${randomBytes(32).toString('base64')}`,
    })
    const owner = await createUser(sealed, 'gptsealed')
    await importChatGpt(sealed, file('sealed.json', EXPORT), { user_id: owner.id })
    const rows = await sealed.database.kysely
      .selectFrom('messages')
      .select(['id', 'content', 'key_id'])
      .where('user_id', '=', owner.id)
      .execute()
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => r.content === null && r.key_id === 'k1')).toBe(true)
    const clear = (await rowsOf(ctx.store, user.id))['conv-lisbon']!.messages
    const chat = (await rowsOf(sealed, owner.id))['conv-lisbon']!.conversation
    const opened = await sealed.messages.list(chat.id, { limit: 100 })
    expect(opened.data.map((m) => m.content)).toEqual(clear.map((m) => m.content))
  })

  it('puts the current branch first, in order, and the other branches after it', async () => {
    const { conversation, messages } = (await rowsOf(ctx.store, user.id))['conv-lisbon']!
    expect(conversation).toMatchObject({
      title: 'Lisbon 🇵🇹',
      origin: 'chatgpt',
      status: 'active',
      message_count: 9,
      created_at: '2023-11-14T22:13:20.000Z',
      last_activity: '2023-11-14T22:13:29.000Z',
    })
    // The hidden empty system message and the message-less root are left out.
    expect(messages.map((m) => [m.sequence, chatgptId(m), m.role])).toEqual([
      [1, 'u1', 'user'],
      [2, 'a1b', 'assistant'],
      [3, 'u2', 'user'],
      [4, 'a2', 'assistant'],
      [5, 't1', 'tool'],
      [6, 'a3', 'assistant'],
      [7, 'a1', 'assistant'],
      [8, 'u2alt', 'user'],
      [9, 'a1c', 'assistant'],
    ])
    const byChatGpt = new Map(messages.map((m) => [chatgptId(m), m]))
    const parentOf = (id: string) => {
      const parent = byChatGpt.get(id)!.parent_id
      return parent === null ? null : chatgptId(messages.find((m) => m.id === parent)!)
    }
    expect(
      Object.fromEntries(
        ['u1', 'a1', 'a1b', 'u2alt', 'a1c', 'u2', 'a3'].map((id) => [id, parentOf(id)]),
      ),
    ).toEqual({ u1: null, a1: 'u1', a1b: 'u1', u2alt: 'a1', a1c: 'u2alt', u2: 'a1b', a3: 't1' })
  })

  it('keeps times, models and ChatGPT ids, and renders non-text parts as text', async () => {
    const { messages } = (await rowsOf(ctx.store, user.id))['conv-lisbon']!
    const m = new Map(messages.map((row) => [chatgptId(row), row]))
    expect(m.get('u1')).toMatchObject({
      content: 'Plan a day in Lisbon',
      created_at: '2023-11-14T22:13:21.000Z',
      model_version: null,
    })
    expect(m.get('a1')!.model_version).toBe('gpt-4')
    expect(m.get('a1b')!.metadata.chatgpt).toMatchObject({
      message_id: 'a1b',
      request_id: 'req-a1b',
      content_type: 'text',
    })
    expect(m.get('u2')!.content).toBe(
      '[image: file-service://file-Tram28 1024×768]\n\nWhich tram is this?',
    )
    expect(m.get('u2')!.metadata.chatgpt.attachments).toEqual([
      expect.objectContaining({ asset_pointer: 'file-service://file-Tram28' }),
    ])
    expect(m.get('a2')!.content).toBe('```python\nprint(28)\n```')
    expect(m.get('a2')!.metadata.chatgpt).toMatchObject({ recipient: 'python' })
    expect(m.get('t1')).toMatchObject({ role: 'tool', content: '28' })
  })

  it('takes the newest leaf as the current branch when current_node is missing', async () => {
    const { conversation, messages } = (await rowsOf(ctx.store, user.id))['conv-short']!
    expect(messages.map((m) => [m.sequence, chatgptId(m), m.parent_id === null])).toEqual([
      [1, 's-u', true],
      [2, 's-a', false],
    ])
    // A message without create_time takes its parent's time, else the conversation's.
    expect(messages[0]!.created_at).toBe(conversation.created_at)
    expect(report.created).toMatchObject({ conversations: 2, messages: 11 })
    expect(report.skipped).toEqual([])
  })

  it('changes nothing when the same export is imported again', async () => {
    const before = await snapshot(ctx.store, user.id)
    const again = await importChatGpt(ctx.store, file('export.json', EXPORT), {
      user_id: user.id,
    })
    expect(await snapshot(ctx.store, user.id)).toEqual(before)
    expect(again.created).toMatchObject({ conversations: 0, messages: 0 })
    expect(again.existing).toMatchObject({ conversations: 2, messages: 11 })
  })

  it('adds only the new messages of a later export, after the ones already there', async () => {
    const before = await snapshot(ctx.store, user.id)
    const later = await importChatGpt(ctx.store, file('later.json', LATER), { user_id: user.id })
    expect(later.created).toMatchObject({ conversations: 0, messages: 3 })
    expect(later.existing).toMatchObject({ conversations: 2, messages: 11 })
    const after = await rowsOf(ctx.store, user.id)
    const lisbon = after['conv-lisbon']!
    // The old rows are untouched; the new current branch (u3, a4b) comes before the other answer.
    expect(lisbon.messages.slice(9).map((m) => [m.sequence, chatgptId(m)])).toEqual([
      [10, 'u3'],
      [11, 'a4b'],
      [12, 'a4'],
    ])
    expect(lisbon.conversation).toMatchObject({
      message_count: 12,
      last_activity: '2023-11-14T22:16:42.000Z',
    })
    const a3 = lisbon.messages.find((m) => chatgptId(m) === 'a3')!
    expect(lisbon.messages.find((m) => chatgptId(m) === 'u3')!.parent_id).toBe(a3.id)
    expect((await snapshot(ctx.store, user.id))['conv-short']).toEqual(before['conv-short'])
    const again = await importChatGpt(ctx.store, file('later.json', LATER), { user_id: user.id })
    expect(again.created.messages).toBe(0)
  })

  it('gives each user their own copy of the same export', async () => {
    const other = await createUser(ctx.store, 'gpt2')
    const theirs = await importChatGpt(ctx.store, file('export.json', EXPORT), {
      user_id: other.id,
    })
    expect(theirs.created).toMatchObject({ conversations: 2, messages: 11 })
    expect(Object.keys(await rowsOf(ctx.store, user.id))).toHaveLength(2)
  })

  it('reports bad conversations and messages and goes on with the rest', async () => {
    const other = await createUser(ctx.store, 'gpt3')
    const critic = conversation(
      'conv-critic',
      'Critic',
      [
        { id: 'c-root', parent: null },
        { id: 'c-u', parent: 'c-root', role: 'user', at: T0, parts: ['Hi'] },
        { id: 'c-x', parent: 'c-u', role: 'critic', at: T0 + 1, parts: ['Meh'] },
        { id: 'c-a', parent: 'c-x', role: 'assistant', at: T0 + 2, parts: ['Hello'] },
      ],
      'c-a',
    )
    const text = [
      '[',
      JSON.stringify(EXPORT[1]),
      ', {"title": "broken", "mapping": {"x": } }',
      ', "not a conversation"',
      ', {"title": "no mapping", "id": "conv-nomap"}',
      ', {"title": "bad time", "id": "conv-badtime", "create_time": "soon", "mapping": {}}',
      `, ${JSON.stringify(critic)}`,
      ']',
    ].join('\n')
    const result = await importChatGpt(ctx.store, file('bad.json', text), { user_id: other.id })
    expect(result.skipped.map((s) => [s.table, s.doc_id])).toEqual([
      ['conversations', '1'],
      ['conversations', '2'],
      ['conversations', '3'],
      ['conversations', '4'],
      ['messages', '5/c-x'],
    ])
    expect(result.skipped.map((s) => s.reason).join('\n')).toMatch(
      /not valid JSON[\s\S]*not an object[\s\S]*missing required field mapping[\s\S]*unparseable create_time[\s\S]*unknown author role "critic"/,
    )
    expect(result.created).toMatchObject({ conversations: 2, messages: 4 })
    // The assistant message hangs from the nearest message kept.
    const critics = (await rowsOf(ctx.store, other.id))['conv-critic']!.messages
    expect(critics.map((m) => [m.sequence, chatgptId(m)])).toEqual([
      [1, 'c-u'],
      [2, 'c-a'],
    ])
    expect(critics[1]!.parent_id).toBe(critics[0]!.id)
  })

  it('refuses a file that is not an array, or that ends early, and a missing user', async () => {
    await expectError(
      importChatGpt(ctx.store, file('object.json', { conversations: [] }), { user_id: user.id }),
      'validation_failed',
    )
    const cut = JSON.stringify(EXPORT).slice(0, -40)
    await expectError(
      importChatGpt(ctx.store, file('cut.json', cut), { user_id: user.id }),
      'validation_failed',
    )
    await expectError(
      importChatGpt(ctx.store, file('export.json', EXPORT), {
        user_id: '00000000-0000-7000-8000-000000000000',
      }),
      'not_found',
    )
  })

  it('reads a file larger than its read buffer, unicode across every boundary', async () => {
    const other = await createUser(ctx.store, 'gpt4')
    const big = Array.from({ length: 60 }, (_, i) =>
      conversation(
        `conv-big-${i}`,
        `Big ${i}`,
        [
          { id: `r${i}`, parent: null },
          {
            id: `u${i}`,
            parent: `r${i}`,
            role: 'user',
            at: T0 + i,
            parts: ['ü€😀'.repeat(5000 + i)],
          },
        ],
        `u${i}`,
      ),
    )
    const result = await importChatGpt(ctx.store, file('big.json', big), { user_id: other.id })
    expect(result.skipped).toEqual([])
    expect(result.created).toMatchObject({ conversations: 60, messages: 60 })
    const rows = await rowsOf(ctx.store, other.id)
    expect(rows['conv-big-59']!.messages[0]!.content).toBe('ü€😀'.repeat(5059))
  })

  it('runs as `chatkeep import chatgpt FILE --user NAME`', async () => {
    const env = { DATABASE_URL: ctx.database.database_url }
    const run = await runChatkeep(
      ['import', 'chatgpt', file('export.json', EXPORT), '--user', user.username, '--json'],
      env,
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect((JSON.parse(run.stdout) as ImportReport).existing.conversations).toBe(2)
    const noUser = await runChatkeep(['import', 'chatgpt', file('export.json', EXPORT)], env)
    expect(noUser.code).toBe(2)
    expect(noUser.stderr).toMatch(/--user/)
    const unknown = await runChatkeep(
      ['import', 'chatgpt', file('export.json', EXPORT), '--user', 'nobody-here'],
      env,
    )
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^error \[not_found\]/)
  })
})
