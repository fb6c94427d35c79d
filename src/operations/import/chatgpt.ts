import { stat } from 'node:fs/promises'
import { refreshStatistics } from '../../db/migrator.js'
import { ChatkeepError } from '../../errors.js'
import type { Role } from '../../schemas/data.js'
import { LIMITS } from '../../schemas/limits.js'
import type { Store } from '../../store.js'
import { renderContent } from './chatgpt-content.js'
import { clipped, isRecord, type JsonRecord, text } from './fields.js'
import { readJsonArray } from './json-array-stream.js'
import { emptyReport, type ImportReport, stopped } from './report.js'
import { stableId } from './stable-id.js'
import { parseTimestamp } from './timestamps.js'
import {
  conversationProblem,
  type ImportConversation,
  type ImportMessage,
  latest,
  messageProblem,
  writeConversation,
} from './writer.js'

export interface ChatGptImportOptions {
  /** The Chatkeep user the conversations belong to. */
  user_id: string
  /** Called as the file is read: bytes so far, out of the file's size. */
  progress?: (done: number, total: number) => void
}

/**
 * Imports a ChatGPT data export's `conversations.json` for one user. Each conversation keeps its
 * message tree (parent_id) and takes its current branch, root to current_node, as sequences
 * 1..k, with current_node as the active leaf; messages of the other branches follow, parents
 * before children. Ids are derived from the
 * user and ChatGPT's own ids, so running it again changes nothing and a later export adds only
 * its new messages. The file is read one conversation at a time, whatever its size.
 * @example
 * const report = await importChatGpt(store, 'conversations.json', { user_id: alice.id })
 */
export async function importChatGpt(
  store: Store,
  file: string,
  options: ChatGptImportOptions,
): Promise<ImportReport> {
  const user = await store.users.get(options.user_id)
  let size: number
  try {
    size = (await stat(file)).size
  } catch (error) {
    throw new ChatkeepError(
      'not_found',
      `${file} cannot be read (${(error as { code?: string }).code ?? 'error'}); give the path of conversations.json from a ChatGPT export.`,
      { cause: error },
    )
  }
  const report = emptyReport('chatgpt', file)
  const left = { nodes: 0 }
  for await (const element of readJsonArray(file, (n) => options.progress?.(n, size))) {
    const doc_id = String(element.index)
    if ('error' in element) {
      report.skipped.push({
        table: 'conversations',
        doc_id,
        reason: `not valid JSON (${element.bytes} bytes: ${element.error})`,
      })
      continue
    }
    await importConversation(store, user.id, element.value, doc_id, report, left)
  }
  if (left.nodes > 0) {
    report.notes.push(
      `${left.nodes} node(s) without a message or without any text (ChatGPT's hidden empty ` +
        'system messages, the tree’s root) were left out; their children hang from the nearest message kept',
    )
  }
  await refreshStatistics(store.database)
  return report
}

const ROLES: Record<string, Role> = {
  user: 'user',
  assistant: 'assistant',
  system: 'system',
  tool: 'tool',
}

/** A node of the mapping, with what the import decided about its message. */
interface Node {
  id: string
  parent: string | undefined
  children: string[]
  record: JsonRecord
  /** The message to store, when the node has one worth storing. */
  message?: ImportMessage
}

