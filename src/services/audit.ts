import { type AuditVerification, sealAuditLog, verifyAuditLog } from './audit-chain.js'
import { readInstant } from '../schemas/date-time.js'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { isDriverError } from '../db/driver-errors.js'
import { ChatkeepError } from '../errors.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import * as audit from '../repositories/audit-events.js'
import {
  type AuditEvent,
  type AuditListOptions,
  AuditListSchema,
  type NewAuditEvent,
  NewAuditEventSchema,
} from '../schemas/audit.js'
import type { Page } from '../schemas/data.js'
import { LIMITS } from '../schemas/limits.js'
import { checkJsonSize, validator } from '../schemas/validate.js'
import { AuditBatch } from './audit-batch.js'
import { checkCursors, toPage } from './page.js'

const validateNew = validator(NewAuditEventSchema)
const validateList = validator(AuditListSchema)

/** Who acts and from where: the caller of a request, or nobody for the trusted library. */
export interface AuditContext {
  user_id?: string | null | undefined
  ip_address?: string | null | undefined
  user_agent?: string | null | undefined
  /**
   * How the actor came, when not over HTTP: `cli`, or what an app embedding the library names
   * itself. Kept in the row's details, which the hash chain covers.
   */
  via?: string | null | undefined
  /** The operating-system user who ran the command (the CLI), kept in the details too. */
  os_user?: string | null | undefined
}

/**
 * An actor outside HTTP: the CLI (`cliActor()`), or an app that acts through `store.as(actor)`.
 * @example
 * const actor: AuditActor = { via: 'support-console', user_id: agent.id }
 */
export interface AuditActor extends AuditContext {
  via: string
}

/** The details that name an actor beyond user_id, ip and user agent: `{ via, os_user }`. */
export function actorDetails(context: AuditContext): Record<string, string> {
  return {
    ...(context.via == null ? {} : { via: context.via }),
    ...(context.os_user == null ? {} : { os_user: context.os_user }),
  }
}

/** What an event is about: `{ type: 'conversation', id }`. */
export interface AuditTarget {
  type: string
  id: string
}

const clip = (text: string | null | undefined, max: number): string | null =>
  text === undefined || text === null || text === '' ? null : text.slice(0, max)

/**
 * One audit row, ready to insert. Chatkeep's own services insert it inside the transaction of the
 * change it records (a login, a revoked session, a config update), so the two commit together.
 */
export function auditRow(
  action: string,
  context: AuditContext,
  target?: AuditTarget | null,
  details: Record<string, unknown> = {},
  at: string = new Date().toISOString(),
): audit.NewAuditEventRow {
  return {
    id: uuid7(),
    user_id: context.user_id ?? null,
    action,
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    ip_address: clip(context.ip_address, 64),
    user_agent: clip(context.user_agent, 512),
    // The actor's own fields last: what a caller puts in details cannot rename the actor.
    details: encodeJson({ ...details, ...actorDetails(context) }),
    created_at: at,
  }
}

/**
 * What `record` and `recordRead` take: an event, and for an actor outside HTTP where it came
 * from (`via`, `os_user`), which go into its details.
 */
export type AuditInput = NewAuditEvent & Pick<AuditContext, 'via' | 'os_user'>

/**
 * The event an actor's action makes, for `record` or `recordRead`.
 * @example
 * await store.audit.record(auditInput('report.download', actor, { type: 'report', id: 'q4' }))
 */
export function auditInput(
  action: string,
  actor: AuditContext,
  target?: AuditTarget | null,
  details: Record<string, unknown> = {},
): AuditInput {
  return {
    action,
    user_id: actor.user_id ?? null,
    ip_address: clip(actor.ip_address, 64),
    user_agent: clip(actor.user_agent, 512),
    via: actor.via ?? null,
    os_user: actor.os_user ?? null,
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    details,
  }
}

function eventOf(row: audit.NewAuditEventRow, details: Record<string, unknown>): AuditEvent {
  return {
    id: row.id,
    user_id: row.user_id ?? null,
    action: row.action,
    target_type: row.target_type ?? null,
    target_id: row.target_id ?? null,
    ip_address: row.ip_address ?? null,
    user_agent: row.user_agent ?? null,
    details,
    created_at: row.created_at,
  }
}

