import { createHmac, randomBytes } from 'node:crypto'

/**
 * Standard Webhooks signing (standardwebhooks.com): the secret is `whsec_` and base64 bytes; a
 * request carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`,
 * `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the secret's bytes. Receivers
 * verify it with any Standard Webhooks library.
 */

export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`

export const isWebhookSecret = (secret: string): boolean =>
  /^whsec_[A-Za-z0-9+/]{22,}={0,2}$/.test(secret)

export function signatureHeaders(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${mac}`,
  }
}
