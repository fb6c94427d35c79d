import { constants } from 'node:os'
import { parseArgs } from 'node:util'
import { envToOperationsConfig, envToServerConfig, envToStoreConfig } from '../config/env.js'
import { type ResolvedConfig, resolveConfig } from '../config/store-config.js'
import { startServer } from '../server/serve.js'
import { type CliContext, type Command, EXIT_OK, parseOrUsage, UsageError } from './command.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION } from './with-database.js'

const USAGE = `Usage: chatkeep serve [options]

Runs the HTTP API (docs at /docs, OpenAPI at /openapi.json). Pending migrations are applied on
start; without JWT_SECRET, a signing secret is generated once and kept in the database.
SIGTERM or SIGINT (Ctrl-C) stops it gracefully: requests in flight finish, then it exits 0;
another signal, over a second later, exits at once.

Options:
  --port N            Port to listen on; 0 picks a free one (overrides PORT; default 8080)
  --host H            Address to listen on (overrides HOST; default 127.0.0.1)
${DATABASE_URL_HELP}
  -h, --help          Show this help

Environment: PORT, HOST, JWT_SECRET, ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL (seconds),
RATE_LIMIT_PER_MINUTE, AUTH_RATE_LIMIT_PER_MINUTE, REDIS_URL, TRUST_PROXY, BODY_LIMIT (bytes),
LOG_LEVEL, and the DATABASE_* variables of \`chatkeep --help\`.`

const SIGNALS = ['SIGTERM', 'SIGINT'] as const
const SAME_SIGNAL_MS = 1000

export const serve: Command = {
  name: 'serve',
  summary: 'Run the HTTP API server',
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parseOrUsage(() =>
      parseArgs({
        args,
        options: {
          ...DATABASE_URL_OPTION,
          port: { type: 'string' },
          host: { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    )
    if (values.help) {
      ctx.stdout(USAGE)
      return EXIT_OK
    }
    // A flag stands in for its variable, so a bad value it overrides does not stop the start.
    const env = {
      ...ctx.env(),
      ...(values['database-url'] !== undefined ? { DATABASE_URL: values['database-url'] } : {}),
      ...(values.port !== undefined ? { PORT: String(portOption(values.port)) } : {}),
      ...(values.host !== undefined ? { HOST: hostOption(values.host) } : {}),
    }
    const { transcript_dir, s3 } = envToOperationsConfig(env)
    const store_config = { ...envToStoreConfig(env), transcript_dir, s3 }
    const server_config = envToServerConfig(env)
    const server = await startServer({ store_config, server_config })
    ctx.stdout(
      `Chatkeep listening on ${server.url} — API docs at ${server.url}/docs ` +
        `(${describeDatabase(resolveConfig(store_config))})`,
    )
    const signal = await shutdownSignal(ctx)
    ctx.stdout(`${signal}: finishing the requests in flight, then stopping.`)
    await server.close()
    ctx.stdout('Chatkeep stopped.')
    return EXIT_OK
  },
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
