import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { expect } from 'vitest'
import {
  ChatkeepError,
  type Conversation,
  ERROR_CODES,
  type ErrorCode,
  type Message,
  type Store,
  type User,
} from '../../src/index.js'

/** ISO-8601 in UTC with milliseconds, as every data object carries its times. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Ids that are not UUIDs at all: each must answer exactly as a missing row does. */
export const MALFORMED_IDS = ['', 'not-a-uuid', '42', "1' or '1'='1", `${randomUUID()}x`]

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let counter = 0
/** A name no other test of the run uses (the tests of one file share a database). */
export function uniqueName(prefix = 'user'): string {
  counter += 1
  return `${prefix}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`
}

export function missingId(): string {
  return randomUUID()
}

export function createUser(store: Store, prefix = 'user'): Promise<User> {
  return store.users.create({ username: uniqueName(prefix) })
}

/** A user with one conversation, the usual starting point. */
export async function userWithConversation(
  store: Store,
  prefix = 'user',
): Promise<{ user: User; conversation: Conversation }> {
  const user = await createUser(store, prefix)
  const conversation = await store.conversations.create({ user_id: user.id })
  return { user, conversation }
}

/**
 * Awaits the call and asserts it failed with a ChatkeepError of `code` (and `field`, when given),
 * whose status is the one ERROR_CODES assigns to the code. Returns the error.
 */
export async function expectError(
  work: Promise<unknown> | (() => Promise<unknown>),
  code: ErrorCode,
  field?: string,
): Promise<ChatkeepError> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown }
  try {
    outcome = { ok: true, value: await (typeof work === 'function' ? work() : work) }
  } catch (error) {
    outcome = { ok: false, error }
  }
  if (outcome.ok) {
    expect.fail(`expected ChatkeepError ${code}, got ${JSON.stringify(outcome.value)}`)
  }
  const error = outcome.error
  expectChatkeepError(error)
  expect({ code: error.code, message: error.message }).toMatchObject({ code })
  if (field !== undefined) expect(error.field).toBe(field)
  return error
}

/** A ChatkeepError whose code is one of ERROR_CODES and whose status matches it. */
export function expectChatkeepError(error: unknown): asserts error is ChatkeepError {
  if (!(error instanceof ChatkeepError)) {
    expect.fail(`expected a ChatkeepError, got ${String(error)}`)
  }
  expect(Object.keys(ERROR_CODES)).toContain(error.code)
  expect(error.status).toBe(ERROR_CODES[error.code])
  expect(error.name).toBe('ChatkeepError')
  expect(typeof error.message).toBe('string')
  expect(error.message.length).toBeGreaterThan(0)
}

/** What a caller can compare between two failures; the message names the id, so it is left out. */
export function errorShape(error: ChatkeepError) {
  return {
    class: error.constructor.name,
    code: error.code,
    status: error.status,
    field: error.field,
  }
}

/** Rows of a table, straight from the database. */
export async function countRows(
  store: Store,
  table: string,
  where: Record<string, string | null> = {},
): Promise<number> {
  const conditions = Object.entries(where).map(([column, value]) =>
    value === null ? sql`${sql.ref(column)} is null` : sql`${sql.ref(column)} = ${value}`,
  )
  const filter = conditions.length === 0 ? sql`` : sql` where ${sql.join(conditions, sql` and `)}`
  const result = await sql<{
    n: number | string
  }>`select count(*) as n from ${sql.table(table)}${filter}`.execute(store.database.kysely)
  return Number(result.rows[0]!.n)
}

export function expectTime(value: unknown): void {
  expect(value).toMatch(ISO_TIME)
  expect(new Date(value as string).toISOString()).toBe(value)
}

export function expectUserShape(user: User): void {
  expect(Object.keys(user).sort()).toEqual(
    [
      'id',
      'username',
      'display_name',
      'email',
      'role',
      'is_active',
      'discord_id',
      'preferences',
      'created_at',
      'updated_at',
      'last_login_at',
    ].sort(),
  )
  expect(user.id).toMatch(UUID)
  expect(typeof user.username).toBe('string')
  expect(typeof user.is_active).toBe('boolean')
  expect(['user', 'admin']).toContain(user.role)
  expectPlainObject(user.preferences)
  expectTime(user.created_at)
  expectTime(user.updated_at)
  if (user.last_login_at !== null) expectTime(user.last_login_at)
}

