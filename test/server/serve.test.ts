import { type ChildProcess, spawn } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { SERVER_ENV_NAMES, STORE_ENV_NAMES } from '../../src/config/env.js'
import { MIGRATIONS } from '../../src/db/migrations/index.js'
import { openStore } from '../../src/index.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'
import { startWorker } from '../support/workers.js'

/** `chatkeep serve` as a real process, over real HTTP. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const LATEST = Object.keys(MIGRATIONS).at(-1)!
const PASSWORD = 'correct horse battery'
const LISTENING =
  /^Chatkeep listening on (http:\/\/\S+) — API docs at (\S+), admin console at (\S+) \((.+)\)$/

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

interface Serve {
  child: ChildProcess
  readonly stdout: string
  readonly stderr: string
  /** Resolves with the first stdout line matching `match` (already printed or to come). */
  line(match: RegExp): Promise<string>
  exited: Promise<Exit>
}

const running = new Set<Serve>()

/**
 * Runs `chatkeep serve` from source. Every variable Chatkeep reads is set, empty (unset) unless
 * given, so neither the runner's environment nor a `.env` in the repo changes what it sees.
 */
function serve(args: string[], env: Record<string, string> = {}): Serve {
  const blank = Object.fromEntries([...STORE_ENV_NAMES, ...SERVER_ENV_NAMES].map((n) => [n, '']))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...blank, AUTH_RATE_LIMIT_PER_MINUTE: '1000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const waiters: { match: RegExp; resolve: (line: string) => void; reject: (e: Error) => void }[] =
    []
  let done: Exit | undefined
  const settle = () => {
    const lines = stdout.split('\n').slice(0, -1)
    for (const w of [...waiters]) {
      const found = lines.find((l) => w.match.test(l))
      if (found !== undefined) w.resolve(found)
      else if (done !== undefined) {
        w.reject(new Error(`serve exited (${done.code}) before ${w.match}:\n${stdout}${stderr}`))
      } else continue
      waiters.splice(waiters.indexOf(w), 1)
    }
  }
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    settle()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const handle: Serve = {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    line: (match) =>
      new Promise((resolve, reject) => {
        waiters.push({ match, resolve, reject })
        settle()
      }),
    exited: new Promise((resolve) =>
      child.on('close', (code, signal) => {
        done = { code, signal, stdout, stderr }
        running.delete(handle)
        settle()
        resolve(done)
      }),
    ),
  }
  running.add(handle)
  return handle
}

/** At debug the server logs each request as it arrives: how these tests see one in flight. */
const IN_FLIGHT_LOGGED = { LOG_LEVEL: 'debug' }

/** Starts a server on `database_url` and resolves with its base URL once it listens. */
async function started(database_url: string, env: Record<string, string> = {}) {
  const server = serve(['--port', '0', '--database-url', database_url], env)
  const line = await server.line(LISTENING)
  const [, url, docs, console_url, database] = LISTENING.exec(line)!
  return { server, url: url!, docs: docs!, console_url: console_url!, database: database! }
}

/** The fields of the API's answers that these tests read. */
interface Answer {
  id: string
  access_token: string
  user: { id: string }
  migrations: unknown
  data: { id: string; sequence: number }[]
  has_more: boolean
}

async function call(
  url: string,
  method: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Answer }> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? null : JSON.parse(text) }
}

let counter = 0
async function register(url: string): Promise<{ token: string; user_id: string }> {
  const username = `user_${process.pid}_${++counter}`
  const { status, body } = await call(`${url}/v1/auth/register`, 'POST', {
    username,
    password: PASSWORD,
  })
  expect(status, JSON.stringify(body)).toBe(201)
  return { token: body.access_token, user_id: body.user.id }
}

/**
 * The command's own lines, without the JSON log lines: pino writes asynchronously, so the two
 * interleave in any order.
 */
const said = (stdout: string) => stdout.split('\n').filter((l) => l !== '' && !l.startsWith('{'))

async function stop(server: Serve, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
  server.child.kill(signal)
  return server.exited
}

