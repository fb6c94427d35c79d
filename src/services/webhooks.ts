import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Database } from '../db/database.js'
import { encodeJson } from '../db/codec.js'
import { feedHead } from '../db/event-feed.js'
import { ChatkeepError, notFound } from '../errors.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import * as webhooks from '../repositories/webhooks.js'
import {
  type CreatedWebhook,
  type NewWebhook,
  NewWebhookSchema,
  type Webhook,
  type WebhookDelivery,
  type WebhookUpdate,
  WebhookUpdateSchema,
} from '../schemas/webhooks.js'
import { validator } from '../schemas/validate.js'
import { isInternalAddress } from '../webhooks/send.js'
import { isWebhookSecret, newWebhookSecret } from '../webhooks/signature.js'

const validateNew = validator(NewWebhookSchema)
const validateUpdate = validator(WebhookUpdateSchema)

export interface WebhookPolicy {
  /** Allow endpoints on private, loopback and link-local addresses (WEBHOOK_ALLOW_PRIVATE). */
  allow_private: boolean
}

/**
 * The endpoints an admin registers to receive the change feed (`/v1/admin/webhooks`). A new
 * endpoint receives the events written after it was registered.
 */
export class WebhookService {
  constructor(
    private readonly db: Database,
    private readonly policy: WebhookPolicy,
  ) {}

  async create(input: NewWebhook): Promise<CreatedWebhook> {
    const data = validateNew(input)
    await this.checkUrl(data.url)
    if (data.secret !== undefined && !isWebhookSecret(data.secret)) {
      throw new ChatkeepError(
        'validation_failed',
        '/secret: must be `whsec_` and base64 of at least 16 bytes; leave it out to get one.',
        { field: '/secret' },
      )
    }
    const now = new Date().toISOString()
    const secret = data.secret ?? newWebhookSecret()
    const row = {
      id: uuid7(),
      url: data.url,
      secret,
      types: encodeJson(data.types ?? []),
      description: data.description ?? null,
      enabled: this.db.codec.bool(true),
      disabled_reason: null,
      cursor: await feedHead(this.db),
      failing_since: null,
      next_attempt_at: null,
      lease_owner: null,
      lease_until: null,
      created_at: now,
      updated_at: now,
    }
    await this.db.write(() => webhooks.insertWebhook(this.db, row))
    return { ...(await this.get(row.id)), secret }
  }

  async list(): Promise<Webhook[]> {
    return (await webhooks.listWebhooks(this.db)).map((r) =>
      webhooks.decodeWebhook(this.db.codec, r),
    )
  }

  async get(id: string): Promise<Webhook> {
    const row = isUuid(id) ? await webhooks.getWebhook(this.db, id) : undefined
    if (row === undefined) throw notFound('webhook', id)
    return webhooks.decodeWebhook(this.db.codec, row)
  }

  /** Changes an endpoint; `enabled: true` delivers again from where it stopped, at once. */
  async update(id: string, input: WebhookUpdate): Promise<Webhook> {
    const data = validateUpdate(input)
    if (data.url !== undefined) await this.checkUrl(data.url)
    const patch = {
      ...(data.url !== undefined ? { url: data.url } : {}),
      ...(data.types !== undefined ? { types: encodeJson(data.types) } : {}),
      ...(data.description !== undefined ? { description: data.description } : {}),
      ...(data.enabled !== undefined
        ? {
            enabled: this.db.codec.bool(data.enabled),
            disabled_reason: data.enabled ? null : 'disabled by an admin',
            failing_since: null,
            next_attempt_at: null,
          }
        : {}),
      updated_at: new Date().toISOString(),
    }
    const row = isUuid(id)
      ? await this.db.write(() => webhooks.updateWebhook(this.db, id, patch))
      : undefined
    if (row === undefined) throw notFound('webhook', id)
    return webhooks.decodeWebhook(this.db.codec, row)
  }

  async delete(id: string): Promise<void> {
    const deleted = isUuid(id) && (await this.db.write(() => webhooks.deleteWebhook(this.db, id)))
    if (!deleted) throw notFound('webhook', id)
  }

  /** Every delivery attempt to the endpoint, newest first. */
  async deliveries(
    id: string,
    options: { limit?: number; before?: string } = {},
  ): Promise<{ data: WebhookDelivery[]; has_more: boolean }> {
    await this.get(id)
    const limit = options.limit ?? 20
    const rows = await webhooks.listDeliveries(this.db, id, limit, options.before)
    return {
      data: rows.slice(0, limit).map((r) => webhooks.decodeDelivery(this.db.codec, r)),
      has_more: rows.length > limit,
    }
  }

  /** http(s), and (unless allowed) no name or address inside the network. */
  private async checkUrl(text: string): Promise<void> {
    const refuse = (why: string) =>
      new ChatkeepError('validation_failed', `/url: ${why}`, { field: '/url' })
    let url: URL
    try {
      url = new URL(text)
    } catch {
      throw refuse('must be an absolute http or https URL.')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw refuse('must be an absolute http or https URL.')
    }
    if (this.policy.allow_private) return
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const addresses =
      isIP(host) !== 0
        ? [host]
        : await lookup(host, { all: true }).then(
            (found) => found.map((a) => a.address),
            () => {
              throw refuse(`${host} does not resolve.`)
            },
          )
    if (addresses.some(isInternalAddress)) {
      throw refuse(
        `${host} is a private, loopback or link-local address; webhooks go to public ` +
          'addresses unless WEBHOOK_ALLOW_PRIVATE is set.',
      )
    }
  }
}
