/**
 * One Chatkeep server process for the multi-instance rate-limit test (test/server):
 *
 *   node --import tsx test/support/rate-limit-server.ts --url DATABASE_URL --redis REDIS_URL
 *     --prefix KEY_PREFIX [--limit 20]
 *
 * Opens a store on the (already migrated) database and serves the API twice on 127.0.0.1, on
 * ports the OS picks: once limited through Redis (keys under KEY_PREFIX), once through the
 * database's rate-limit counters; both `--limit` requests a minute per IP and per user. Prints
 *
 *   listening <redis port> <database port>
 *
 * and on a line `stop` on stdin (or stdin closing) closes everything and exits 0. Callers log in
 * through the real AuthService, whose signing secret is kept in the database.
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { openStore } from '../../src/index.js'
import { DatabaseRateLimitStore } from '../../src/rate-limit/database-store.js'
import { RedisRateLimitStore } from '../../src/rate-limit/redis-store.js'
import type { RateLimitStore } from '../../src/rate-limit/store.js'
import { buildApp } from '../../src/server/app.js'
import { AuthService } from '../../src/services/auth.js'
import { AUTH_CONFIG } from './rate-limits.js'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    redis: { type: 'string' },
    prefix: { type: 'string' },
    limit: { type: 'string', default: '20' },
  },
})
if (values.url === undefined || values.redis === undefined || values.prefix === undefined) {
  throw new Error('rate-limit-server: --url, --redis and --prefix are required')
}
const limit = Number(values.limit)

const store = await openStore({ database_url: values.url })
// The signing secret is the one kept in the database, shared with the test that made the token.
const auth = await AuthService.open(store, { ...AUTH_CONFIG, jwt_secret: undefined })
const logger = {
  warn: (_: object, msg: string) => console.error(`warn: ${msg}`),
  info: (_: object, msg: string) => console.error(`info: ${msg}`),
}
const redisLimits = await RedisRateLimitStore.connect({
  url: values.redis,
  key_prefix: values.prefix,
  logger,
})
const serve = async (limits: RateLimitStore) => {
  const app = await buildApp({
    store,
    auth,
    rate_limit: { store: limits, per_minute: limit, auth_per_minute: limit },
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}
const databaseLimits = new DatabaseRateLimitStore(store.database)
const apps = [await serve(redisLimits), await serve(databaseLimits)]
const ports = apps.map((app) => (app.server.address() as { port: number }).port)
process.stdout.write(`listening ${ports.join(' ')}\n`)

const lines = createInterface({ input: process.stdin })
await new Promise<void>((resolve) => {
  lines.on('line', (line) => line.trim() === 'stop' && resolve())
  lines.on('close', resolve)
})
lines.close()
process.stdin.destroy()
for (const app of apps) await app.close()
await redisLimits.close()
await databaseLimits.close()
await store.close()