export function expectConversationShape(conversation: Conversation): void {
  expect(Object.keys(conversation).sort()).toEqual(
    [
      'id',
      'short_id',
      'user_id',
      'title',
      'status',
      'origin',
      'discord_channel_id',
      'parameters',
      'metadata',
      'message_count',
      'total_tokens',
      'active_leaf_id',
      'forked_from',
      'created_at',
      'updated_at',
      'last_activity',
      'archived_at',
      'ended_at',
      'deleted_at',
      'retention',
      'temporary',
      'expires_at',
    ].sort(),
  )
  expect(conversation.id).toMatch(UUID)
  expect(conversation.user_id).toMatch(UUID)
  expect(conversation.short_id).toMatch(/^[0-9A-Za-z]{10}$/)
  expect(['active', 'archived', 'closed']).toContain(conversation.status)
  expectPlainObject(conversation.parameters)
  expectPlainObject(conversation.metadata)
  expect(Number.isSafeInteger(conversation.message_count)).toBe(true)
  expect(Number.isSafeInteger(conversation.total_tokens)).toBe(true)
  if (conversation.active_leaf_id !== null) expect(conversation.active_leaf_id).toMatch(UUID)
  if (conversation.forked_from !== null) {
    expect(Object.keys(conversation.forked_from).sort()).toEqual(['conversation_id', 'message_id'])
  }
  for (const key of ['created_at', 'updated_at', 'last_activity'] as const) {
    expectTime(conversation[key])
  }
  for (const key of ['archived_at', 'ended_at', 'deleted_at'] as const) {
    if (conversation[key] !== null) expectTime(conversation[key])
  }
}

export function expectMessageShape(message: Message): void {
  expect(Object.keys(message).sort()).toEqual(
    [
      'id',
      'conversation_id',
      'user_id',
      'sequence',
      'parent_id',
      'role',
      'content',
      'parts',
      'request_id',
      'tokens_used',
      'prompt_tokens',
      'completion_tokens',
      'model_version',
      'context_documents',
      'metadata',
      'feedback',
      'feedback_reason',
      'created_at',
      'deleted_at',
      'status',
      'finish_reason',
      'completed_at',
    ].sort(),
  )
  expect(['complete', 'streaming', 'aborted', 'failed']).toContain(message.status)
  if (message.completed_at !== null) expectTime(message.completed_at)
  expect(message.id).toMatch(UUID)
  expect(message.conversation_id).toMatch(UUID)
  expect(message.user_id).toMatch(UUID)
  expect(Number.isSafeInteger(message.sequence)).toBe(true)
  expect(Number.isSafeInteger(message.tokens_used)).toBe(true)
  for (const part of [message.prompt_tokens, message.completion_tokens]) {
    if (part !== null) expect(Number.isSafeInteger(part)).toBe(true)
  }
  expect(typeof message.content).toBe('string')
  expect(Array.isArray(message.context_documents)).toBe(true)
  expectPlainObject(message.metadata)
  expect([null, -1, 1]).toContain(message.feedback)
  expectTime(message.created_at)
  if (message.deleted_at !== null) expectTime(message.deleted_at)
}

function expectPlainObject(value: unknown): void {
  expect(typeof value).toBe('object')
  expect(value).not.toBeNull()
  expect(Array.isArray(value)).toBe(false)
}

/**
 * SQLite: FTS5 compares its index with the messages themselves (rank 1 reads the content
 * table) and fails on any entry missing, extra or indexed twice. Only true once nothing is
 * pending. PostgreSQL's GIN index is the database's own to keep right.
 */
export async function expectIndexMatchesMessages(store: Store): Promise<void> {
  if (store.engine !== 'sqlite') return
  await sql`insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)`.execute(
    store.database.kysely,
  )
}
