import { randomUUID } from 'node:crypto'
import BetterSqlite3 from 'better-sqlite3'
import type { Selectable } from 'kysely'
import type { Database } from '../../src/db/database.js'
import { rateLimitCountersPath } from '../../src/db/rate-limit-counters.js'
import type { RateLimitsTable } from '../../src/db/schema.js'
import type { SqliteDatabase } from '../../src/db/sqlite.js'
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

/** The rate-limit counters of a database, wherever its engine keeps them. */
export async function counterRows(db: Database): Promise<Selectable<RateLimitsTable>[]> {
  if (db.engine === 'postgres') {
    return db.kysely.selectFrom('rate_limits').selectAll().orderBy('key').execute()
  }
  const path = rateLimitCountersPath((db as SqliteDatabase).path)
  const file = new BetterSqlite3(path, { readonly: true })
  try {
    return file
      .prepare('select * from rate_limits order by key')
      .all() as Selectable<RateLimitsTable>[]
  } finally {
    file.close()
  }
}
