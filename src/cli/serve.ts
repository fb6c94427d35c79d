import { constants } from 'node:os'
import { envToOperationsConfig, envToServerConfig, envToStoreConfig } from '../config/env.js'
import { type ResolvedConfig, resolveConfig } from '../config/store-config.js'
import { startServer } from '../server/serve.js'
import { pgTool } from './backup.js'
import { type CliContext, EXIT_OK, noPositionals, type ParsedArgs, UsageError } from './command.js'
import type { serveOptions } from './commands/serve.js'

const SIGNALS = ['SIGTERM', 'SIGINT'] as const
const SAME_SIGNAL_MS = 1000

/** `chatkeep serve`: runs until SIGTERM or SIGINT, then stops gracefully. */
export async function run(
  { values, positionals }: ParsedArgs<typeof serveOptions>,
  ctx: CliContext,
): Promise<number> {
  noPositionals(positionals)
  // A flag stands in for its variable, so a bad value it overrides does not stop the start.
  const env = {
    ...ctx.env(),
    ...(values['database-url'] !== undefined ? { DATABASE_URL: values['database-url'] } : {}),
    ...(values.port !== undefined ? { PORT: String(portOption(values.port)) } : {}),
    ...(values.host !== undefined ? { HOST: hostOption(values.host) } : {}),
  }
  const { transcript_dir, s3, retention_days, backup_dir, backup_keep } = envToOperationsConfig(env)
  const store_config = { ...envToStoreConfig(env), transcript_dir, s3, retention_days }
  const server_config = envToServerConfig(env)
  const backups = { dir: backup_dir, keep: backup_keep, pg_dump: pgTool(ctx, 'PG_DUMP') }
  const server = await startServer({ store_config, server_config, backups })
  ctx.stdout(
    `Chatkeep listening on ${server.url} — API docs at ${server.url}/docs, ` +
      `admin console at ${server.url}/admin ` +
      `(${describeDatabase(resolveConfig(store_config))})`,
  )
  const signal = await shutdownSignal(ctx)
  ctx.stdout(`${signal}: finishing the requests in flight, then stopping.`)
  await server.close()
  ctx.stdout('Chatkeep stopped.')
  return EXIT_OK
}

function portOption(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535; got '${value}'`)
  }
  return port
}

function hostOption(value: string): string {
  if (value.trim() === '') throw new UsageError('--host needs an address')
  return value.trim()
}

/**
 * Resolves with the first SIGTERM or SIGINT. A second one exits at once, with the usual
 * 128 + signal number, for when a graceful stop is taking too long. Signals within a second of
 * the first count as the same one: Ctrl-C under `npm start` reaches this process twice, from
 * the terminal and forwarded by npm.
 */
function shutdownSignal(ctx: CliContext): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first_at = 0
    const first = (signal: NodeJS.Signals) => {
      first_at = Date.now()
      for (const name of SIGNALS) {
        process.off(name, first)
        process.on(name, second)
      }
      resolve(signal)
    }
    const second = (signal: NodeJS.Signals) => {
      if (Date.now() - first_at < SAME_SIGNAL_MS) return
      ctx.stderr(`${signal} again: exiting at once, without waiting for requests in flight.`)
      process.exit(128 + constants.signals[signal])
    }
    for (const name of SIGNALS) process.on(name, first)
  })
}

/** Engine and where the data is, never a password: `SQLite, /srv/data/chatkeep.db`. */
export function describeDatabase(config: ResolvedConfig): string {
  if (config.engine === 'sqlite') return `SQLite, ${config.path}`
  try {
    const url = new URL(config.url)
    const user = url.username === '' ? '' : `${decodeURIComponent(url.username)}@`
    return `PostgreSQL, ${user}${url.host}${url.pathname}`
  } catch {
    return 'PostgreSQL'
  }
}
