import type { Database } from '../db/database.js'
import { ChatkeepError, notFound } from '../errors.js'
import { isUuid } from '../lib/uuid7.js'
import * as audit from '../repositories/audit-events.js'
import * as policies from '../repositories/retention-policies.js'
import * as configs from '../repositories/system-configs.js'
import {
  type RetentionPolicy,
  RetentionPolicySchema,
  type RetentionSettings,
  type RetentionUpdate,
  RetentionUpdateSchema,
} from '../schemas/retention.js'
import { validator } from '../schemas/validate.js'
import { type AuditContext, auditRow } from './audit.js'

const validateUpdate = validator(RetentionUpdateSchema)
const validatePolicy = validator(RetentionPolicySchema)

/**
 * Retention policies (`store.retention`, admins): the default and each user's. A conversation
 * is under its own policy (set in its PATCH), else its user's, else the default; with no default
 * set, soft-deleted conversations and messages are kept RETENTION_DAYS. `chatkeep cleanup`
 * applies them.
 */
export class RetentionService {
  constructor(
    private readonly db: Database,
    /** RETENTION_DAYS: the default's days while no admin has set a default. */
    private readonly retentionDays: number,
  ) {}

  /** The default policy and where it comes from; `retention_days` stands in for RETENTION_DAYS. */
  async defaultPolicy(
    retention_days: number = this.retentionDays,
    db: Database = this.db,
  ): Promise<{ policy: RetentionPolicy; source: RetentionSettings['default_source'] }> {
    const row = await configs.getSystemConfig(db, policies.DEFAULT_POLICY_KEY)
    if (row === undefined) {
      return {
        policy: { mode: 'after_soft_delete', days: retention_days },
        source: 'retention_days',
      }
    }
    return { policy: validatePolicy(db.codec.json(row.value)), source: 'config' }
  }

  async settings(db: Database = this.db): Promise<RetentionSettings> {
    const { policy, source } = await this.defaultPolicy(this.retentionDays, db)
    return { default: policy, default_source: source, users: await policies.listUserPolicies(db) }
  }

  /**
   * Sets the default and users' policies in one transaction, audited as `retention.update` with
   * what was and what is.
   * @example
   * await store.retention.update({ default: { mode: 'after_last_activity', days: 365 } })
   */
  async update(input: RetentionUpdate, context: AuditContext = {}): Promise<RetentionSettings> {
    const data = validateUpdate(input)
    return this.db.transaction(async (tx) => {
      const before = await this.settings(tx)
      const at = new Date().toISOString()
      if (data.default !== undefined) {
        await configs.putReservedConfig(tx, policies.DEFAULT_POLICY_KEY, data.default, {
          at,
          by: context.user_id ?? null,
        })
      }
      for (const [index, { user_id, policy }] of (data.users ?? []).entries()) {
        if (!isUuid(user_id) || !(await policies.setUserPolicy(tx, user_id, policy))) {
          const error = notFound('user', user_id)
          throw new ChatkeepError('not_found', error.message, { field: `/users/${index}/user_id` })
        }
      }
      const after = await this.settings(tx)
      await audit.insertAuditEvents(
        tx,
        auditRow('retention.update', context, null, { before, after }, at),
      )
      return after
    })
  }
}
