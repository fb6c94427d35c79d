import { createHash } from 'node:crypto'
import { refreshStatistics } from '../../db/migrator.js'
import { canonicalJson } from '../../lib/canonical-json.js'
import type { ConversationStatus, Role } from '../../schemas/data.js'
import { LIMITS } from '../../schemas/limits.js'
import type { Store } from '../../store.js'
import { clipped, count, field, isRecord, type JsonRecord, text, timeField } from './fields.js'
import { emptyReport, type ImportReport, stopped } from './report.js'
import { stableId } from './stable-id.js'
import { importDocuments } from './tinydb-documents.js'
import { readTinyDb, type TinyDbDocument } from './tinydb-file.js'
import { importSessions } from './tinydb-sessions.js'
import { importUsers, USER_REF_FIELDS, type UserRefs } from './tinydb-users.js'
import {
  conversationProblem,
  type ImportConversation,
  type ImportMessage,
  latest,
  messageProblem,
  writeConversation,
} from './writer.js'

export interface TinyDbImportOptions {
  /** Called as conversations are written: how many so far, out of how many. */
  progress?: (done: number, total: number) => void
}

/**
 * Imports a TinyDB JSON database (seed 003's layout: users, conversations, messages, sessions,
 * documents) idempotently: running it again on the same file changes nothing, and on a newer
 * file adds only what is new. Records that cannot be placed are reported and skipped; a
 * database failure stops the import with every conversation before it complete and nothing of
 * the one it was writing. docs/operations.md lists the fields read from each table.
 * @example
 * const report = await importTinyDb(store, 'db.json')
 * for (const g of report.generated_passwords) console.log(g.username, g.password)
 */
export async function importTinyDb(
  store: Store,
  file: string,
  options: TinyDbImportOptions = {},
): Promise<ImportReport> {
  const db = store.database
  const { tables, ignored } = await readTinyDb(file)
  const report = emptyReport('tinydb', file)
  for (const name of ignored) {
    report.notes.push(`table ${name} is not one Chatkeep imports; it was left out`)
  }
  const importedAt = new Date().toISOString()
  const refs = await importUsers(db, tables.users, report, importedAt)
  const conversations = collectConversations(tables.conversations, refs, report)
  collectMessages(tables.messages, conversations, report)
  await writeConversations(store, [...conversations.byKey.values()], report, options)
  await importSessions(db, tables.sessions, refs, report, importedAt)
  await importDocuments(db, tables.documents, refs, report)
  await refreshStatistics(db)
  return report
}

/** A conversation of the file with the messages that go into it, before it is written. */
interface Pending {
  key: string
  doc_id: string
  record: JsonRecord
  user_id: string
  created_at: string | undefined
  updated_at: string | undefined
  last_activity: string | undefined
  messages: { message: ImportMessage; order: number }[]
  /** Content hashes seen, for duplicates within the file. */
  hashes: Set<string>
}

interface Conversations {
  byKey: Map<string, Pending>
  /** Keys of conversations skipped, so that their messages say why they went too. */
  skipped: Map<string, string>
}

const CONVERSATION_KEY = ['conversation_id', 'id', 'session_id'] as const

function collectConversations(
  docs: readonly TinyDbDocument[],
  refs: UserRefs,
  report: ImportReport,
): Conversations {
  const byKey = new Map<string, Pending>()
  const skipped = new Map<string, string>()
  for (const { doc_id, value } of docs) {
    const skip = (reason: string, key?: string) => {
      report.skipped.push({ table: 'conversations', doc_id, reason })
      if (key !== undefined && !byKey.has(key)) skipped.set(key, doc_id)
    }
    if (!isRecord(value)) {
      skip('not an object')
      continue
    }
    const key = text(field(value, CONVERSATION_KEY))
    if (key === undefined || key === '') {
      skip('missing required field conversation_id')
      continue
    }
    const earlier = byKey.get(key)
    if (earlier !== undefined) {
      report.duplicates.conversations++
      skip(`duplicate of conversations #${earlier.doc_id} (conversation_id ${key}); left out`)
      continue
    }
    const ref = text(field(value, USER_REF_FIELDS))
    if (ref === undefined) {
      skip('missing required field user_id', key)
      continue
    }
    const userId = refs.resolve(ref)
    if (userId === undefined) {
      skip(`orphan: its user ${JSON.stringify(ref)} is not among the users imported`, key)
      continue
    }
    const created = timeField(value, ['created_at', 'created', 'timestamp'])
    const updated = timeField(value, ['updated_at', 'modified_at'])
    const active = timeField(value, ['last_activity', 'last_message_at'])
    const bad = [created, updated, active].find((t) => 'problem' in t)
    if (bad !== undefined && 'problem' in bad) {
      skip(bad.problem, key)
      continue
    }
    byKey.set(key, {
      key,
      doc_id,
      record: value,
      user_id: userId,
      created_at: 'time' in created ? created.time : undefined,
      updated_at: 'time' in updated ? updated.time : undefined,
      last_activity: 'time' in active ? active.time : undefined,
      messages: [],
      hashes: new Set(),
    })
  }
  return { byKey, skipped }
}

