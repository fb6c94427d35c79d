import { ChatkeepError } from '../errors.js'

/** How the HTTP server runs. The store's own settings live in StoreConfig. */
export interface ServerConfig {
  host: string
  port: number
  /** Signs access tokens (HS256). When absent, one is generated and kept in the database. */
  jwt_secret?: string | undefined
  access_token_ttl_s: number
  refresh_token_ttl_s: number
  /** Requests a minute per IP and per user. */
  rate_limit_per_minute: number
  /** Stricter limit for login and register, per IP. */
  auth_rate_limit_per_minute: number
  /** Shared rate limits (and later caches) across instances; without it they live in the database. */
  redis_url?: string | undefined
  trust_proxy: boolean
  body_limit: number
  log_level: LogLevel
  /**
   * Origins (`https://app.example.com`) whose pages may call the API from a browser (CORS);
   * none by default, so no page of another origin can read an answer.
   */
  cors_origins: string[]
  /** Let webhooks go to private, loopback and link-local addresses (WEBHOOK_ALLOW_PRIVATE). */
  webhook_allow_private: boolean
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8080,
  access_token_ttl_s: 15 * 60,
  refresh_token_ttl_s: 30 * 24 * 3600,
  rate_limit_per_minute: 120,
  auth_rate_limit_per_minute: 10,
  trust_proxy: false,
  body_limit: 4 * 1024 * 1024,
  log_level: 'info',
  cors_origins: [],
  webhook_allow_private: false,
}

/** Fills defaults and checks ranges; a bad value is one `invalid_config` error naming it. */
export function resolveServerConfig(config: Partial<ServerConfig> = {}): ServerConfig {
  const merged = { ...DEFAULT_SERVER_CONFIG, ...stripUndefined(config) }
  const positive = [
    'port',
    'access_token_ttl_s',
    'refresh_token_ttl_s',
    'rate_limit_per_minute',
    'auth_rate_limit_per_minute',
    'body_limit',
  ] as const
  for (const field of positive) {
    const value = merged[field]
    if (!Number.isInteger(value) || value < (field === 'port' ? 0 : 1)) {
      throw new ChatkeepError(
        'invalid_config',
        `${field} must be a positive whole number; got ${value}.`,
        {
          field: `/${field}`,
        },
      )
    }
  }
  if (merged.port > 65535) {
    throw new ChatkeepError('invalid_config', `port must be at most 65535; got ${merged.port}.`, {
      field: '/port',
    })
  }
  if (!LOG_LEVELS.includes(merged.log_level)) {
    throw new ChatkeepError(
      'invalid_config',
      `log_level must be one of ${LOG_LEVELS.join(', ')}; got ${String(merged.log_level)}.`,
      { field: '/log_level' },
    )
  }
  if (merged.jwt_secret !== undefined && merged.jwt_secret.length < 32) {
    throw new ChatkeepError('invalid_config', 'JWT_SECRET must be at least 32 characters.', {
      field: '/jwt_secret',
    })
  }
  for (const origin of merged.cors_origins) checkOrigin(origin)
  return merged
}

/**
 * An origin as browsers send it in `Origin`: scheme, host and a port only when not the
 * default, nothing else; anything else would never match and silently allow nothing.
 */
function checkOrigin(origin: string): void {
  let parsed: URL | undefined
  try {
    parsed = new URL(origin)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || parsed.origin === 'null' || parsed.origin !== origin) {
    throw new ChatkeepError(
      'invalid_config',
      `cors_origins must hold origins like https://app.example.com (scheme, host, port; no path or trailing slash); got ${JSON.stringify(origin)}.`,
      { field: '/cors_origins' },
    )
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
