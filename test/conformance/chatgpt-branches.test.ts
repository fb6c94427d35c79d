import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { importChatGpt } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { createUser } from './helpers.js'

const T0 = 1_700_000_000

/** A ChatGPT export's node: the shape OpenAI writes, cut to what the import reads. */
const node = (
  id: string,
  parent: string | null,
  role: string | null,
  text: string,
  at: number,
) => ({
  id,
  parent,
  children: [] as string[],
  message:
    role === null
      ? null
      : {
          id,
          author: { role },
          create_time: T0 + at,
          content: { content_type: 'text', parts: [text] },
          metadata: {},
          recipient: 'all',
        },
})

/**
 * The user asked, got an answer, asked a second question, then edited that question and got
 * a new answer: ChatGPT shows the edited branch (current_node = the new answer).
 */
function editedExport() {
  const nodes = [
    node('root', null, null, '', 0),
    node('q1', 'root', 'user', 'Plan a day in Porto', 1),
    node('a1', 'q1', 'assistant', 'Ribeira, then the Livraria.', 2),
    node('q2', 'a1', 'user', 'Where to eat near the Livraria?', 3),
    node('a2', 'q2', 'assistant', 'Café Majestic.', 4),
    node('q2b', 'a1', 'user', 'Where to eat near Ribeira?', 5),
    node('a2b', 'q2b', 'assistant', 'Cais da Ribeira has many places.', 6),
  ]
  for (const n of nodes)
    if (n.parent !== null) nodes.find((p) => p.id === n.parent)!.children.push(n.id)
  return [
    {
      id: 'conv-porto',
      title: 'Porto',
      create_time: T0,
      update_time: T0 + 6,
      current_node: 'a2b',
      mapping: Object.fromEntries(nodes.map((n) => [n.id, n])),
    },
  ]
}

const dir = mkdtempSync(join(tmpdir(), 'chatkeep-chatgpt-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeEachEngine('a ChatGPT export with an edited question', (ctx) => {
  it('reads only the current branch in lastN and in the transcript; the tree is all kept', async () => {
    const user = await createUser(ctx.store, 'porto')
    const file = join(dir, `${ctx.engine}.json`)
    writeFileSync(file, JSON.stringify(editedExport()))
    await importChatGpt(ctx.store, file, { user_id: user.id })
    const mine = ctx.store.forUser(user.id)
    const [chat] = (await mine.conversations.list()).data
    const current = [
      'Plan a day in Porto',
      'Ribeira, then the Livraria.',
      'Where to eat near Ribeira?',
      'Cais da Ribeira has many places.',
    ]
    expect((await mine.messages.lastN(chat!.id, 20)).map((m) => m.content)).toEqual(current)
    expect((await mine.messages.lastN(chat!.id, 2)).map((m) => m.content)).toEqual(current.slice(2))
    const context = await mine.messages.context(chat!.id, { max_messages: 20 })
    expect(context.messages.map((m) => m.message.content)).toEqual(current)
    expect(context).toMatchObject({ omitted: 0, truncated: false })
    const chunks: string[] = []
    await mine.transcripts.render(chat!.id, { format: 'json' }, (chunk) => {
      chunks.push(String(chunk))
    })
    const transcript = JSON.parse(chunks.join('')) as { messages: { content: string }[] }
    expect(transcript.messages.map((m) => m.content)).toEqual(current)
    const markdown: string[] = []
    await mine.transcripts.render(chat!.id, { format: 'markdown' }, (chunk) => {
      markdown.push(String(chunk))
    })
    expect(markdown.join('')).not.toContain('Livraria?')
    expect(markdown.join('')).not.toContain('Majestic')
    // The abandoned branch is still there: the listing shows all six, and it is a sibling.
    expect((await mine.messages.list(chat!.id)).data).toHaveLength(6)
    const leaf = (await mine.messages.lastN(chat!.id, 1))[0]!
    const question = (await mine.messages.siblings(leaf.parent_id!)).map((s) => s.message.content)
    expect(question).toEqual(['Where to eat near the Livraria?', 'Where to eat near Ribeira?'])
    expect(chat!.active_leaf_id).toBe(leaf.id)
  })
})