afterEach(() => {
  for (const server of running) server.child.kill('SIGKILL')
})

for (const engine of ENGINES) {
  describe(`chatkeep serve [${engine}]`, () => {
    let database: TestDatabase
    beforeAll(async () => {
      database = await createTestDatabase(engine)
    })
    afterAll(async () => {
      await database?.drop()
    })

    test('starts on a new database, applies the migrations and serves the API', async () => {
      const {
        server,
        url,
        docs,
        console_url,
        database: where,
      } = await started(database.database_url)
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(url).not.toMatch(/:0$/)
      expect(docs).toBe(`${url}/docs`)
      if (engine === 'sqlite') expect(where).toBe(`SQLite, ${database.database_url}`)
      else expect(where).toMatch(/^PostgreSQL, postgres@127\.0\.0\.1:5432\/ck_test_/)

      const ready = await call(`${url}/readyz`, 'GET')
      expect(ready.status).toBe(200)
      expect(ready.body.migrations).toEqual({ current: LATEST, pending: [], unknown: [] })
      expect((await fetch(docs)).status).toBe(200)
      expect(console_url).toBe(`${url}/admin`)
      expect(await (await fetch(console_url)).text()).toContain('<title>Chatkeep admin</title>')

      const { token } = await register(url)
      const chat = await call(`${url}/v1/conversations`, 'POST', { title: 'Trip' }, token)
      expect(chat.status).toBe(201)
      const messages = `${url}/v1/conversations/${chat.body.id}/messages`
      for (const [role, content, request_id] of [
        ['user', 'Hi', 'turn-1'],
        ['assistant', 'Hello!', 'turn-1'],
        ['user', 'Where to?', 'turn-2'],
      ]) {
        const appended = await call(messages, 'POST', { role, content, request_id }, token)
        expect(appended.status, JSON.stringify(appended.body)).toBe(201)
      }
      const last = await call(`${messages}?last=2`, 'GET', undefined, token)
      expect(last.status).toBe(200)
      expect(last.body.data.map((m) => m.sequence)).toEqual([2, 3])
      expect(last.body.has_more).toBe(true)

      const exit = await stop(server)
      expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null })
      expect(said(exit.stdout)).toEqual([
        expect.stringMatching(LISTENING),
        'SIGTERM: finishing the requests in flight, then stopping.',
        'Chatkeep stopped.',
      ])
    })

    test('keeps the generated JWT secret: a token outlives a restart', async () => {
      const first = await started(database.database_url)
      const { token, user_id } = await register(first.url)
      expect((await stop(first.server)).code).toBe(0)

      const second = await started(database.database_url)
      const me = await call(`${second.url}/v1/users/me`, 'GET', undefined, token)
      expect(me.status, JSON.stringify(me.body)).toBe(200)
      expect(me.body.id).toBe(user_id)
      expect((await stop(second.server)).code).toBe(0)
    })

    test('SIGTERM lets a request in flight finish, refuses new connections, then exits 0', async () => {
      const { server, url } = await started(database.database_url, IN_FLIGHT_LOGGED)
      const { token, user_id } = await register(url)
      const chat = await call(`${url}/v1/conversations`, 'POST', { title: 'Batch' }, token)
      const path = `/v1/conversations/${chat.body.id}/messages/batch`
      const batch = Array.from({ length: 1000 }, (_, i) => ({
        role: i % 2 === 0 ? 'user' : 'assistant',
        content: `message ${i} `.padEnd(2000, 'x'),
      }))
      const body = Buffer.from(JSON.stringify({ messages: batch }))

      // The request is sent with half its body: the server has routed it and waits for the rest.
      const { port } = new URL(url)
      const inFlight: { finish?: () => void } = {}
      const response = new Promise<{ status: number; connection: string; body: Answer }>(
        (resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              path,
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'content-length': body.length,
                authorization: `Bearer ${token}`,
              },
            },
            (res) => {
              let text = ''
              res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
              res.on('end', () =>
                resolve({
                  status: res.statusCode!,
                  connection: String(res.headers.connection),
                  body: JSON.parse(text),
                }),
              )
            },
          )
          req.on('error', reject)
          req.write(body.subarray(0, body.length / 2))
          inFlight.finish = () => req.end(body.subarray(body.length / 2))
        },
      )
      await server.line(/"url":"[^"]+\/messages\/batch".*"msg":"incoming request"/)

      server.child.kill('SIGTERM')
      await server.line(/^SIGTERM: finishing/)
      // While the request is held, the listening socket closes: new connections are refused.
      await expect
        .poll(
          () =>
            fetch(`${url}/healthz`).then(
              () => 'accepted',
              (error: Error) => String((error.cause as { code?: string } | undefined)?.code),
            ),
          { timeout: 5_000, interval: 50 },
        )
        .toBe('ECONNREFUSED')
      expect(server.child.exitCode).toBeNull()

      inFlight.finish!()
      const answered = await response
      expect(answered.status, JSON.stringify(answered.body)).toBe(201)
      expect(answered.connection).toBe('close')
      expect(answered.body.data).toHaveLength(1000)

      const exit = await server.exited
      expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null })
      expect(said(exit.stdout).at(-1)).toBe('Chatkeep stopped.')

      await using store = await openStore({ database_url: database.database_url })
      const stored = await store.forUser(user_id).conversations.get(chat.body.id)
      expect(stored.message_count).toBe(1000)
      const last = await store.forUser(user_id).messages.lastN(chat.body.id, 1)
      expect(last[0]).toMatchObject({ sequence: 1000, content: batch[999]!.content })
    })

    test('a second signal (a second later) exits at once, without waiting for the request in flight', async () => {
      const { server, url } = await started(database.database_url, IN_FLIGHT_LOGGED)
      const { port } = new URL(url)
      // A body that never completes holds the graceful stop open.
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/v1/auth/login',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': 1000 },
      })
      req.on('error', () => {})
      req.write('{"username":')
      await server.line(/"url":"\/v1\/auth\/login".*"msg":"incoming request"/)

      // Ctrl-C under `npm start`: the terminal's SIGINT and npm's forwarded one arrive together.
      server.child.kill('SIGINT')
      server.child.kill('SIGINT')
      await server.line(/^SIGINT: finishing/)
      await new Promise((resolve) => setTimeout(resolve, 1_200))
      expect(server.child.exitCode, server.stderr).toBeNull()

      server.child.kill('SIGINT')
      const exit = await server.exited
      expect(exit.code).toBe(130)
      expect(exit.stderr.trim()).toBe(
        'SIGINT again: exiting at once, without waiting for requests in flight.',
      )
      req.destroy()
    })
  })
}

