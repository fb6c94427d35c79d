import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { BlockList, isIP } from 'node:net'

/**
 * POSTs a webhook, refusing private, loopback, link-local and other internal addresses unless
 * `allow_private`: the check is on the address the connection is made to (a lookup hook), so a
 * name that resolves elsewhere later (DNS rebinding) is refused as well.
 */

const INTERNAL = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv6')
}

export const isInternalAddress = (address: string): boolean => {
  const family = isIP(address)
  if (family === 0) return false
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export interface SendResult {
  status_code: number | null
  error: string | null
  duration_ms: number
}

export interface SendOptions {
  allow_private: boolean
  timeout_ms: number
}

/** One POST; resolves with what happened (never rejects). A 2xx is a delivery. */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now()
  const done = (status_code: number | null, error: string | null): SendResult => ({
    status_code,
    error,
    duration_ms: Math.round(performance.now() - started),
  })
  return new Promise((resolve) => {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      resolve(done(null, 'not a URL'))
      return
    }
    const lookup = (
      hostname: string,
      lookupOptions: object,
      callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
    ) =>
      dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
        if (error) return callback(error, [])
        const refused = addresses.find((a) => isInternalAddress(a.address))
        if (!options.allow_private && refused !== undefined) {
          return callback(new Error(`${hostname} is an internal address (${refused.address})`), [])
        }
        callback(null, addresses)
      })
    const hostIsAddress = isIP(target.hostname.replace(/^\[|\]$/g, '')) !== 0
    if (
      hostIsAddress &&
      !options.allow_private &&
      isInternalAddress(target.hostname.replace(/^\[|\]$/g, ''))
    ) {
      resolve(done(null, `${target.hostname} is an internal address`))
      return
    }
    const client = target.protocol === 'https:' ? https : http
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Chatkeep-Webhooks',
        },
        timeout: options.timeout_ms,
        lookup: lookup as never,
      },
      (response) => {
        response.resume()
        response.on('end', () => resolve(done(response.statusCode ?? null, null)))
        response.on('error', (error) => resolve(done(response.statusCode ?? null, error.message)))
      },
    )
    request.on('timeout', () => request.destroy(new Error(`no answer in ${options.timeout_ms} ms`)))
    request.on('error', (error) => resolve(done(null, error.message)))
    request.end(body)
  })
}
