import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { ChatkeepError } from '../errors.js'
import { getSystemConfig, insertSystemConfigIfAbsent } from '../repositories/system-configs.js'
import { randomSecret } from './tokens.js'

/** The system_configs key the generated secret is kept under; `_internal.` keys are never shown. */
export const JWT_SECRET_KEY = '_internal.jwt_secret'

/**
 * The secret that signs access tokens: the configured one, else the one kept in the database,
 * generated (64 random bytes) on the first start. Every instance on one database agrees: the
 * insert does nothing when another instance got there first, and all of them read the row back.
 */
export async function resolveJwtSecret(db: Database, configured?: string): Promise<string> {
  if (configured !== undefined) {
    if (configured.length < 32) {
      throw new ChatkeepError('invalid_config', 'JWT_SECRET must be at least 32 characters.', {
        field: '/jwt_secret',
      })
    }
    return configured
  }
  const read = () => getSystemConfig(db, JWT_SECRET_KEY)
  let row = await read()
  if (row === undefined) {
    await db.write(() =>
      insertSystemConfigIfAbsent(db, {
        key: JWT_SECRET_KEY,
        value: encodeJson(randomSecret(64)),
        updated_at: new Date().toISOString(),
        updated_by: null,
      }),
    )
    row = await read()
  }
  const secret = row === undefined ? undefined : db.codec.json<unknown>(row.value)
  if (typeof secret !== 'string' || secret.length < 32) {
    throw new ChatkeepError(
      'invalid_config',
      `The JWT secret kept in system_configs (${JWT_SECRET_KEY}) is unreadable; set JWT_SECRET, or delete that row to generate a new one.`,
      { field: '/jwt_secret' },
    )
  }
  return secret
}
