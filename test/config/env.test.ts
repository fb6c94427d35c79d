import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { envToServerConfig, envToStoreConfig, parseDotenv, readEnv } from '../../src/config/env.js'
import { DEFAULT_SERVER_CONFIG } from '../../src/config/server-config.js'
import { ChatkeepError } from '../../src/errors.js'

function thrown(work: () => unknown): ChatkeepError {
  try {
    work()
  } catch (error) {
    expect(error).toBeInstanceOf(ChatkeepError)
    return error as ChatkeepError
  }
  throw new Error('expected a ChatkeepError')
}

describe('parseDotenv', () => {
  test('reads KEY=value lines, skipping comments and blank lines', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value',
      '  SPACED = spaced out  ',
      'export EXPORTED=yes',
      'EMPTY=',
      'INLINE=true  # a trailing comment',
      'HASH=a#b',
      'URL=postgres://u:p@host:5432/db?sslmode=require',
      '\t# indented comment',
    ].join('\n')
    expect(parseDotenv(text)).toEqual({
      PLAIN: 'value',
      SPACED: 'spaced out',
      EXPORTED: 'yes',
      EMPTY: '',
      INLINE: 'true',
      HASH: 'a#b',
      URL: 'postgres://u:p@host:5432/db?sslmode=require',
    })
  })

  test('double quotes keep # and spaces and understand escapes; single quotes are literal', () => {
    const text = [
      'DOUBLE="a # not a comment "  # a comment',
      'ESCAPED="line\\nnext \\"quoted\\" back\\\\slash"',
      "SINGLE='p@ss#word \\n'",
      'EMPTY_QUOTES=""',
    ].join('\r\n')
    expect(parseDotenv(text)).toEqual({
      DOUBLE: 'a # not a comment ',
      ESCAPED: 'line\nnext "quoted" back\\slash',
      SINGLE: 'p@ss#word \\n',
      EMPTY_QUOTES: '',
    })
  })

  test('a later line wins over an earlier one', () => {
    expect(parseDotenv('A=1\nA=2')).toEqual({ A: '2' })
  })

  test('a line that is not KEY=value or leaves a quote open is invalid_config, naming the line', () => {
    for (const [text, message] of [
      ['A=1\njust words', '/app/.env line 2 is not KEY=value, or leaves a quote open.'],
      ['A=1\nB="open secret', '/app/.env line 2 (B) is not KEY=value, or leaves a quote open.'],
      ["A='x' trailing", '/app/.env line 1 (A) is not KEY=value, or leaves a quote open.'],
      ['1BAD=x', '/app/.env line 1 is not KEY=value, or leaves a quote open.'],
    ] as const) {
      const error = thrown(() => parseDotenv(text, '/app/.env'))
      expect(error.code).toBe('invalid_config')
      expect(error.message).toBe(message)
    }
  })
})

describe('readEnv', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = undefined
  })

  test('merges the .env file under the real environment: the environment wins', () => {
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-env-'))
    writeFileSync(
      join(dir, '.env'),
      'DATABASE_URL=from-file.db\nDATABASE_ECHO=true\nEMPTIED=file\n',
    )
    const env = readEnv({
      cwd: dir,
      env: { DATABASE_URL: 'from-env.db', OTHER: 'x', EMPTIED: '' },
    })
    expect(env).toEqual({
      DATABASE_URL: 'from-env.db',
      DATABASE_ECHO: 'true',
      OTHER: 'x',
      EMPTIED: '',
    })
  })

  test('without a .env file it is the real environment', () => {
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-env-'))
    expect(readEnv({ cwd: dir, env: { A: '1' } })).toEqual({ A: '1' })
  })
})

