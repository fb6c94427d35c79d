import { readInstant } from '../schemas/date-time.js'
import { Type } from '@sinclair/typebox'
import type { MessageCipher } from '../crypto/message-cipher.js'
import { ChatkeepError, notFound } from '../errors.js'
import { encodeJson } from '../db/codec.js'
import { insertPlacedMessages, MAX_PATH_DEPTH, pathMessages } from '../db/messages-table.js'
import type { Database } from '../db/database.js'
import { isDriverError, violatedUniqueKey } from '../db/driver-errors.js'
import { isShortId, shortId } from '../lib/short-id.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import { eventRow, insertEvents } from '../repositories/events.js'
import * as conversations from '../repositories/conversations.js'
import type { Owner } from '../repositories/conversations.js'
import * as messages from '../repositories/messages.js'
import {
  type Conversation,
  type ConversationStatus,
  ConversationStatusSchema,
  type Page,
} from '../schemas/data.js'
import {
  type ConversationListOptions,
  ConversationListSchema,
  type ConversationUpdate,
  ConversationUpdateSchema,
  type ForkOptions,
  ForkSchema,
  type NewConversation,
  NewConversationSchema,
} from '../schemas/inputs.js'
import { LIMITS } from '../schemas/limits.js'
import { checkJsonSize, validator } from '../schemas/validate.js'
import { sealMessage } from './messages.js'
import { encodePolicy } from '../repositories/retention-policies.js'
import { DEFAULT_TEMPORARY_TTL_HOURS } from '../schemas/retention.js'
import { refuseIfConversationHeld } from './legal-holds.js'
import { insertAuditEvents } from '../repositories/audit-events.js'
import { type AuditContext, auditRow } from './audit.js'
import { checkCursors, toPage } from './page.js'

const validateNew = validator(NewConversationSchema)
const validateUpdate = validator(ConversationUpdateSchema)
const validateList = validator(ConversationListSchema)
const validateCount = validator(
  Type.Object({ status: Type.Optional(ConversationStatusSchema) }, { additionalProperties: false }),
)
const validateFork = validator(ForkSchema)

/**
 * Conversations of one owner (or of anyone, for an admin). Another user's conversation is
 * reported exactly as a missing one: `not_found`.
 */
export class ConversationService {
  constructor(
    private readonly db: Database,
    private readonly owner: Owner,
    /** Encryption at rest: a fork's copies are sealed anew, to their own ids. */
    private readonly cipher: MessageCipher | null = null,
  ) {}

