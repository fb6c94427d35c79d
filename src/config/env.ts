import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ChatkeepError } from '../errors.js'
import { MESSAGE_SEARCH_MODES } from './message-search-mode.js'
import type { SqliteSynchronous } from '../db/sqlite.js'
import { type OperationsConfig, resolveOperationsConfig } from './operations-config.js'
import { LOG_LEVELS, resolveServerConfig, type ServerConfig } from './server-config.js'
import { resolveConfig, type StoreConfig } from './store-config.js'

/** Environment variables by name, as the process sees them after the `.env` file is merged in. */
export type Env = Readonly<Record<string, string | undefined>>

export interface ReadEnvOptions {
  /** Where to look for `.env`; the working directory by default. */
  cwd?: string
  /** The real environment; `process.env` by default. */
  env?: Env
}

/**
 * Reads the environment once: `process.env` over the `.env` file in the working directory, so a
 * variable set in the real environment wins over the file. Only the CLI and the server call it.
 */
export function readEnv(options: ReadEnvOptions = {}): Env {
  const file = readDotenv(join(options.cwd ?? process.cwd(), '.env'))
  return { ...file, ...(options.env ?? process.env) }
}

/** The variables a `.env` file sets; none when there is no file. */
function readDotenv(path: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new ChatkeepError('invalid_config', `Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return parseDotenv(text, path)
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t' }

/**
 * Parses a `.env` file: `KEY=value` lines, `#` comments (whole-line, or after a space on an
 * unquoted value), optional `export`, and single- (literal) or double-quoted (with `\n`, `\t`,
 * `\"`, `\\` escapes) values on one line.
 */
export function parseDotenv(text: string, source = '.env'): Record<string, string> {
  const vars: Record<string, string> = {}
  text.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*(#|$)/.test(line)) return
    const match = LINE.exec(line)
    const value = match ? unquote(match[2]!) : undefined
    if (match === null || value === undefined) {
      // The line itself is left out: it may hold a password.
      const key = match ? ` (${match[1]})` : ''
      throw new ChatkeepError(
        'invalid_config',
        `${source} line ${index + 1}${key} is not KEY=value, or leaves a quote open.`,
      )
    }
    vars[match[1]!] = value
  })
  return vars
}

/** The value of a `.env` line, or undefined when a quote is left open or followed by text. */
function unquote(raw: string): string | undefined {
  const quote = raw[0]
  if (quote === "'") {
    const match = /^'([^']*)'\s*(#.*)?$/.exec(raw)
    return match?.[1]
  }
  if (quote === '"') {
    const match = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(raw)
    return match?.[1]!.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c)
  }
  return raw.replace(/(^|\s+)#.*$/, '')
}

type Parse = (value: string, name: string) => unknown

const bad = (name: string, expected: string, value: string) =>
  new ChatkeepError('invalid_config', `${name} must be ${expected}; got "${value}".`, {
    field: `/${name}`,
  })

const text: Parse = (value) => value

const seconds: Parse = (value, name) => {
  if (!/^\d+(\.\d+)?$/.test(value)) throw bad(name, 'a number of seconds (0 or more)', value)
  return Number(value)
}

const whole: Parse = (value, name) => {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw bad(name, 'a whole number (0 or more)', value)
  }
  return Number(value)
}

const flag: Parse = (value, name) => {
  const v = value.toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  throw bad(name, 'true or false', value)
}

const databaseType: Parse = (value, name) => {
  const v = value.toLowerCase()
  if (v === 'sqlite') return 'sqlite'
  if (v === 'postgresql' || v === 'postgres') return 'postgresql'
  throw bad(name, 'sqlite or postgresql', value)
}

const synchronous: Parse = (value) => value.toLowerCase() as SqliteSynchronous

const messageSearch: Parse = (value, name) => {
  const v = value.toLowerCase()
  if (!(MESSAGE_SEARCH_MODES as readonly string[]).includes(v)) {
    throw bad(name, `one of ${MESSAGE_SEARCH_MODES.join(', ')}`, value)
  }
  return v
}

const logLevel: Parse = (value, name) => {
  const v = value.toLowerCase()
  if (!(LOG_LEVELS as readonly string[]).includes(v))
    throw bad(name, `one of ${LOG_LEVELS.join(', ')}`, value)
  return v
}