describe('chatkeep serve: bad configuration', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
  })
  afterAll(async () => {
    await database?.drop()
  })

  /** Exit 1 with exactly one line on stderr, nothing on stdout. */
  async function refused(env: Record<string, string>, args: string[]): Promise<string> {
    const exit = await serve(args, env).exited
    expect(exit.code, exit.stderr).toBe(1)
    expect(exit.stdout).toBe('')
    const lines = exit.stderr.trimEnd().split('\n')
    expect(lines, exit.stderr).toHaveLength(1)
    return lines[0]!
  }

  test('a bad variable is one invalid_config line naming it', async () => {
    const cases: [Record<string, string>, string][] = [
      [
        { PORT: 'abc' },
        'error [invalid_config]: PORT must be a whole number (0 or more); got "abc".',
      ],
      [
        { JWT_SECRET: 'too-short' },
        'error [invalid_config]: JWT_SECRET must be at least 32 characters.',
      ],
      [
        { RATE_LIMIT_PER_MINUTE: '0' },
        'error [invalid_config]: RATE_LIMIT_PER_MINUTE must be a positive whole number; got 0.',
      ],
      [
        { TRUST_PROXY: 'maybe' },
        'error [invalid_config]: TRUST_PROXY must be true or false; got "maybe".',
      ],
      [
        { REDIS_URL: 'http://user:secret@cache' },
        'error [invalid_config]: REDIS_URL must be a redis:// or rediss:// URL.',
      ],
      [
        { DATABASE_POOL_SIZE: 'lots' },
        'error [invalid_config]: DATABASE_POOL_SIZE must be a whole number (0 or more); got "lots".',
      ],
    ]
    // PORT is only read when --port is absent.
    const runs = await Promise.all(
      cases.map(([env]) => serve(['--database-url', database.database_url], env).exited),
    )
    runs.forEach((exit, i) => {
      const [env, line] = cases[i]!
      expect(exit.code, `${JSON.stringify(env)}: ${exit.stderr}`).toBe(1)
      expect(exit.stdout).toBe('')
      expect(exit.stderr).toBe(`${line}\n`)
    })
  })

  test('an unreachable database is one line naming DATABASE_URL', async () => {
    const line = await refused(
      { DATABASE_INIT_RETRY_COUNT: '1', DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/x' },
      ['--port', '0'],
    )
    expect(line).toMatch(
      /^error \[unavailable\]: Cannot reach the PostgreSQL server after 2 attempts; check DATABASE_URL/,
    )
    expect(line).not.toContain('hunter2')
  })

  test('a port in use is one invalid_config line', async () => {
    const { server, url } = await started(database.database_url)
    const { port } = new URL(url)
    const line = await refused({}, ['--port', port, '--database-url', database.database_url])
    expect(line).toBe(
      `error [invalid_config]: Cannot listen on 127.0.0.1:${port}: another process is using that port; choose another. (listen EADDRINUSE: address already in use 127.0.0.1:${port})`,
    )
    expect((await stop(server)).code).toBe(0)
  })

  test('a bad --port is a usage error (exit 2); --help exits 0', async () => {
    const bad = await serve(['--port', 'http']).exited
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(
      /^chatkeep: --port must be a whole number from 0 to 65535; got 'http'\n/,
    )
    const help = await serve(['--help']).exited
    expect(help).toMatchObject({ code: 0, stderr: '' })
    expect(help.stdout).toMatch(/^Usage: chatkeep serve \[options\]/)
  })
})

