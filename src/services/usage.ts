import type { Database } from '../db/database.js'
import { ChatkeepError, notFound } from '../errors.js'
import { isUuid } from '../lib/uuid7.js'
import * as audit from '../repositories/audit-events.js'
import * as configs from '../repositories/system-configs.js'
import * as usage from '../repositories/usage.js'
import {
  type QuotaLimit,
  type QuotaSettings,
  type QuotaStatus,
  type QuotaUpdate,
  QuotaUpdateSchema,
  type UsageQuery,
  UsageQuerySchema,
  type UsageQuota,
  UsageQuotaSchema,
  type UsageReport,
  type UsageRow,
} from '../schemas/usage.js'
import { readInstant } from '../schemas/date-time.js'
import { validator } from '../schemas/validate.js'
import { type AuditContext, auditRow } from './audit.js'
import { costOf, type Prices, PRICES_KEY, roundCost } from './pricing.js'
import type { SystemConfigService } from './system-config.js'

const validateQuery = validator(UsageQuerySchema)
const validateUpdate = validator(QuotaUpdateSchema)
const validateQuota = validator(UsageQuotaSchema)

const DEFAULT_DAYS = 30
const DAY_MS = 86_400_000
/**
 * How long an instance goes on trusting that no quota is set anywhere before it asks again:
 * a quota an admin sets through another instance holds on this one within this time.
 */
export const QUOTAS_IN_USE_TTL_MS = 5_000

type Totals = Omit<UsageRow, 'key' | 'username'>

const zero = (): Totals => ({
  messages: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  tokens_used: 0,
  cost: 0,
  unpriced_tokens: 0,
})

function add(into: Totals, t: usage.ModelTokens, prices: Prices): void {
  const { cost, unpriced } = costOf(t, prices)
  into.messages += t.messages
  into.prompt_tokens += t.prompt_tokens
  into.completion_tokens += t.completion_tokens
  into.tokens_used += t.tokens_used
  into.cost += cost
  into.unpriced_tokens += unpriced
}

const rounded = <T extends Totals>(t: T): T => ({ ...t, cost: roundCost(t.cost) })

/** The UTC day and month a time falls in, and when each ends. */
export function periodsOf(now: Date): {
  day_start: string
  day_end: string
  month_start: string
  month_end: string
} {
  const y = now.getUTCFullYear()
  const m = now.getUTCMonth()
  const d = now.getUTCDate()
  return {
    day_start: new Date(Date.UTC(y, m, d)).toISOString(),
    day_end: new Date(Date.UTC(y, m, d + 1)).toISOString(),
    month_start: new Date(Date.UTC(y, m, 1)).toISOString(),
    month_end: new Date(Date.UTC(y, m + 1, 1)).toISOString(),
  }
}

const LIMIT_TEXT: Record<QuotaLimit, string> = {
  tokens_per_day: 'tokens for the day',
  tokens_per_month: 'tokens for the month',
  cost_per_day: 'cost for the day',
  cost_per_month: 'cost for the month',
}

/**
 * Usage and quotas (`store.usage`): tokens and their cost per user, model or day, by the price
 * table in system config (`llm.model_prices`), and quotas that stop a user's appends once a
 * limit for the UTC day or month is reached. The message that crosses a limit is stored (its
 * tokens were spent already); the next append is refused with `quota_exceeded` until the reset.
 */
export class UsageService {
  /** Until when this instance knows that no quota is set anywhere (0: ask). */
  #noQuotasUntil = 0