// The value is left out of the message: the URL may hold a password.
const redisUrl: Parse = (value, name) => {
  if (!/^rediss?:\/\/./i.test(value)) {
    throw new ChatkeepError('invalid_config', `${name} must be a redis:// or rediss:// URL.`, {
      field: `/${name}`,
    })
  }
  return value
}

/** A comma-separated list, each entry trimmed, empty entries left out. */
const list: Parse = (value) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')

type Variables<T> = ReadonlyArray<readonly [name: string, field: keyof T, parse: Parse]>

/** Every variable the store reads, and the StoreConfig field it fills. */
const VARIABLES: Variables<StoreConfig> = [
  ['DATABASE_TYPE', 'database_type', databaseType],
  ['DATABASE_URL', 'database_url', text],
  ['DATABASE_TIMEOUT', 'database_timeout', seconds],
  ['DATABASE_POOL_SIZE', 'pool_size', whole],
  ['DATABASE_MAX_OVERFLOW', 'max_overflow', whole],
  ['DATABASE_POOL_TIMEOUT', 'pool_timeout', seconds],
  ['DATABASE_POOL_RECYCLE', 'pool_recycle', seconds],
  ['DATABASE_INIT_RETRY_COUNT', 'init_retry_count', whole],
  ['DATABASE_INIT_RETRY_DELAY_MS', 'init_retry_delay_ms', whole],
  ['DATABASE_ECHO', 'echo', flag],
  ['SQLITE_SYNCHRONOUS', 'sqlite_synchronous', synchronous],
  ['SQLITE_BUSY_TIMEOUT_MS', 'sqlite_busy_timeout_ms', whole],
  // Never echoed: KeyRing.parse names a bad entry by position and id only.
  ['ENCRYPTION_KEYS', 'encryption_keys', text],
  ['STREAM_TIMEOUT_MS', 'stream_timeout_ms', whole],
  ['STREAM_CHECKPOINT_MS', 'stream_checkpoint_ms', whole],
  ['STREAM_CHECKPOINT_CHARS', 'stream_checkpoint_chars', whole],
  ['STREAM_POLL_MS', 'stream_poll_ms', whole],
  ['MESSAGE_SEARCH', 'message_search', messageSearch],
  ['MESSAGE_SEARCH_INTERVAL_MS', 'message_search_interval_ms', whole],
]

/** Every variable the HTTP server reads, and the ServerConfig field it fills. */
const SERVER_VARIABLES: Variables<ServerConfig> = [
  ['PORT', 'port', whole],
  ['HOST', 'host', text],
  ['JWT_SECRET', 'jwt_secret', text],
  ['ACCESS_TOKEN_TTL', 'access_token_ttl_s', whole],
  ['REFRESH_TOKEN_TTL', 'refresh_token_ttl_s', whole],
  ['RATE_LIMIT_PER_MINUTE', 'rate_limit_per_minute', whole],
  ['AUTH_RATE_LIMIT_PER_MINUTE', 'auth_rate_limit_per_minute', whole],
  ['REDIS_URL', 'redis_url', redisUrl],
  ['TRUST_PROXY', 'trust_proxy', flag],
  ['BODY_LIMIT', 'body_limit', whole],
  ['LOG_LEVEL', 'log_level', logLevel],
  ['CORS_ORIGINS', 'cors_origins', list],
  ['WEBHOOK_ALLOW_PRIVATE', 'webhook_allow_private', flag],
]

/** Every variable the operator's commands read besides the database, and the field it fills. */
const OPERATIONS_VARIABLES: Variables<OperationsConfig> = [
  ['RETENTION_DAYS', 'retention_days', whole],
  ['EVENTS_RETENTION_DAYS', 'events_retention_days', whole],
  ['BACKUP_DIR', 'backup_dir', text],
  ['BACKUP_KEEP', 'backup_keep', whole],
  ['TRANSCRIPT_DIR', 'transcript_dir', text],
]

/** S3 is configured by S3_BUCKET; the others refine it. */
const S3_VARIABLES = [
  'S3_BUCKET',
  'S3_REGION',
  'S3_ENDPOINT',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_PREFIX',
  'S3_FORCE_PATH_STYLE',
] as const