describe('chatkeep serve [sqlite]: another process holds the write lock', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
  })
  afterAll(async () => {
    await database?.drop()
  })

  test('health, reads and rate-limited reads all answer while the lock is held', async () => {
    const { server, url } = await started(database.database_url, { RATE_LIMIT_PER_MINUTE: '5' })
    // Three of this address's five requests a minute: register, a conversation, a message.
    const { token } = await register(url)
    const chat = await call(`${url}/v1/conversations`, 'POST', { title: 'Locked' }, token)
    const messages = `${url}/v1/conversations/${chat.body.id}/messages`
    expect((await call(messages, 'POST', { role: 'user', content: 'hi' }, token)).status).toBe(201)

    // As a CLI command or a second server would: BEGIN IMMEDIATE on the main file, held until
    // told (or, should the server never answer, for a minute).
    const holder = startWorker('hold-write-lock.ts', [database.database_url, '--seconds', '60'])
    try {
      await holder.waitForLines(/^locked$/)
      expect((await call(`${url}/healthz`, 'GET')).status).toBe(200)
      const last = await call(`${messages}?last=1`, 'GET', undefined, token)
      expect(last.status, JSON.stringify(last.body)).toBe(200)
      expect(last.body.data.map((m) => m.sequence)).toEqual([1])
      expect((await call(`${url}/v1/users/me`, 'GET', undefined, token)).status).toBe(200)
      // The sixth request of the minute is counted and refused all the same.
      expect((await call(`${url}/v1/users/me`, 'GET', undefined, token)).status).toBe(429)
      // Every answer came while the other process still held the lock.
      expect(holder.lines).toEqual(['locked'])
      holder.send('release')
      expect((await holder.exited).code).toBe(0)
    } finally {
      holder.kill()
    }
    expect((await stop(server)).code).toBe(0)
  })
})
