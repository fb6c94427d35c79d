import { randomUUID } from 'node:crypto'
import type { RateLimitLogger } from '../../src/rate-limit/store.js'
import type { AuthConfig } from '../../src/services/auth.js'

/** The Redis the suite runs against. */
export const REDIS_URL = process.env.CHATKEEP_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A key prefix no other test run shares, so runs on one Redis never see each other's counts. */
export const uniquePrefix = (): string => `chatkeep-test:${process.pid}:${randomUUID()}:`

/** The real AuthService, with tokens that outlive any test. */
export const AUTH_CONFIG: AuthConfig = {
  access_token_ttl_s: 3600,
  refresh_token_ttl_s: 86_400,
  jwt_secret: 'rate-limit-test-secret-of-32-characters-or-more',
}

/** A logger that keeps what it was told, for asserting on outage reports. */
export function recordingLogger(): RateLimitLogger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = []
  return {
    lines,
    warn: (_details, msg) => lines.push({ level: 'warn', msg }),
    info: (_details, msg) => lines.push({ level: 'info', msg }),
  }
}