/** The names of the variables envToStoreConfig reads. */
export const STORE_ENV_NAMES: readonly string[] = VARIABLES.map(([name]) => name)

/** The names of the variables envToServerConfig reads. */
export const SERVER_ENV_NAMES: readonly string[] = SERVER_VARIABLES.map(([name]) => name)

/** The names of the variables envToOperationsConfig reads. */
export const OPERATIONS_ENV_NAMES: readonly string[] = [
  ...OPERATIONS_VARIABLES.map(([name]) => name),
  ...S3_VARIABLES,
]

/** Each variable of `variables` that is set, parsed into its field. */
function fromEnv<T>(env: Env, variables: Variables<T>): Partial<T> {
  const config: Record<string, unknown> = {}
  for (const [name, field, parse] of variables) {
    const value = env[name]?.trim()
    if (value) config[field as string] = parse(value, name)
  }
  return config as Partial<T>
}

/**
 * Turns the environment into a StoreConfig, checked as openStore would check it, so a bad value
 * stops start-up with a message naming the variable. An empty variable counts as unset.
 * @example
 * const config = envToStoreConfig(readEnv())
 */
export function envToStoreConfig(env: Env): StoreConfig {
  const config: StoreConfig = fromEnv(env, VARIABLES)
  try {
    resolveConfig(config)
  } catch (error) {
    throw inVariableNames(error, VARIABLES)
  }
  return config
}

/**
 * Turns the environment into the HTTP server's configuration, defaults filled in and checked, so
 * a bad value stops start-up with a message naming the variable. An empty variable counts as
 * unset. The TTLs are in seconds, BODY_LIMIT in bytes.
 * @example
 * const server = envToServerConfig(readEnv())
 */
export function envToServerConfig(env: Env): ServerConfig {
  const config: Partial<ServerConfig> = fromEnv(env, SERVER_VARIABLES)
  try {
    return resolveServerConfig(config)
  } catch (error) {
    throw inVariableNames(error, SERVER_VARIABLES)
  }
}

/**
 * Turns the environment into what backup, cleanup and transcripts need: RETENTION_DAYS,
 * BACKUP_DIR, BACKUP_KEEP, TRANSCRIPT_DIR and, when S3_BUCKET is set, the S3_* settings.
 * @example
 * const { retention_days } = envToOperationsConfig(readEnv())
 */
export function envToOperationsConfig(env: Env): OperationsConfig {
  const config: Partial<OperationsConfig> = fromEnv(env, OPERATIONS_VARIABLES)
  const s3 = (name: (typeof S3_VARIABLES)[number]) => env[name]?.trim() || undefined
  const bucket = s3('S3_BUCKET')
  if (bucket !== undefined) {
    const pathStyle = s3('S3_FORCE_PATH_STYLE')
    config.s3 = {
      bucket,
      region: s3('S3_REGION') ?? 'us-east-1',
      endpoint: s3('S3_ENDPOINT'),
      access_key_id: s3('S3_ACCESS_KEY_ID'),
      secret_access_key: s3('S3_SECRET_ACCESS_KEY'),
      prefix: s3('S3_PREFIX') ?? '',
      // A custom endpoint is nearly always a self-hosted server that wants path-style URLs.
      force_path_style:
        pathStyle === undefined
          ? s3('S3_ENDPOINT') !== undefined
          : (flag(pathStyle, 'S3_FORCE_PATH_STYLE') as boolean),
    }
  }
  try {
    return resolveOperationsConfig(config)
  } catch (error) {
    throw inVariableNames(error, [
      ...OPERATIONS_VARIABLES,
      ['S3_BUCKET', 's3_bucket' as keyof OperationsConfig, text],
    ])
  }
}

/** The resolvers name config fields; from the environment, name the variables instead. */
function inVariableNames<T>(error: unknown, variables: Variables<T>): unknown {
  if (!(error instanceof ChatkeepError)) return error
  let message = error.message
  let field = error.field
  for (const [name, key] of variables) {
    message = message.replace(new RegExp(`\\b${String(key)}\\b`, 'g'), name)
    if (field === `/${String(key)}`) field = `/${name}`
  }
  return new ChatkeepError(error.code, message, {
    ...(field === undefined ? {} : { field }),
    cause: error,
  })
}