const ROLES: Record<string, Role> = {
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  ai: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
}

function collectMessages(
  docs: readonly TinyDbDocument[],
  conversations: Conversations,
  report: ImportReport,
): void {
  docs.forEach(({ doc_id, value }, order) => {
    const skip = (reason: string) => report.skipped.push({ table: 'messages', doc_id, reason })
    if (!isRecord(value)) return skip('not an object')
    const key = text(field(value, ['conversation_id', 'session_id']))
    if (key === undefined) return skip('missing required field conversation_id')
    const pending = conversations.byKey.get(key)
    if (pending === undefined) {
      const skippedAt = conversations.skipped.get(key)
      return skip(
        skippedAt === undefined
          ? `orphan: conversation ${key} does not exist`
          : `its conversation ${key} (conversations #${skippedAt}) was skipped`,
      )
    }
    const rawRole = text(field(value, ['role', 'sender', 'type']))
    if (rawRole === undefined) return skip('missing required field role')
    const role = ROLES[rawRole.toLowerCase()]
    if (role === undefined) return skip(`unknown role ${JSON.stringify(rawRole)}`)
    const content = field(value, ['content', 'text', 'message'])
    if (typeof content !== 'string') return skip('missing required field content')
    const time = timeField(value, ['timestamp', 'created_at', 'created'])
    if ('problem' in time) return skip(time.problem)
    if (time.time === undefined) return skip('missing required field timestamp')
    const created_at = time.time
    // The natural key: what was said, by whom and when, within its conversation.
    const hash = createHash('sha256')
      .update(canonicalJson({ role, content, created_at }))
      .digest('hex')
    if (pending.hashes.has(hash)) {
      report.duplicates.messages++
      return
    }
    const metadata = isRecord(value.metadata) ? value.metadata : {}
    const documents = field(value, ['used_documents', 'context_documents'])
    const message: ImportMessage = {
      id: stableId('tinydb/message', `${key}\u0000${hash}`, created_at),
      parent_id: null,
      role,
      content,
      request_id: null,
      tokens_used: count(field(value, ['token_count', 'tokens_used', 'tokens'])),
      model_version: clipped(field(value, ['model_version', 'model']), LIMITS.short_text),
      context_documents: Array.isArray(documents) ? documents : [],
      metadata: { ...metadata, import: { source: 'tinydb', doc_id, content_hash: hash } },
      created_at,
    }
    const problem = messageProblem(message)
    if (problem !== undefined) return skip(problem)
    pending.hashes.add(hash)
    pending.messages.push({ message, order })
  })
}

const STATUSES: readonly ConversationStatus[] = ['active', 'archived', 'closed']

async function writeConversations(
  store: Store,
  pending: Pending[],
  report: ImportReport,
  options: TinyDbImportOptions,
): Promise<void> {
  let done = 0
  for (const p of pending) {
    options.progress?.(done++, pending.length)
    const skip = (reason: string) =>
      report.skipped.push({
        table: 'conversations',
        doc_id: p.doc_id,
        reason:
          p.messages.length > 0 ? `${reason} (${p.messages.length} messages left out)` : reason,
      })
    // Created_at order, ties in the order TinyDB stored them.
    const messages = p.messages
      .sort((a, b) => compareText(a.message.created_at, b.message.created_at) || a.order - b.order)
      .map((m) => m.message)
    const created_at = p.created_at ?? messages[0]?.created_at
    if (created_at === undefined) {
      skip('missing required field created_at, and no messages to date it by')
      continue
    }
    const status = STATUSES.find((s) => s === p.record.status) ?? 'active'
    const updated_at = p.updated_at ?? latest([created_at, ...messages.map((m) => m.created_at)])
    const conversation: ImportConversation = {
      id: stableId('tinydb/conversation', p.key, created_at),
      user_id: p.user_id,
      title: clipped(field(p.record, ['title', 'name']), LIMITS.title),
      status: p.record.is_archived === true && status === 'active' ? 'archived' : status,
      origin: 'tinydb',
      parameters: isRecord(p.record.parameters) ? p.record.parameters : {},
      metadata: {
        ...(isRecord(p.record.metadata) ? p.record.metadata : {}),
        import: { source: 'tinydb', conversation_id: p.key, doc_id: p.doc_id },
      },
      created_at,
      updated_at,
      last_activity: p.last_activity ?? created_at,
    }
    const problem = conversationProblem(conversation)
    if (problem !== undefined) {
      skip(problem)
      continue
    }
    let outcome
    try {
      outcome = await writeConversation(store, conversation, messages)
    } catch (error) {
      throw stopped(error, `conversations #${p.doc_id} (conversation_id ${p.key})`, report)
    }
    if (outcome.kind === 'refused') {
      skip(outcome.reason)
      continue
    }
    report[outcome.created ? 'created' : 'existing'].conversations++
    report.created.messages += outcome.inserted
    report.existing.messages += outcome.existing
  }
  options.progress?.(done, pending.length)
}

/** ISO-8601 UTC times with milliseconds sort as plain text. */
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