describe('envToStoreConfig', () => {
  test('maps every variable to its StoreConfig field', () => {
    expect(
      envToStoreConfig({
        DATABASE_TYPE: 'PostgreSQL',
        DATABASE_URL: ' postgres://u@db/chat ',
        DATABASE_TIMEOUT: '60',
        DATABASE_POOL_SIZE: '10',
        DATABASE_MAX_OVERFLOW: '0',
        DATABASE_POOL_TIMEOUT: '2.5',
        DATABASE_POOL_RECYCLE: '3600',
        DATABASE_INIT_RETRY_COUNT: '3',
        DATABASE_INIT_RETRY_DELAY_MS: '100',
        DATABASE_ECHO: 'false',
        SQLITE_SYNCHRONOUS: 'NORMAL',
        SQLITE_BUSY_TIMEOUT_MS: '250',
        UNRELATED: 'ignored',
      }),
    ).toEqual({
      database_type: 'postgresql',
      database_url: 'postgres://u@db/chat',
      database_timeout: 60,
      pool_size: 10,
      max_overflow: 0,
      pool_timeout: 2.5,
      pool_recycle: 3600,
      init_retry_count: 3,
      init_retry_delay_ms: 100,
      echo: false,
      sqlite_synchronous: 'normal',
      sqlite_busy_timeout_ms: 250,
    })
  })

  test('unset and empty variables leave the defaults to resolveConfig', () => {
    expect(envToStoreConfig({})).toEqual({})
    expect(envToStoreConfig({ DATABASE_URL: '', DATABASE_TYPE: ' ', DATABASE_ECHO: '' })).toEqual(
      {},
    )
  })

  test('accepts the usual spellings of true and false, and postgres for postgresql', () => {
    expect(envToStoreConfig({ DATABASE_ECHO: 'YES' }).echo).toBe(true)
    expect(envToStoreConfig({ DATABASE_ECHO: '0' }).echo).toBe(false)
    expect(
      envToStoreConfig({ DATABASE_TYPE: 'postgres', DATABASE_URL: 'postgresql://h/db' })
        .database_type,
    ).toBe('postgresql')
  })

  test('a bad value is invalid_config naming the variable', () => {
    for (const [name, value, message] of [
      [
        'DATABASE_POOL_SIZE',
        'abc',
        'DATABASE_POOL_SIZE must be a whole number (0 or more); got "abc".',
      ],
      [
        'DATABASE_POOL_SIZE',
        '2.5',
        'DATABASE_POOL_SIZE must be a whole number (0 or more); got "2.5".',
      ],
      [
        'DATABASE_TIMEOUT',
        '-1',
        'DATABASE_TIMEOUT must be a number of seconds (0 or more); got "-1".',
      ],
      ['DATABASE_ECHO', 'maybe', 'DATABASE_ECHO must be true or false; got "maybe".'],
      ['DATABASE_TYPE', 'mysql', 'DATABASE_TYPE must be sqlite or postgresql; got "mysql".'],
    ] as const) {
      const error = thrown(() => envToStoreConfig({ [name]: value }))
      expect(error.code).toBe('invalid_config')
      expect(error.message).toBe(message)
      expect(error.field).toBe(`/${name}`)
    }
  })

  test("resolveConfig's checks come back in terms of the variables", () => {
    const size = thrown(() => envToStoreConfig({ DATABASE_POOL_SIZE: '0' }))
    expect(size).toMatchObject({ code: 'invalid_config', field: '/DATABASE_POOL_SIZE' })
    expect(size.message).toBe('DATABASE_POOL_SIZE must be a number of at least 1; got 0.')

    const type = thrown(() => envToStoreConfig({ DATABASE_TYPE: 'postgresql' }))
    expect(type.message).toBe(
      'DATABASE_TYPE is postgresql, so DATABASE_URL must be a postgres:// URL.',
    )

    const sync = thrown(() => envToStoreConfig({ SQLITE_SYNCHRONOUS: 'sometimes' }))
    expect(sync).toMatchObject({ code: 'invalid_config', field: '/SQLITE_SYNCHRONOUS' })
    expect(sync.message).toMatch(/^SQLITE_SYNCHRONOUS must be one of /)
  })
})

describe('envToServerConfig', () => {
  const secret = 'a-signing-secret-of-at-least-32-characters'

  test('maps every variable to its ServerConfig field', () => {
    expect(
      envToServerConfig({
        PORT: '9000',
        HOST: ' 0.0.0.0 ',
        JWT_SECRET: secret,
        ACCESS_TOKEN_TTL: '600',
        REFRESH_TOKEN_TTL: '86400',
        RATE_LIMIT_PER_MINUTE: '300',
        AUTH_RATE_LIMIT_PER_MINUTE: '5',
        REDIS_URL: 'redis://:pw@cache:6379/0',
        TRUST_PROXY: 'yes',
        BODY_LIMIT: '1048576',
        LOG_LEVEL: 'WARN',
        CORS_ORIGINS: 'https://app.example.com',
        UNRELATED: 'ignored',
      }),
    ).toEqual({
      port: 9000,
      host: '0.0.0.0',
      jwt_secret: secret,
      access_token_ttl_s: 600,
      refresh_token_ttl_s: 86400,
      rate_limit_per_minute: 300,
      auth_rate_limit_per_minute: 5,
      redis_url: 'redis://:pw@cache:6379/0',
      trust_proxy: true,
      body_limit: 1048576,
      log_level: 'warn',
      cors_origins: ['https://app.example.com'],
      webhook_allow_private: false,
    })
  })

  test('unset and empty variables give the defaults', () => {
    expect(envToServerConfig({})).toEqual(DEFAULT_SERVER_CONFIG)
    expect(envToServerConfig({ PORT: '', JWT_SECRET: ' ', REDIS_URL: '' })).toEqual(
      DEFAULT_SERVER_CONFIG,
    )
  })

  test('a bad value is invalid_config naming the variable, never echoing a secret', () => {
    for (const [name, value, message] of [
      ['PORT', 'abc', 'PORT must be a whole number (0 or more); got "abc".'],
      ['PORT', '70000', 'PORT must be at most 65535; got 70000.'],
      ['JWT_SECRET', 'short', 'JWT_SECRET must be at least 32 characters.'],
      ['ACCESS_TOKEN_TTL', '0', 'ACCESS_TOKEN_TTL must be a positive whole number; got 0.'],
      [
        'REFRESH_TOKEN_TTL',
        '1.5',
        'REFRESH_TOKEN_TTL must be a whole number (0 or more); got "1.5".',
      ],
      [
        'RATE_LIMIT_PER_MINUTE',
        '-1',
        'RATE_LIMIT_PER_MINUTE must be a whole number (0 or more); got "-1".',
      ],
      [
        'AUTH_RATE_LIMIT_PER_MINUTE',
        '0',
        'AUTH_RATE_LIMIT_PER_MINUTE must be a positive whole number; got 0.',
      ],
      ['REDIS_URL', 'cache:6379', 'REDIS_URL must be a redis:// or rediss:// URL.'],
      ['TRUST_PROXY', 'sometimes', 'TRUST_PROXY must be true or false; got "sometimes".'],
      ['BODY_LIMIT', '4mb', 'BODY_LIMIT must be a whole number (0 or more); got "4mb".'],
      [
        'LOG_LEVEL',
        'loud',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud".',
      ],
    ] as const) {
      const error = thrown(() => envToServerConfig({ [name]: value }))
      expect(error.code, name).toBe('invalid_config')
      expect(error.message).toBe(message)
      expect(error.field).toBe(`/${name}`)
    }
  })
})
