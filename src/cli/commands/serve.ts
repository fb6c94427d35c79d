import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

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

/** The options of `chatkeep serve`, for `parseArgs`. */
export const serveOptions = {
  ...DATABASE_URL_OPTION,
  port: { type: 'string' },
  host: { type: 'string' },
} as const

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Run the HTTP API server',
  usage: USAGE,
  options: serveOptions,
  load: () => import('../serve.js'),
})