  /**
   * @example
   * const chat = await store.conversations.create({ user_id: alice.id, title: 'Trip to Lisbon' })
   */
  async create(input: NewConversation): Promise<Conversation> {
    const data = validateNew(input)
    checkJsonSize('parameters', data.parameters)
    checkJsonSize('metadata', data.metadata)
    const userId = this.ownerFor(data.user_id)
    if (data.ttl_hours !== undefined && data.temporary !== true) {
      throw new ChatkeepError('validation_failed', '/ttl_hours: only with temporary: true.', {
        field: '/ttl_hours',
      })
    }
    const created = new Date()
    const now = created.toISOString()
    const status = data.status ?? 'active'
    const ttlHours = data.ttl_hours ?? DEFAULT_TEMPORARY_TTL_HOURS
    const row = {
      id: uuid7(),
      short_id: shortId(),
      user_id: userId,
      title: data.title ?? null,
      status,
      origin: data.origin ?? 'api',
      discord_channel_id: data.discord_channel_id ?? null,
      parameters: encodeJson(data.parameters ?? {}),
      metadata: encodeJson(data.metadata ?? {}),
      message_count: 0,
      total_tokens: 0,
      active_leaf_id: null,
      forked_from: null,
      created_at: now,
      updated_at: now,
      last_activity: now,
      archived_at: status === 'archived' ? now : null,
      ended_at: status === 'closed' ? now : null,
      deleted_at: null,
      ...encodePolicy(data.retention ?? null),
      expires_at:
        data.temporary === true
          ? new Date(created.getTime() + ttlHours * 3_600_000).toISOString()
          : null,
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const inserted = await this.db.transaction(async (tx) => {
          const stored = await conversations.insertConversation(tx, row)
          await insertEvents(
            tx,
            eventRow(
              'conversation.created',
              { user_id: userId, conversation_id: row.id },
              { title: row.title, status, origin: row.origin },
              now,
            ),
          )
          return stored
        })
        return conversations.decodeConversation(this.db.codec, inserted)
      } catch (error) {
        const mine = await conversations.getConversationAnyState(this.db, row.id, null)
        if (mine !== undefined) return conversations.decodeConversation(this.db.codec, mine)
        // Ten random characters collide about never; draw again rather than fail.
        if (violatedUniqueKey(error) === 'conversations_short_id_key' && attempt < 3) {
          row.short_id = shortId()
          continue
        }
        throw this.explain(error, userId)
      }
    }
  }

  /**
   * By id, or by short_id (the 10-character id for URLs).
   * @example
   * const chat = await store.conversations.get('4fZq9XbT2k')
   */
  async get(idOrShortId: string): Promise<Conversation> {
    const row =
      typeof idOrShortId === 'string' && isShortId(idOrShortId)
        ? await conversations.getConversationByShortId(this.db, idOrShortId, this.owner)
        : undefined
    return conversations.decodeConversation(this.db.codec, row ?? (await this.getRow(idOrShortId)))
  }

  /**
   * Seed 002's `count_for_user`: the user's live conversations, `status` only those of it. A
   * user's store counts only its own: another user's id is `not_found`.
   * @example
   * const open = await store.conversations.countForUser(alice.id, { status: 'active' })
   */
  async countForUser(
    userId: string,
    options: { status?: ConversationStatus } = {},
  ): Promise<number> {
    const { status } = validateCount(options)
    if (!isUuid(userId) || (this.owner !== null && userId !== this.owner)) {
      throw notFound('user', userId)
    }
    const counts = await conversations.countConversationsByStatus(this.db, userId)
    return counts
      .filter((c) => status === undefined || c.status === status)
      .reduce((sum, c) => sum + c.count, 0)
  }

  /** Live conversations, most recently active first; temporary ones only with include_temporary. */
  async list(
    options: ConversationListOptions & { user_id?: string } = {},
  ): Promise<Page<Conversation>> {
    const { user_id, ...rest } = options
    const data = validateList(rest)
    checkCursors(data, 'conversation')
    if (user_id !== undefined && !isUuid(user_id)) {
      throw new ChatkeepError('validation_failed', '/user_id: must be a user id (UUID).', {
        field: '/user_id',
      })
    }
    const limit = data.limit ?? LIMITS.default_page
    const owner = this.owner ?? (user_id === undefined ? null : user_id)
    const { active_since, active_until } = data
    const rows = await conversations.listConversations(this.db, {
      ...data,
      owner,
      limit,
      active_since:
        active_since === undefined ? undefined : readInstant(active_since, '/active_since'),
      active_until:
        active_until === undefined ? undefined : readInstant(active_until, '/active_until'),
    })
    return toPage(rows, limit, data.before !== undefined, (row) =>
      conversations.decodeConversation(this.db.codec, row),
    )
  }

  async update(id: string, input: ConversationUpdate): Promise<Conversation> {
    const data = validateUpdate(input)
    checkJsonSize('parameters', data.parameters)
    checkJsonSize('metadata', data.metadata)
    const now = new Date().toISOString()
    const patch = {
      ...(data.title !== undefined ? { title: data.title } : {}),
      ...(data.parameters !== undefined ? { parameters: encodeJson(data.parameters) } : {}),
      ...(data.metadata !== undefined ? { metadata: encodeJson(data.metadata) } : {}),
      ...(data.status !== undefined ? statusChange(data.status, now) : {}),
      ...(data.active_leaf_id !== undefined ? { active_leaf_id: data.active_leaf_id } : {}),
      ...(data.retention !== undefined ? encodePolicy(data.retention) : {}),
      updated_at: now,
    }
    if (!isUuid(id)) throw notFound('conversation', id)
    const leaf = data.active_leaf_id
    const row = await this.db.transaction(async (tx) => {
      if (leaf !== undefined) {
        const message = isUuid(leaf) ? await messages.getMessage(tx, leaf, this.owner) : undefined
        if (message === undefined || message.conversation_id !== id) {
          await this.getRow(id, tx)
          throw new ChatkeepError(
            'validation_failed',
            '/active_leaf_id: must be the id of a live message of this conversation.',
            { field: '/active_leaf_id' },
          )
        }
      }
      const updated = await conversations.updateConversation(tx, id, this.owner, patch)
      if (updated !== undefined) {
        await insertEvents(
          tx,
          eventRow(
            'conversation.updated',
            subjectOf(updated),
            { changed: Object.keys(data), ...data },
            now,
          ),
        )
      }
      return updated
    })
    if (row === undefined) throw notFound('conversation', id)
    return conversations.decodeConversation(this.db.codec, row)
  }

  /**
   * Copies the path root → `message_id` (the active leaf by default) into a new conversation of
   * the same owner, with new ids and sequences 1..k and the originals' times; `forked_from`
   * names where it came from. Soft-deleted messages of the path are not copied.
   * @example
   * const copy = await store.conversations.fork(chat.id, { message_id: answer.id })
   */
  async fork(id: string, options: ForkOptions = {}): Promise<Conversation> {
    const data = validateFork(options)
    const source = await this.getRow(id)
    const leaf = data.message_id ?? source.active_leaf_id
    const rows =
      leaf === null || !isUuid(leaf)
        ? []
        : await pathMessages(this.db, {
            conversation_id: id,
            owner: this.owner,
            leaf,
            n: MAX_PATH_DEPTH,
          })
    if (rows.length === 0) {
      throw new ChatkeepError(
        data.message_id === undefined ? 'validation_failed' : 'not_found',
        data.message_id === undefined
          ? '/message_id: the conversation has no messages to fork; give a message_id.'
          : `/message_id: no live path ends at message ${data.message_id} in this conversation.`,
        { field: '/message_id' },
      )
    }
    if (this.cipher !== null) {
      await this.cipher.prepare(this.db, rows)
      await this.cipher.ensure(source.user_id)
    }
    const path = rows.map((row) => messages.decodeMessage(this.db.codec, row, this.cipher))
    const now = new Date().toISOString()
    const copyId = uuid7()
    let parent: string | null = null
    const copies = path.map((m) => {
      const ids = { id: uuid7(), conversation_id: copyId, user_id: source.user_id }
      const sealed =
        this.cipher === null ? null : sealMessage(this.cipher, m.content, m.parts ?? null, ids)
      // A copy is a snapshot: an answer still streaming in the original ends there with what it had.
      const status = m.status === 'streaming' ? 'aborted' : m.status
      // The embedding stays with the original: recall would otherwise find each message twice.
      const copy = { ...m, id: ids.id, parent_id: parent, sealed, status, embedding: null }
      parent = copy.id
      return copy
    })
    const row = {
      id: copyId,
      short_id: shortId(),
      user_id: source.user_id,
      title: data.title !== undefined ? data.title : source.title,
      status: 'active',
      origin: source.origin,
      discord_channel_id: null,
      parameters: encodeJson(this.db.codec.json(source.parameters)),
      metadata: encodeJson(this.db.codec.json(source.metadata)),
      message_count: copies.length,
      total_tokens: copies.reduce((sum, m) => sum + m.tokens_used, 0),
      active_leaf_id: copies.at(-1)!.id,
      forked_from: encodeJson({ conversation_id: id, message_id: path.at(-1)!.id }),
      created_at: now,
      updated_at: now,
      last_activity: now,
      archived_at: null,
      ended_at: null,
      deleted_at: null,
    }
    const inserted = await this.db.transaction(async (tx) => {
      const created = await conversations.insertConversation(tx, row)
      await insertPlacedMessages(
        tx,
        { conversation_id: copyId, user_id: source.user_id, first_sequence: 1 },
        copies,
      )
      return created
    })
    return conversations.decodeConversation(this.db.codec, inserted)
  }

  archive(id: string): Promise<Conversation> {
    return this.update(id, { status: 'archived' })
  }

  unarchive(id: string): Promise<Conversation> {
    return this.update(id, { status: 'active' })
  }

  /**
   * Soft delete: the conversation and its messages disappear from every read until restored.
   * Refused with `legal_hold` while a hold covers it or its user.
   */
  /**
   * Soft-deletes a conversation with its messages. With `actor`, the deletion is audited
   * (`conversation.delete`) in the same transaction: both commit or neither does.
   */
  async delete(id: string, actor?: AuditContext): Promise<void> {
    const at = new Date().toISOString()
    const deleted =
      isUuid(id) &&
      (await this.db.transaction(async (tx) => {
        const owner = await conversations.getConversation(tx, id, this.owner)
        if (owner === undefined) return false
        if (!(await conversations.softDeleteConversation(tx, id, this.owner, at))) return false
        // Asked once the caller is known to own it, so a hold is never news to anyone else.
        await refuseIfConversationHeld(tx, id)
        await insertEvents(tx, eventRow('conversation.deleted', subjectOf(owner), {}, at))
        if (actor !== undefined) {
          const target = { type: 'conversation', id }
          await insertAuditEvents(tx, auditRow('conversation.delete', actor, target, {}, at))
        }
        return true
      }))
    if (!deleted) throw notFound('conversation', id)
  }

  /**
   * Undoes a soft delete, bringing back the messages that went with the conversation. With
   * `actor`, audited (`conversation.restore`) in the same transaction.
   */
  async restore(id: string, actor?: AuditContext): Promise<Conversation> {
    if (!isUuid(id)) throw notFound('conversation', id)
    const at = new Date().toISOString()
    const row = await this.db.transaction(async (tx) => {
      const current = await conversations.getConversationAnyState(tx, id, this.owner)
      if (current === undefined) return undefined
      if (current.deleted_at === null) return current
      const restored = await conversations.restoreConversation(tx, current, at)
      await insertEvents(tx, eventRow('conversation.restored', subjectOf(current), {}, at))
      if (actor !== undefined) {
        const target = { type: 'conversation', id: current.id }
        const details = { owner_id: current.user_id }
        await insertAuditEvents(tx, auditRow('conversation.restore', actor, target, details, at))
      }
      return restored
    })
    if (row === undefined) throw notFound('conversation', id)
    return conversations.decodeConversation(this.db.codec, row)
  }

  /**
   * The conversation bound to a Discord channel, created on first use. When the bound one was
   * soft-deleted, it lets go of the channel (and stays restorable) and a new one is made.
   */
  async findOrCreateByDiscordChannel(
    channelId: string,
    defaults: Omit<NewConversation, 'discord_channel_id'> = {},
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const data = validateNew({ ...defaults, discord_channel_id: channelId })
    const userId = this.ownerFor(data.user_id)
    for (let attempt = 0; ; attempt++) {
      const existing = await this.db.transaction(async (tx) => {
        const row = await conversations.getConversationByDiscordChannel(tx, channelId)
        if (row === undefined || row.deleted_at === null) return row
        await conversations.unbindDiscordChannel(tx, row.id)
        return undefined
      })
      if (existing !== undefined) {
        // Whose it is stays unsaid: the answer is the one any taken channel gets.
        if (existing.user_id !== userId) throw channelTaken()
        return {
          conversation: conversations.decodeConversation(this.db.codec, existing),
          created: false,
        }
      }
      try {
        return { conversation: await this.create({ ...data, user_id: userId }), created: true }
      } catch (error) {
        // Another caller bound the channel between our look and our insert: use theirs.
        if (
          attempt < 2 &&
          error instanceof ChatkeepError &&
          error.field === '/discord_channel_id'
        ) {
          continue
        }
        throw error
      }
    }
  }

  private async getRow(id: string, db: Database = this.db) {
    const row = isUuid(id) ? await conversations.getConversation(db, id, this.owner) : undefined
    if (row === undefined) throw notFound('conversation', id)
    return row
  }

  private ownerFor(userId: string | undefined): string {
    if (this.owner !== null) {
      if (userId !== undefined && userId !== this.owner) {
        throw new ChatkeepError(
          'forbidden',
          '/user_id: you can only create your own conversations.',
          {
            field: '/user_id',
          },
        )
      }
      return this.owner
    }
    if (userId === undefined) {
      throw new ChatkeepError(
        'validation_failed',
        '/user_id: required: whose conversation is it?',
        {
          field: '/user_id',
        },
      )
    }
    if (!isUuid(userId)) throw notFound('user', userId)
    return userId
  }

  private explain(error: unknown, userId: string): unknown {
    if (violatedUniqueKey(error) === 'conversations_discord_channel_id_key')
      return channelTaken(error)
    if (isDriverError(error, 'foreign_key_violation')) return notFound('user', userId)
    return error
  }
}

const subjectOf = (row: { id: string; user_id: string }) => ({
  user_id: row.user_id,
  conversation_id: row.id,
})

function statusChange(status: ConversationStatus, now: string) {
  switch (status) {
    case 'active':
      return { status, archived_at: null, ended_at: null }
    case 'archived':
      return { status, archived_at: now }
    case 'closed':
      return { status, ended_at: now }
  }
}

/** A Discord channel bound to a conversation already, whoever's it is. */
const channelTaken = (cause?: unknown): ChatkeepError =>
  new ChatkeepError(
    'conflict',
    '/discord_channel_id: another conversation is bound to this channel.',
    {
      field: '/discord_channel_id',
      ...(cause === undefined ? {} : { cause }),
    },
  )