  constructor(
    private readonly db: Database,
    private readonly config: SystemConfigService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Tokens and cost in `[since, until)` grouped by user, model or UTC day, biggest cost first
   * (then tokens, then key). Soft-deleted messages count: their tokens were spent.
   * @example
   * const { rows } = await store.usage.report({ group_by: 'model' })
   */
  async report(query: UsageQuery = {}): Promise<UsageReport> {
    const data = validateQuery(query)
    // By default up to now inclusive: a message recorded this millisecond is in the report.
    const until =
      data.until === undefined
        ? new Date(this.now().getTime() + 1).toISOString()
        : readInstant(data.until, '/until')
    const since =
      data.since === undefined
        ? new Date(Date.parse(until) - DEFAULT_DAYS * DAY_MS).toISOString()
        : readInstant(data.since, '/since')
    if (Date.parse(since) > Date.parse(until)) {
      throw new ChatkeepError('validation_failed', '/since: must not be after until.', {
        field: '/since',
      })
    }
    const group_by = data.group_by ?? 'user'
    const user_id = data.user_id ?? null
    if (user_id !== null && !isUuid(user_id)) throw notFound('user', user_id)
    const [rows, prices] = await Promise.all([
      usage.usageByGroup(this.db, { group_by, since, until, user_id }),
      this.prices(),
    ])
    const groups = new Map<string | null, Totals>()
    const total = zero()
    for (const row of rows) {
      let group = groups.get(row.key)
      if (group === undefined) groups.set(row.key, (group = zero()))
      add(group, row, prices)
      add(total, row, prices)
    }
    const names =
      group_by === 'user'
        ? await usage.usernamesOf(
            this.db,
            [...groups.keys()].filter((k) => k !== null),
          )
        : new Map<string, string>()
    const out: UsageRow[] = [...groups].map(([key, totals]) => ({
      key,
      ...(group_by === 'user' ? { username: names.get(key!) ?? '' } : {}),
      ...rounded(totals),
    }))
    // Days in order; users and models by what they cost. Keys compare as code units on both engines.
    out.sort((a, b) =>
      group_by === 'day'
        ? compareKeys(a.key, b.key)
        : b.cost - a.cost || b.tokens_used - a.tokens_used || compareKeys(a.key, b.key),
    )
    return { group_by, since, until, user_id, rows: out, total: rounded(total) }
  }

  /** The price table (`llm.model_prices`); empty while none is set. */
  async prices(): Promise<Prices> {
    const config = await this.config.find(PRICES_KEY)
    return (config?.value as Prices | undefined) ?? {}
  }

  /** The default quota and every user's own (admin). */
  async quotas(db: Database = this.db): Promise<QuotaSettings> {
    return { default: await this.#defaultQuota(db), users: await usage.listUserQuotas(db) }
  }

  /**
   * Sets the default and users' quotas in one transaction, audited as `quota.update` with what
   * was and what is.
   * @example
   * await store.usage.setQuotas({ default: { tokens_per_day: 200_000 } })
   */
  async setQuotas(input: QuotaUpdate, context: AuditContext = {}): Promise<QuotaSettings> {
    const data = validateUpdate(input)
    const after = await this.db.transaction(async (tx) => {
      const before = await this.quotas(tx)
      const at = this.now().toISOString()
      if (data.default !== undefined) {
        await configs.putReservedConfig(tx, usage.DEFAULT_QUOTA_KEY, data.default, {
          at,
          by: context.user_id ?? null,
        })
      }
      for (const [index, { user_id, quota }] of (data.users ?? []).entries()) {
        if (!isUuid(user_id) || !(await usage.setUserQuota(tx, user_id, quota))) {
          const error = notFound('user', user_id)
          throw new ChatkeepError('not_found', error.message, { field: `/users/${index}/user_id` })
        }
      }
      const after = await this.quotas(tx)
      await audit.insertAuditEvents(
        tx,
        auditRow('quota.update', context, null, { before, after }, at),
      )
      return after
    })
    this.#noQuotasUntil = 0
    return after
  }

  /** Where a user stands against their quota now: used today and this month, and what is reached. */
  async status(user_id: string): Promise<QuotaStatus> {
    if (!isUuid(user_id)) throw notFound('user', user_id)
    const own = await usage.getUserQuota(this.db, user_id)
    if (own === undefined) throw notFound('user', user_id)
    const fallback = own.quota === null ? await this.#defaultQuota(this.db) : null
    const quota = own.quota ?? fallback
    const source = own.quota !== null ? 'user' : fallback !== null ? 'default' : null
    return this.#measure(user_id, quota, source)
  }

  /** False while this instance knows that no quota is set anywhere: appends need not ask. */
  mayRefuse(): boolean {
    return Date.now() >= this.#noQuotasUntil
  }

  /**
   * Refuses with `quota_exceeded` when the user has reached a limit of their quota; the append
   * path's check. While no quota is set anywhere it asks the database at most once per
   * QUOTAS_IN_USE_TTL_MS.
   */
  async assertWithinQuota(user_id: string): Promise<void> {
    if (!this.mayRefuse()) return
    const [fallback, own] = await Promise.all([
      this.#defaultQuota(this.db),
      usage.getUserQuota(this.db, user_id),
    ])
    const quota = own?.quota ?? fallback
    if (quota === null) {
      if (fallback === null && !(await usage.anyUserQuota(this.db))) {
        this.#noQuotasUntil = Date.now() + QUOTAS_IN_USE_TTL_MS
      }
      return
    }
    const status = await this.#measure(user_id, quota, own?.quota ? 'user' : 'default')
    const reached = status.exceeded[0]
    if (reached === undefined) return
    const period = reached.endsWith('_day') ? status.day : status.month
    const used = reached.startsWith('tokens') ? period.tokens : period.cost
    throw new ChatkeepError(
      'quota_exceeded',
      `The user has used ${used} of the ${quota[reached]} ${LIMIT_TEXT[reached]} their quota ` +
        `allows; appends are refused until ${period.resets_at}, or an admin raises the quota ` +
        '(PUT /v1/admin/quotas).',
      { resets_at: period.resets_at },
    )
  }

  async #measure(
    user_id: string,
    quota: UsageQuota | null,
    source: QuotaStatus['source'],
  ): Promise<QuotaStatus> {
    const p = periodsOf(this.now())
    const [rows, prices] = await Promise.all([
      usage.userPeriodUsage(this.db, user_id, p.month_start, p.day_start),
      this.prices(),
    ])
    const day = zero()
    const month = zero()
    for (const row of rows) {
      add(month, row, prices)
      if (row.today) add(day, row, prices)
    }
    const used: Record<QuotaLimit, number> = {
      tokens_per_day: day.tokens_used,
      tokens_per_month: month.tokens_used,
      cost_per_day: rounded(day).cost,
      cost_per_month: rounded(month).cost,
    }
    const exceeded = (Object.keys(LIMIT_TEXT) as QuotaLimit[]).filter(
      (limit) => quota?.[limit] !== undefined && used[limit] >= quota[limit]!,
    )
    return {
      user_id,
      quota,
      source,
      day: { tokens: used.tokens_per_day, cost: used.cost_per_day, resets_at: p.day_end },
      month: { tokens: used.tokens_per_month, cost: used.cost_per_month, resets_at: p.month_end },
      exceeded,
    }
  }

  async #defaultQuota(db: Database): Promise<UsageQuota | null> {
    const row = await configs.getSystemConfig(db, usage.DEFAULT_QUOTA_KEY)
    return row === undefined ? null : validateQuota(db.codec.json(row.value))
  }
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}