/**
 * The audit trail (`store.audit`). The server records what callers read, change, export and
 * delete; the library is trusted and records only what its user asks it to.
 */
export class AuditService {
  readonly #reads: AuditBatch

  constructor(private readonly db: Database) {
    this.#reads = new AuditBatch(db, (row, details) => this.#writeOne(row, details))
  }

  /**
   * Writes one event: a single insert, nothing read back. An actor who no longer exists (an
   * admin who deleted their own account) is kept as `details.deleted_actor_id`, so the event is
   * still written.
   * @example
   * await store.audit.record({ action: 'report.download', user_id: admin.id, target_type: 'report', target_id: '2026-q4' })
   */
  async record(input: AuditInput): Promise<AuditEvent> {
    const { row, details } = this.#rowOf(input)
    await this.#writeOne(row, details)
    return eventOf(row, details)
  }

  /**
   * Writes one event of a read, in a group with the other reads' events of the moment: one
   * commit for many. Resolves once the group has committed, so no acknowledged read goes
   * unrecorded; the server uses it for every read of content.
   */
  async recordRead(input: AuditInput): Promise<AuditEvent> {
    const { row, details } = this.#rowOf(input)
    await this.#reads.write(row, details)
    return eventOf(row, details)
  }

  #rowOf(input: AuditInput): { row: audit.NewAuditEventRow; details: Record<string, unknown> } {
    const { via, os_user, ...event } = input
    const data = validateNew(event)
    checkJsonSize('details', data.details)
    if (data.user_id !== undefined && data.user_id !== null && !isUuid(data.user_id)) {
      throw new ChatkeepError('validation_failed', '/user_id: must be a user id (UUID).', {
        field: '/user_id',
      })
    }
    const actor = { via: clip(via, 100), os_user: clip(os_user, 100) }
    const details: Record<string, unknown> = { ...data.details, ...actorDetails(actor) }
    const row = auditRow(data.action, data, null, details)
    row.target_type = data.target_type ?? null
    row.target_id = data.target_id ?? null
    return { row, details }
  }

  async #writeOne(row: audit.NewAuditEventRow, details: Record<string, unknown>): Promise<void> {
    try {
      await this.db.write(() => audit.insertAuditEvents(this.db, row))
    } catch (error) {
      if (row.user_id === null || !isDriverError(error, 'foreign_key_violation')) throw error
      details.deleted_actor_id = row.user_id
      Object.assign(row, { user_id: null, details: encodeJson(details) })
      await this.db.write(() => audit.insertAuditEvents(this.db, row))
    }
  }

  /**
   * Seals the rows written since the last seal onto the hash chain (the server does so every
   * few seconds); returns how many it sealed.
   */
  seal(): Promise<number> {
    return sealAuditLog(this.db)
  }

  /**
   * Recomputes the hash chain and reports every changed, removed or re-attributed row; with
   * `head` (a chain end kept elsewhere earlier), also rows removed from the end.
   * @example
   * const { ok, problems, head } = await store.audit.verify()
   */
  verify(options: { head?: { chain_seq: number; hash: string } } = {}): Promise<AuditVerification> {
    return verifyAuditLog(this.db, options)
  }

  /** Events newest first, filtered by actor, action, target and time (`since` ≤ t < `until`). */
  async list(options: AuditListOptions = {}): Promise<Page<AuditEvent>> {
    const data = validateList(options)
    checkCursors(data, 'audit event')
    if (data.user_id !== undefined && !isUuid(data.user_id)) {
      throw new ChatkeepError('validation_failed', '/user_id: must be a user id (UUID).', {
        field: '/user_id',
      })
    }
    const limit = data.limit ?? LIMITS.default_page
    const rows = await audit.listAuditEvents(this.db, {
      ...data,
      limit,
      since: data.since === undefined ? undefined : readInstant(data.since, '/since'),
      until: data.until === undefined ? undefined : readInstant(data.until, '/until'),
    })
    return toPage(rows, limit, data.before !== undefined, (row) =>
      audit.decodeAuditEvent(this.db.codec, row),
    )
  }
}