async function importConversation(
  store: Store,
  userId: string,
  value: unknown,
  doc_id: string,
  report: ImportReport,
  left: { nodes: number },
): Promise<void> {
  const skip = (reason: string): void => {
    report.skipped.push({ table: 'conversations', doc_id, reason })
  }
  if (!isRecord(value)) return skip('not an object')
  const chatgptId = text(value.conversation_id) ?? text(value.id)
  if (chatgptId === undefined) return skip('missing required field id')
  const where = `conversation ${chatgptId}`
  if (!isRecord(value.mapping)) return skip(`${where}: missing required field mapping`)
  const nodes = readNodes(value.mapping)
  const created = timeOf(value.create_time)
  const updated = timeOf(value.update_time)
  if (created === null) return skip(`${where}: unparseable create_time`)
  if (updated === null) return skip(`${where}: unparseable update_time`)
  const created_at = created ?? earliestMessage(nodes)
  if (created_at === undefined) {
    return skip(`${where}: missing required field create_time, and no message to date it by`)
  }
  const order = treeOrder(nodes, text(value.current_node))
  const conversationKey = `${userId}\u0000${chatgptId}`
  const messages: ImportMessage[] = []
  const kept = new Map<string, ImportMessage>()
  const ids = new Set<string>()
  for (const id of [...order.path, ...order.rest]) {
    const node = nodes.get(id)!
    const parent = nearestKept(nodes, kept, node.parent)
    const message = buildMessage(node, conversationKey, parent, created_at)
    if (message === undefined) {
      left.nodes++
      continue
    }
    if (typeof message === 'string') {
      report.skipped.push({ table: 'messages', doc_id: `${doc_id}/${id}`, reason: message })
      continue
    }
    kept.set(id, message)
    // Two nodes holding one message (the export repeats itself) store it once.
    if (ids.has(message.id)) {
      report.duplicates.messages++
    } else {
      ids.add(message.id)
      messages.push(message)
    }
  }
  const conversation: ImportConversation = {
    id: stableId('chatgpt/conversation', conversationKey, created_at),
    user_id: userId,
    title: clipped(value.title, LIMITS.title),
    status: value.is_archived === true ? 'archived' : 'active',
    origin: 'chatgpt',
    parameters: {},
    metadata: {
      chatgpt: {
        conversation_id: chatgptId,
        ...(typeof value.current_node === 'string' ? { current_node: value.current_node } : {}),
        ...(typeof value.default_model_slug === 'string'
          ? { default_model_slug: value.default_model_slug }
          : {}),
      },
    },
    created_at,
    updated_at: latest([created_at, updated ?? created_at]),
    last_activity: created_at,
  }
  // The branch ChatGPT showed: its tip, or the nearest message kept above it.
  const tip = nearestKept(nodes, kept, order.path.at(-1))
  if (tip !== undefined) conversation.active_leaf_id = tip.id
  const problem = conversationProblem(conversation)
  if (problem !== undefined) return skip(`${where}: ${problem}`)
  let outcome
  try {
    outcome = await writeConversation(store, conversation, messages)
  } catch (error) {
    throw stopped(error, `conversations #${doc_id} (${where})`, report)
  }
  if (outcome.kind === 'refused') return skip(`${where}: ${outcome.reason}`)
  report[outcome.created ? 'created' : 'existing'].conversations++
  report.created.messages += outcome.inserted
  report.existing.messages += outcome.existing
}

/** undefined: absent; null: there but not a time. */
function timeOf(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined
  return parseTimestamp(value) ?? null
}

function readNodes(mapping: JsonRecord): Map<string, Node> {
  const nodes = new Map<string, Node>()
  for (const [key, raw] of Object.entries(mapping)) {
    if (!isRecord(raw)) continue
    nodes.set(key, {
      id: key,
      parent: text(raw.parent),
      children: [],
      record: raw,
    })
  }
  // Children from the parent links (the truth), in the order the parent lists them.
  for (const node of nodes.values()) {
    if (node.parent !== undefined) nodes.get(node.parent)?.children.push(node.id)
  }
  for (const node of nodes.values()) {
    const listed = Array.isArray(node.record.children) ? node.record.children.map(String) : []
    const rank = (id: string) => (listed.includes(id) ? listed.indexOf(id) : listed.length)
    node.children.sort((a, b) => rank(a) - rank(b))
  }
  return nodes
}

/**
 * The nodes in the order their messages take sequences: the current branch from its root down
 * to current_node (or, without a usable current_node, to the newest leaf), then every other node
 * depth-first from the roots, so a parent always comes before its children. Nodes whose parent
 * links loop never reach a root and are left out.
 */
