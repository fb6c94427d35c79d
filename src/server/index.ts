/**
 * `chatkeep/server`: the HTTP API for embedding. `startServer` does what `chatkeep serve` does
 * and returns a handle with `url` and `close()`; `buildApp` gives the Fastify app without
 * listening, for `inject()` tests. Kept apart from `chatkeep`, so that the library alone never
 * loads Fastify.
 * @example
 * import { startServer } from 'chatkeep/server'
 * const server = await startServer({ store_config: {}, server_config: { port: 0 } })
 */
export { type AppOptions, buildApp } from './app.js'
export {
  DEFAULT_SHUTDOWN_GRACE_MS,
  type RunningServer,
  startServer,
  type StartServerOptions,
} from './serve.js'
export type { ServerConfig } from '../config/server-config.js'
export type { Authenticator } from './plugins/auth.js'
export type { RateLimitOptions } from './plugins/rate-limit.js'
/** What `buildApp({ store, auth })` logs users in with: `await AuthService.open(store, config)`. */
export { type AuthConfig, AuthService } from '../services/auth.js'
