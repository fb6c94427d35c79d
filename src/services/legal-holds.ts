import type { Database } from '../db/database.js'
import { ChatkeepError, notFound } from '../errors.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import * as audit from '../repositories/audit-events.js'
import { getConversationAnyState } from '../repositories/conversations.js'
import * as holds from '../repositories/legal-holds.js'
import { getUser } from '../repositories/users.js'
import {
  type LegalHold,
  type LegalHoldListOptions,
  LegalHoldListSchema,
  type NewLegalHold,
  NewLegalHoldSchema,
} from '../schemas/retention.js'
import { validator } from '../schemas/validate.js'
import { type AuditContext, auditRow } from './audit.js'

const validateNew = validator(NewLegalHoldSchema)
const validateList = validator(LegalHoldListSchema)

/** What a delete, purge or erasure of something held answers, to anyone. */
export function legalHoldError(what: string, hold: holds.LegalHoldRow): ChatkeepError {
  return new ChatkeepError(
    'legal_hold',
    `${what} is under legal hold ${hold.id} and cannot be deleted, purged or erased until an ` +
      'admin releases the hold (DELETE /v1/admin/legal-holds/{id}).',
  )
}

/** Throws `legal_hold` when a hold in force covers the conversation (itself or its user). */
export async function refuseIfConversationHeld(db: Database, conversation_id: string) {
  const hold = await holds.holdOnConversation(db, conversation_id)
  if (hold !== undefined) throw legalHoldError(`Conversation ${conversation_id}`, hold)
}

/** Throws `legal_hold` when a hold in force covers the user or any conversation of theirs. */
export async function refuseIfUserHeld(db: Database, user_id: string) {
  const hold = await holds.holdOnUser(db, user_id)
  if (hold !== undefined) throw legalHoldError(`User ${user_id}`, hold)
}

/** Throws `legal_hold` when a hold in force covers the document's owner. */
export async function refuseIfOwnerHeld(db: Database, user_id: string | null, what: string) {
  if (user_id === null) return
  const [hold] = await holds.listLegalHolds(db, { active: true, user_id })
  if (hold !== undefined) throw legalHoldError(what, hold)
}

/**
 * Legal holds (`store.legalHolds`, admins): a held user or conversation cannot be deleted,
 * purged or erased by anyone (`legal_hold`, 409) until the hold is released. Placing and
 * releasing a hold is audited in the same transaction.
 */
export class LegalHoldService {
  constructor(private readonly db: Database) {}

  /**
   * @example
   * await store.legalHolds.create({ user_id: ada.id, reason: 'Case 2026-114' })
   */
  async create(input: NewLegalHold, context: AuditContext = {}): Promise<LegalHold> {
    const data = validateNew(input)
    const user_id = data.user_id
    const conversation_id = data.conversation_id
    if ((user_id === undefined) === (conversation_id === undefined)) {
      throw new ChatkeepError(
        'validation_failed',
        '/: name exactly one of user_id (everything of that user) or conversation_id.',
        { field: '/' },
      )
    }
    const row = await this.db.transaction(async (tx) => {
      if (user_id !== undefined) {
        if (!isUuid(user_id) || (await getUser(tx, user_id)) === undefined) {
          throw notFound('user', user_id)
        }
      } else if (
        !isUuid(conversation_id!) ||
        (await getConversationAnyState(tx, conversation_id!, null)) === undefined
      ) {
        throw notFound('conversation', conversation_id!)
      }
      const at = new Date().toISOString()
      const hold = await holds.insertLegalHold(tx, {
        id: uuid7(),
        user_id: user_id ?? null,
        conversation_id: conversation_id ?? null,
        reason: data.reason,
        created_by: context.user_id ?? null,
        created_at: at,
      })
      await audit.insertAuditEvents(
        tx,
        auditRow(
          'legal_hold.create',
          context,
          { type: 'legal_hold', id: hold.id },
          {
            user_id: hold.user_id,
            conversation_id: hold.conversation_id,
            reason: hold.reason,
          },
          at,
        ),
      )
      return hold
    })
    return holds.decodeLegalHold(row)
  }

  /** Holds in force (or, with `active: false`, released ones), newest first. */
  async list(options: LegalHoldListOptions = {}): Promise<LegalHold[]> {
    const data = validateList(options)
    for (const field of ['user_id', 'conversation_id'] as const) {
      const id = data[field]
      if (id !== undefined && !isUuid(id)) return []
    }
    const rows = await holds.listLegalHolds(this.db, { ...data, active: data.active ?? true })
    return rows.map(holds.decodeLegalHold)
  }

  /** Ends the hold; releasing one already released answers it as it is. */
  async release(id: string, context: AuditContext = {}): Promise<LegalHold> {
    if (!isUuid(id)) throw notFound('legal hold', id)
    const row = await this.db.transaction(async (tx) => {
      const at = new Date().toISOString()
      const released = await holds.releaseLegalHold(tx, id, at, context.user_id ?? null)
      if (released === undefined) return holds.getLegalHold(tx, id)
      await audit.insertAuditEvents(
        tx,
        auditRow('legal_hold.release', context, { type: 'legal_hold', id }, {}, at),
      )
      return released
    })
    if (row === undefined) throw notFound('legal hold', id)
    return holds.decodeLegalHold(row)
  }
}