function treeOrder(
  nodes: Map<string, Node>,
  currentNode: string | undefined,
): { path: string[]; rest: string[] } {
  const roots = [...nodes.values()].filter((n) => n.parent === undefined || !nodes.has(n.parent))
  const reachable: string[] = []
  const stack = roots.map((r) => r.id).reverse()
  const seen = new Set<string>()
  while (stack.length > 0) {
    const id = stack.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    reachable.push(id)
    stack.push(...[...nodes.get(id)!.children].reverse())
  }
  let tip = currentNode !== undefined && seen.has(currentNode) ? currentNode : undefined
  if (tip === undefined) {
    const leaves = reachable.filter((id) => nodes.get(id)!.children.length === 0)
    tip = leaves.reduce<string | undefined>(
      (best, id) =>
        best === undefined || messageTime(nodes, id) >= messageTime(nodes, best) ? id : best,
      undefined,
    )
  }
  const onPath = new Set<string>()
  for (let id = tip; id !== undefined && seen.has(id) && !onPath.has(id);) {
    onPath.add(id)
    id = nodes.get(id)!.parent
  }
  const path = [...onPath].reverse()
  return { path, rest: reachable.filter((id) => !onPath.has(id)) }
}

/** The earliest create_time of any message: a conversation without its own is dated by it. */
function earliestMessage(nodes: Map<string, Node>): string | undefined {
  const times = [...nodes.values()].flatMap((n) => {
    const t = isRecord(n.record.message) ? timeOf(n.record.message.create_time) : undefined
    return typeof t === 'string' ? [t] : []
  })
  return times.sort()[0]
}

const messageTime = (nodes: Map<string, Node>, id: string): number => {
  const message = nodes.get(id)!.record.message
  return isRecord(message) && typeof message.create_time === 'number' ? message.create_time : 0
}

function nearestKept(
  nodes: Map<string, Node>,
  kept: Map<string, ImportMessage>,
  from: string | undefined,
): ImportMessage | undefined {
  const visited = new Set<string>()
  for (let id = from; id !== undefined && !visited.has(id); id = nodes.get(id)?.parent) {
    visited.add(id)
    const message = kept.get(id)
    if (message !== undefined) return message
  }
  return undefined
}

/**
 * The node's message as Chatkeep stores it; undefined for a node with nothing to keep (no
 * message, or no text), or the reason it cannot be stored.
 */
function buildMessage(
  node: Node,
  conversationKey: string,
  parent: ImportMessage | undefined,
  conversationCreated: string,
): ImportMessage | string | undefined {
  const message = node.record.message
  if (!isRecord(message)) return undefined
  const author = isRecord(message.author) ? text(message.author.role) : undefined
  const rendered = renderContent(message.content)
  if (rendered.text.trim() === '') return undefined
  const role = author === undefined ? undefined : ROLES[author]
  if (role === undefined) return `unknown author role ${JSON.stringify(author ?? null)}`
  const time = timeOf(message.create_time)
  const created_at = typeof time === 'string' ? time : (parent?.created_at ?? conversationCreated)
  const meta = isRecord(message.metadata) ? message.metadata : {}
  const messageId = text(message.id) ?? node.id
  const chatgpt: JsonRecord = {
    message_id: messageId,
    content_type: rendered.content_type,
    ...(typeof meta.request_id === 'string' ? { request_id: meta.request_id } : {}),
    ...(meta.is_visually_hidden_from_conversation === true ? { hidden: true } : {}),
    ...(typeof message.recipient === 'string' && message.recipient !== 'all'
      ? { recipient: message.recipient }
      : {}),
    ...(isRecord(message.author) && typeof message.author.name === 'string'
      ? { author_name: message.author.name }
      : {}),
  }
  const built: ImportMessage = {
    id: stableId('chatgpt/message', `${conversationKey}\u0000${messageId}`, created_at),
    parent_id: parent?.id ?? null,
    role,
    content: rendered.text,
    request_id: null,
    tokens_used: 0,
    model_version: clipped(meta.model_slug, LIMITS.short_text),
    context_documents: [],
    metadata: { chatgpt: { ...chatgpt, attachments: rendered.attachments } },
    created_at,
  }
  if (rendered.attachments.length === 0) built.metadata = { chatgpt }
  else if (Buffer.byteLength(JSON.stringify(built.metadata)) > LIMITS.json_bytes) {
    // Attachments are pointers and sizes; past the metadata limit only their count is kept.
    built.metadata = { chatgpt: { ...chatgpt, attachments_omitted: rendered.attachments.length } }
  }
  return messageProblem(built) ?? built
}
