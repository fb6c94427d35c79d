import { randomUUID } from 'node:crypto'
import type { Database } from '../db/database.js'
import { isChatkeepError } from '../errors.js'
import { uuid7 } from '../lib/uuid7.js'
import * as webhooks from '../repositories/webhooks.js'
import type { ChangeEvent } from '../schemas/events.js'
import { EventService } from '../services/events.js'
import { postWebhook } from './send.js'
import { signatureHeaders } from './signature.js'

export interface DispatcherOptions {
  /** Deliver to private, loopback and link-local addresses (WEBHOOK_ALLOW_PRIVATE). */
  allow_private: boolean
  /** How long one request may take; 10 s. */
  timeout_ms?: number
  /** The wait after a first failure, doubled after each next one; 1 s. */
  retry_base_ms?: number
  /** The longest wait between attempts; 1 h. */
  retry_max_ms?: number
  /** An endpoint failing for this long is disabled; one day. */
  give_up_after_ms?: number
  /** How often due endpoints are looked for; 1 s. */
  poll_ms?: number
  /** How long an instance holds an endpoint without renewing; 60 s. */
  lease_ms?: number
}

/** Events read per endpoint per round. */
const BATCH = 50

/**
 * Delivers the change feed to the registered endpoints, at least once and in feed order per
 * endpoint. An endpoint is worked by one instance at a time, whichever holds its lease (a row
 * update that only one instance wins; it expires if that instance dies). Its cursor moves only
 * after a 2xx, so an event whose answer was lost is sent again, with the same `webhook-id`. A
 * failure waits (doubling, up to `retry_max_ms`) before the same event is tried again; an
 * endpoint still failing after `give_up_after_ms` is disabled with the reason. Every attempt
 * is logged in webhook_deliveries.
 */
export class WebhookDispatcher {
  readonly #owner = randomUUID()
  readonly #events: EventService
  readonly #options: Required<DispatcherOptions>
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false
  #closed = false

  constructor(
    private readonly db: Database,
    options: DispatcherOptions,
  ) {
    this.#events = new EventService(db, null)
    this.#options = {
      timeout_ms: 10_000,
      retry_base_ms: 1000,
      retry_max_ms: 3_600_000,
      give_up_after_ms: 86_400_000,
      poll_ms: 1000,
      lease_ms: 60_000,
      ...options,
    }
  }

  start(): void {
    this.#timer = setInterval(() => this.wake(), this.#options.poll_ms)
    this.#timer.unref()
  }

  /** Looks for work now (new events were written); a round already running goes round again. */
  wake(): void {
    if (this.#closed) return
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#running = this.#rounds().finally(() => {
      this.#running = undefined
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    await this.#running
  }

  async #rounds(): Promise<void> {
    do {
      this.#again = false
      try {
        await this.#round()
      } catch {
        // The database is away: the next poll tries again; nothing was marked delivered.
      }
    } while (this.#again && !this.#closed)
  }

  async #round(): Promise<void> {
    const now = new Date().toISOString()
    for (const row of await webhooks.listDueWebhooks(this.db, now, this.#owner)) {
      if (this.#closed) return
      if (!(await this.#lease(row.id))) continue
      try {
        await this.#deliver(row)
      } finally {
        await webhooks.updateLeased(this.db, row.id, this.#owner, {
          lease_owner: null,
          lease_until: null,
        })
      }
    }
  }

  #lease(id: string): Promise<boolean> {
    const now = Date.now()
    return this.db.write(() =>
      webhooks.takeLease(
        this.db,
        id,
        this.#owner,
        new Date(now).toISOString(),
        new Date(now + this.#options.lease_ms).toISOString(),
      ),
    )
  }

  async #deliver(row: webhooks.WebhookRow): Promise<void> {
    const types = this.db.codec.json<string[]>(row.types)
    let cursor = String(row.cursor)
    let failingSince = row.failing_since
    for (;;) {
      let page
      try {
        page = await this.#events.list({ after: cursor, limit: BATCH, types })
      } catch (error) {
        if (!isChatkeepError(error, 'cursor_expired')) throw error
        await this.#disable(
          row.id,
          'events after its cursor were purged before they were delivered',
        )
        return
      }
      for (const event of page.data) {
        if (this.#closed || !(await this.#lease(row.id))) return
        const sent = await this.#send(row, event)
        if (sent.ok) {
          cursor = event.cursor
          failingSince = null
          await webhooks.updateLeased(this.db, row.id, this.#owner, {
            cursor: Number(event.cursor),
            failing_since: null,
            next_attempt_at: null,
          })
          continue
        }
        const now = Date.now()
        failingSince ??= new Date(now).toISOString()
        if (now - Date.parse(failingSince) >= this.#options.give_up_after_ms) {
          await this.#disable(
            row.id,
            `every attempt failed for ${Math.round((now - Date.parse(failingSince)) / 60_000)} ` +
              `minutes; the last: ${sent.why}`,
          )
          return
        }
        const wait = Math.min(
          this.#options.retry_base_ms * 2 ** Math.min(sent.attempt - 1, 30),
          this.#options.retry_max_ms,
        )
        await webhooks.updateLeased(this.db, row.id, this.#owner, {
          failing_since: failingSince,
          next_attempt_at: new Date(now + wait).toISOString(),
        })
        return
      }
      if (!page.has_more) return
    }
  }

  async #send(
    row: webhooks.WebhookRow,
    event: ChangeEvent,
  ): Promise<{ ok: boolean; attempt: number; why: string }> {
    const id = `evt_${event.cursor}`
    const timestamp = Math.floor(Date.now() / 1000)
    const body = JSON.stringify({ type: event.type, timestamp: event.at, data: event })
    const headers = signatureHeaders(row.secret, id, timestamp, body)
    const result = await postWebhook(row.url, headers, body, {
      allow_private: this.#options.allow_private,
      timeout_ms: this.#options.timeout_ms,
    })
    const ok = result.status_code !== null && result.status_code >= 200 && result.status_code < 300
    const attempt = (await webhooks.countDeliveries(this.db, row.id, Number(event.cursor))) + 1
    await this.db.write(() =>
      webhooks.insertDelivery(this.db, {
        id: uuid7(),
        webhook_id: row.id,
        event_cursor: Number(event.cursor),
        event_type: event.type,
        attempt,
        status_code: result.status_code,
        ok: this.db.codec.bool(ok),
        error: result.error,
        duration_ms: result.duration_ms,
        at: new Date().toISOString(),
      }),
    )
    return { ok, attempt, why: result.error ?? `HTTP ${result.status_code}` }
  }

  #disable(id: string, reason: string): Promise<boolean> {
    return webhooks.updateLeased(this.db, id, this.#owner, {
      enabled: this.db.codec.bool(false),
      disabled_reason: reason,
      next_attempt_at: null,
      updated_at: new Date().toISOString(),
    })
  }
}
