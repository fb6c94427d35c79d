import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { envToServerConfig, envToStoreConfig } from '../../src/config/env.js'
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../../src/server/serve.js'
import {
  CHATKEEP_ENV_NAMES,
  envFileNames,
  execForm,
  instructions,
  parseDockerfile,
  readRepoFile,
  ROOT,
} from './files.js'

/**
 * deploy/compose.yaml, read as Compose reads it (YAML with merge keys) without a Docker engine:
 * the services, their health checks and start order, and the variables they pass to Chatkeep.
 */

interface Service {
  image?: string
  build?: { context: string }
  command?: string[]
  env_file?: string
  environment?: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test?: string[]; disable?: boolean }
  volumes?: string[]
  stop_grace_period?: string
  restart?: string
}

const text = readRepoFile('deploy/compose.yaml')
const compose = parse(text, { merge: true }) as {
  services: Record<string, Service>
  volumes: Record<string, unknown>
}
const { services } = compose
const chatkeep = services.chatkeep!
const migrate = services.migrate!
const runtime = parseDockerfile(readRepoFile('Dockerfile')).at(-1)!

/** What Compose's `${NAME}`, `${NAME:?message}` and `${NAME:-default}` substitute. */
const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[?-][^}]*)?\}/g
const interpolated = new Set([...text.matchAll(INTERPOLATION)].map((m) => m[1]!))
const example = envFileNames('deploy/.env.example')

function seconds(duration: string): number {
  const match = /^(\d+)(s|m)$/.exec(duration)
  if (match === null) throw new Error(`write ${duration} as Ns or Nm`)
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1)
}

describe('deploy/compose.yaml', () => {
  it('runs Chatkeep, a one-shot migration, PostgreSQL and Redis', () => {
    expect(Object.keys(services).sort()).toEqual(['chatkeep', 'migrate', 'postgres', 'redis'])
    expect(existsSync(`${ROOT}deploy/${chatkeep.build!.context}/Dockerfile`)).toBe(true)
    expect(migrate.image).toBe(chatkeep.image)
    expect(migrate.command).toEqual(['migrate', 'up'])
    expect(migrate.restart).toBe('no')
    expect(chatkeep.command).toEqual(['serve'])
  })

  it('checks the health of each server, Chatkeep through the image’s /readyz probe', () => {
    expect(services.postgres!.healthcheck!.test!.slice(0, 2)).toEqual(['CMD', 'pg_isready'])
    // Over TCP: the image's first initialisation serves on the socket alone, then restarts.
    expect(services.postgres!.healthcheck!.test).toContain('127.0.0.1')
    expect(services.redis!.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping'])
    expect(chatkeep.healthcheck).toBeUndefined()
    expect(instructions(runtime, 'HEALTHCHECK')).toHaveLength(1)
    expect(migrate.healthcheck).toEqual({ disable: true })
  })

  it('starts Chatkeep once the migration has succeeded and both servers are healthy', () => {
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } })
    expect(chatkeep.depends_on).toEqual({
      migrate: { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    })
  })

  it('keeps PostgreSQL and Chatkeep’s /data on named volumes, and Redis on none', () => {
    const volume = execForm(instructions(runtime, 'VOLUME').at(-1)!.args)![0]
    expect(chatkeep.volumes).toEqual([`chatkeep-data:${volume}`])
    expect(services.postgres!.volumes).toEqual(['postgres-data:/var/lib/postgresql/data'])
    // Redis holds expiring counters and cache entries only, snapshots off (see the file).
    expect(services.redis!.volumes).toBeUndefined()
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--save', '']))
    expect(Object.keys(compose.volumes).sort()).toEqual(['chatkeep-data', 'postgres-data'])
  })

  it('gives a stop longer than the server’s drain', () => {
    expect(seconds(chatkeep.stop_grace_period!) * 1000).toBeGreaterThan(DEFAULT_SHUTDOWN_GRACE_MS)
  })

  it('passes Chatkeep only variables it reads, the secrets through the env file alone', () => {
    for (const service of [chatkeep, migrate]) {
      const names = Object.keys(service.environment ?? {})
      expect(names.filter((n) => !CHATKEEP_ENV_NAMES.has(n))).toEqual([])
      expect(names).not.toContain('JWT_SECRET')
      expect(names).not.toContain('ENCRYPTION_KEYS')
      expect(service.env_file).toBe('.env')
    }
  })

  it('points Chatkeep at the postgres and redis services, in values its config accepts', () => {
    const password = 'a'.repeat(64)
    const env = Object.fromEntries(
      Object.entries(chatkeep.environment!).map(([name, value]) => [
        name,
        value.replace(INTERPOLATION, (_, v: string) => (v === 'POSTGRES_PASSWORD' ? password : '')),
      ]),
    )
    const postgres = services.postgres!.environment!
    const url = new URL(env.DATABASE_URL!)
    expect([url.hostname, url.username, url.password, url.pathname]).toEqual([
      'postgres',
      postgres.POSTGRES_USER,
      password,
      `/${postgres.POSTGRES_DB}`,
    ])
    expect(new URL(env.REDIS_URL!).hostname).toBe('redis')
    expect(envToStoreConfig(env).database_url).toBe(env.DATABASE_URL)
    expect(envToServerConfig({ ...env, ...example, JWT_SECRET: 'x'.repeat(32) }).redis_url).toBe(
      env.REDIS_URL,
    )
  })
})

describe('deploy/.env.example', () => {
  it('names every variable the compose file interpolates, and only Chatkeep’s besides', () => {
    const names = Object.keys(example)
    expect([...interpolated].filter((n) => !names.includes(n))).toEqual([])
    expect(names.filter((n) => !CHATKEEP_ENV_NAMES.has(n) && !interpolated.has(n))).toEqual([])
  })

  it('holds the secrets’ names with empty values, and deploy/.env stays out of git', () => {
    for (const name of ['POSTGRES_PASSWORD', 'JWT_SECRET', 'ENCRYPTION_KEYS']) {
      expect(example[name], name).toBe('')
    }
    // Asked of a scratch repository holding only the ignore files, so that this holds in an
    // unpacked tarball or a CI copy as well as in a clone.
    const scratch = mkdtempSync(join(tmpdir(), 'chatkeep-ignore-'))
    try {
      execFileSync('git', ['init', '-q'], { cwd: scratch })
      for (const file of ['.gitignore', 'deploy/.gitignore']) {
        if (!existsSync(join(ROOT, file))) continue
        mkdirSync(dirname(join(scratch, file)), { recursive: true })
        copyFileSync(join(ROOT, file), join(scratch, file))
      }
      const ignored = execFileSync('git', ['check-ignore', 'deploy/.env'], { cwd: scratch })
      expect(ignored.toString().trim()).toBe('deploy/.env')
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  })
})
