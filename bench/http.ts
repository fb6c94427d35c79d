import { fork } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { openStore, type Store } from '../src/index.js'
import { AuthService } from '../src/services/auth.js'
import { type BenchDatabase, createBenchDatabase } from './databases.js'
import { describeEngine } from './engine.js'
import { CEILING_PATH, type RunningServer, type ServerSpec, startServer } from './http-servers.js'
import { Recorder, type Sides, summarize, type Summary } from './measure.js'
import type { BenchOptions, EngineName, ServerPlacement, W5Variant } from './options.js'
import { message } from './payloads.js'
import type { ReportRow } from './report.js'
import { analyze, createConversations, fillConversation } from './seed.js'

/**
 * W5: the HTTP API under autocannon, per engine: Fastify with a route that does no work (the
 * ceiling); Fastify with routes doing the raw driver's append, last-20 read and list of
 * conversations (the baselines); and Chatkeep's server as `chatkeep serve` starts it with no
 * settings (rate limits counted in the database, logs at info, a registered user's access
 * token), beside the same with Redis configured and with no rate limiter. Three groups of loads
 * (reads, lists, appends), each warmed up and measured in two halves, forwards and back. Each
 * connection appends to a conversation of its own: W4 measures many writers on one. The servers
 * run in child processes, autocannon in this one: on 2 cores a server sharing autocannon's
 * event loop measured the load generator as much as itself.
 */

const CHILD = fileURLToPath(new URL('./http-child.ts', import.meta.url))

/**
 * Starts a server: in a child process of its own, or in this one. A child's stdout (where
 * Chatkeep logs, as `serve` does) goes to `log_file` when given.
 */
export async function launch(
  spec: ServerSpec,
  placement: ServerPlacement,
  log_file?: string,
  /** Node options for the child besides this process's own (the profiler's, say). */
  node_options: string[] = [],
): Promise<RunningServer> {
  if (placement === 'same') return startServer(spec)
  const stdout = log_file === undefined ? 'inherit' : openSync(log_file, 'a')
  // The child inherits this process's execArgv, so tsx's loader runs it as it runs the bench.
  const child = fork(CHILD, [], {
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...node_options],
  })
  if (typeof stdout === 'number') closeSync(stdout)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const answer = await new Promise<{ url?: string; error?: string }>((resolve) => {
    child.once('message', (m) => resolve(m as { url?: string; error?: string }))
    child.once('exit', (code) => resolve({ error: `the server process exited (${code})` }))
    child.send(spec)
  })
  if (answer.url === undefined) {
    child.kill()
    throw new Error(`${spec.kind} server: ${answer.error ?? 'no answer'}`)
  }
  return {
    url: answer.url,
    async close() {
      if (child.connected) child.send('close')
      const timer = setTimeout(() => child.kill(), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** What one autocannon run sends: every connection the same request, or each its own path. */
export interface Load {
  method: 'GET' | 'POST'
  /** Per connection, round-robin. */
  paths: string[]
  headers?: Record<string, string>
  body?: string
}

/** One autocannon run; every 2xx response's latency recorded (autocannon's own are whole ms). */
export function cannon(url: string, load: Load, connections: number, seconds: number) {
  return new Promise<{ latencies: number[]; elapsed_ms: number; failed: string | undefined }>(
    (resolve, reject) => {
      const latencies: number[] = []
      const headers = {
        ...(load.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...load.headers,
      }
      let next = 0
      const options: autocannon.Options = {
        url,
        connections,
        duration: seconds,
        method: load.method,
        headers,
        ...(load.body !== undefined ? { body: load.body } : {}),
        setupClient: (client) => {
          const path = load.paths[next++ % load.paths.length]!
          client.setRequests([{ method: load.method, path, headers, body: load.body ?? '' }])
        },
      }
      const instance = autocannon(options, (error, result) => {
        if (error !== null) return reject(error)
        const bad = Object.entries(result.statusCodeStats).filter(([code]) => !code.startsWith('2'))
        const failed =
          result.errors + result.timeouts + result.non2xx === 0
            ? undefined
            : `${result.errors} errors, ${result.timeouts} timeouts, ` +
              `${result.non2xx} non-2xx (${bad.map(([code, s]) => `${code}×${s.count}`).join(', ')})`
        resolve({ latencies, elapsed_ms: result.duration * 1000, failed })
      })
      instance.on('response', (_client, status: number, _bytes, responseTime: number) => {
        if (status >= 200 && status < 300) latencies.push(responseTime)
      })
    },
  )
}

/** A load on a server, measured in halves. */
interface Measured {
  server: RunningServer
  load: Load
  recorder: Recorder
  /** Seconds spent on it, warm-up included. */
  seconds: number
  /** Requests answered 2xx, warm-up included. */
  answered: number
}

/**
 * Each group in turn: its loads warmed up, then each measured in two halves of the duration, in
 * order and then in reverse (A B C, C B A), so that drift on a shared machine falls on every load
 * alike. The reads go first: the appends leave work behind (dead rows for autovacuum, a longer
 * WAL) that would fall on whatever ran next. A failed request anywhere fails the measurement.
 */
async function measureAll(groups: Measured[][], options: BenchOptions): Promise<void> {
  const c = options.counts
  const run = async (m: Measured, seconds: number, record: boolean) => {
    const t0 = performance.now()
    const result = await cannon(m.server.url, m.load, c.w5_connections, seconds)
    m.seconds += (performance.now() - t0) / 1000
    m.answered += result.latencies.length
    if (result.failed !== undefined) {
      throw new Error(`${m.load.method} ${m.load.paths[0]}: ${result.failed}`)
    }
    if (record) m.recorder.addPass(result.latencies, result.elapsed_ms)
  }
  for (const group of groups) {
    for (const m of group) await run(m, c.w5_warmup_s, false)
    for (const m of [...group, ...[...group].reverse()]) await run(m, c.w5_duration_s / 2, true)
  }
}

/** What the servers need from the setup: the databases filled, a user and their token. */
export interface Setup {
  heading: string
  synchronous: string
  /** One conversation per connection on each side, for the appends. */
  appendPaths: Sides<string[]>
  /** The last N of a long conversation, on each side. */
  readPaths: Sides<string>
  /** A page of the user's conversations, on each side. */
  listPaths: Sides<string>
  token: string
}

const appendPath = (conversation_id: string) => `/v1/conversations/${conversation_id}/messages`

/** Conversations each side's user has, so that a page of the list is full and has more. */
const LISTED = 60
/** The page the list loads ask for. */
const PAGE = 20

/**
 * Done in this process, before any server starts: migrations, a user registered through the
 * real AuthService (which keeps the signing secret in the database, for the servers to find),
 * and the conversations, one of them filled for the reads.
 */
export async function prepare(
  databases: { chatkeep: BenchDatabase; baseline: BenchDatabase },
  options: BenchOptions,
): Promise<Setup> {
  const c = options.counts
  const opened: Store[] = []
  try {
    const store = await openStore({ database_url: databases.chatkeep.url, migrate: true })
    opened.push(store)
    const { heading, synchronous } = await describeEngine(store)
    const auth = await AuthService.open(store, {
      access_token_ttl_s: 3600,
      refresh_token_ttl_s: 86_400,
    })
    const registered = await auth.register({ username: 'w5', password: 'correct horse battery' })
    const user_id = registered.user.id
    const mine = await createConversations(store, user_id, LISTED)
    const read = mine.pop()!
    await fillConversation(store, read, c.w5_messages)
    let baseline = store
    let rawRead = read
    if (databases.baseline !== databases.chatkeep) {
      baseline = await openStore({ database_url: databases.baseline.url, migrate: true })
      opened.push(baseline)
    }
    const rawUser = (await baseline.users.create({ username: 'w5-raw' })).id
    const raw = await createConversations(baseline, rawUser, LISTED)
    if (baseline !== store) {
      rawRead = raw.pop()!
      await fillConversation(baseline, rawRead, c.w5_messages)
    }
    for (const s of opened) await analyze(s)
    return {
      heading,
      synchronous,
      appendPaths: {
        chatkeep: mine.slice(0, c.w5_connections).map((t) => appendPath(t.conversation_id)),
        baseline: raw.slice(0, c.w5_connections).map((t) => appendPath(t.conversation_id)),
      },
      readPaths: {
        chatkeep: `${appendPath(read.conversation_id)}?last=${c.w2_window}`,
        baseline: `${appendPath(rawRead.conversation_id)}?last=${c.w2_window}`,
      },
      listPaths: {
        chatkeep: `/v1/conversations?limit=${PAGE}`,
        baseline: `/v1/conversations?user_id=${rawUser}&limit=${PAGE}`,
      },
      token: registered.access_token,
    }
  } finally {
    for (const s of opened) await s.close().catch(() => {})
  }
}

/** What a variant's rows say it is. */
const VARIANT_NOTES: Record<Exclude<W5Variant, 'defaults'>, string> = {
  redis: 'the defaults with REDIS_URL set (rate limits and cache in Redis)',
  no_limits: 'the defaults with no rate limiter',
}

/** A row id per variant: `W5b-redis`, `W5b-no_limits` (the defaults' is `W5b`). */
const rowId = (id: string, variant: W5Variant) => `${id}-${variant}`

/** Log lines per 2xx request a Chatkeep server wrote, from its log file. */
function linesPerRequest(log_file: string, requests: number): string {
  const lines = readFileSync(log_file, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length
  return requests > 0 ? (lines / requests).toFixed(2) : '-'
}

/** W5 on one engine: its rows for the engine's table, and the engine as the setup found it. */
export async function runHttp(
  engine: EngineName,
  options: BenchOptions,
): Promise<{ heading: string; rows: ReportRow[] }> {
  const c = options.counts
  const chatkeepDb = await createBenchDatabase(engine, options.pg_admin_url)
  // On SQLite each side has a file of its own, as in W1–W4; on PostgreSQL they share one.
  const databases = {
    chatkeep: chatkeepDb,
    baseline:
      engine === 'sqlite' ? await createBenchDatabase(engine, options.pg_admin_url) : chatkeepDb,
  }
  const logs = mkdtempSync(join(tmpdir(), 'chatkeep-bench-w5-'))
  try {
    const setup = await prepare(databases, options)
    const body = JSON.stringify(message(0))
    const servers: RunningServer[] = []
    try {
      const start = async (spec: ServerSpec, log_file?: string) => {
        const server = await launch(spec, options.w5_server, log_file)
        servers.push(server)
        return server
      }
      const on = (server: RunningServer, load: Load): Measured => ({
        server,
        load,
        recorder: new Recorder(),
        seconds: 0,
        answered: 0,
      })
      const ceilingServer = await start({ kind: 'ceiling' })
      const rawServer = await start({
        kind: 'raw',
        engine,
        url: databases.baseline.url,
        synchronous: setup.synchronous,
        pool: c.w5_connections,
      })
      const authorization = { authorization: `Bearer ${setup.token}` }
      const variants = []
      for (const variant of options.w5_variants) {
        const log_file = join(logs, `${variant}.log`)
        const server = await start(
          { kind: 'chatkeep', url: databases.chatkeep.url, variant, redis_url: options.redis_url },
          log_file,
        )
        variants.push({
          variant,
          log_file,
          read: on(server, {
            method: 'GET',
            paths: [setup.readPaths.chatkeep],
            headers: authorization,
          }),
          list: on(server, {
            method: 'GET',
            paths: [setup.listPaths.chatkeep],
            headers: authorization,
          }),
          append: on(server, {
            method: 'POST',
            paths: setup.appendPaths.chatkeep,
            headers: authorization,
            body,
          }),
        })
      }
      const m = {
        ceiling: on(ceilingServer, { method: 'GET', paths: [CEILING_PATH] }),
        rawRead: on(rawServer, { method: 'GET', paths: [setup.readPaths.baseline] }),
        rawList: on(rawServer, { method: 'GET', paths: [setup.listPaths.baseline] }),
        rawAppend: on(rawServer, { method: 'POST', paths: setup.appendPaths.baseline, body }),
      }
      const t0 = performance.now()
      await measureAll(
        [
          [m.ceiling, m.rawRead, ...variants.map((v) => v.read)],
          [m.rawList, ...variants.map((v) => v.list)],
          [m.rawAppend, ...variants.map((v) => v.append)],
        ],
        options,
      )
      process.stdout.write(
        `  ${engine} W5 done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
      )
      const ceiling = summarize(m.ceiling.recorder)
      const raw = {
        read: summarize(m.rawRead.recorder),
        list: summarize(m.rawList.recorder),
        append: summarize(m.rawAppend.recorder),
      }
      const int = (n: number) => Math.round(n).toLocaleString('en')
      const times = (a: Summary, b: Summary) => `${(a.ops_per_sec / b.ops_per_sec).toFixed(2)}x`
      const how =
        `autocannon, ${c.w5_connections} connections, ${c.w5_warmup_s} s warm-up, then ` +
        `${c.w5_duration_s} s in two halves, forwards and back (reads, then lists, then ` +
        `appends); servers in ` +
        `${options.w5_server === 'child' ? 'child processes' : 'the bench process'}`
      const rows: ReportRow[] = []
      for (const v of variants) {
        const defaults = v.variant === 'defaults'
        const requests = [v.read, v.list, v.append].reduce((n, r) => n + r.answered, 0)
        // The targets are about the defaults; the baselines' time and notes go with their rows.
        const loads = [
          {
            id: 'W5a',
            title: 'HTTP append',
            target: 1,
            chatkeep: v.append,
            baseline: [m.rawAppend],
            summary: raw.append,
            note:
              `Chatkeep = \`chatkeep serve\` as it starts with no settings: rate limits counted ` +
              `in the database (at a limit no load reaches), logs at info to a file ` +
              `(${linesPerRequest(v.log_file, requests)} lines per request), a real access ` +
              `token. Baseline = Fastify + one raw append per request (no auth, no schema), ` +
              `${times(raw.append, ceiling)} the ceiling; each connection appends to its own ` +
              `conversation${engine === 'sqlite' ? ' (Chatkeep: appends arriving together share a commit)' : ''}; ${how}.`,
          },
          {
            id: 'W5b',
            title: `HTTP last ${c.w2_window}`,
            target: 0.85,
            chatkeep: v.read,
            baseline: [m.rawRead, m.ceiling],
            summary: raw.read,
            note:
              `of ${c.w5_messages.toLocaleString('en')} messages; baseline = Fastify + the raw ` +
              `last-${c.w2_window} read (no auth, no schema), ${times(raw.read, ceiling)} the ` +
              `ceiling (Fastify with a route that does no work, ${int(ceiling.ops_per_sec)} req/s).`,
          },
          {
            id: 'W5c',
            title: 'HTTP list',
            target: 0.85,
            chatkeep: v.list,
            baseline: [m.rawList],
            summary: raw.list,
            note:
              `a page of ${PAGE} of the user's ${LISTED} conversations; baseline = Fastify + the ` +
              `raw list read (no auth, no schema), ${times(raw.list, ceiling)} the ceiling.`,
          },
        ]
        const reference = defaults
          ? undefined
          : `for reference, W5a–c ${v.variant}: ${VARIANT_NOTES[v.variant as keyof typeof VARIANT_NOTES]}.`
        loads.forEach((load, i) => {
          const note = defaults ? load.note : i === 0 ? reference : undefined
          rows.push({
            id: defaults ? load.id : rowId(load.id, v.variant),
            title: load.title,
            target: defaults ? load.target : null,
            seconds:
              load.chatkeep.seconds +
              (defaults ? load.baseline.reduce((n, b) => n + b.seconds, 0) : 0),
            summaries: { chatkeep: summarize(load.chatkeep.recorder), baseline: load.summary },
            ...(note === undefined ? {} : { note }),
          })
        })
      }
      return { heading: setup.heading, rows }
    } finally {
      for (const server of servers) await server.close().catch(() => {})
    }
  } finally {
    rmSync(logs, { recursive: true, force: true })
    for (const database of new Set([databases.chatkeep, databases.baseline])) {
      await database.drop().catch((error: unknown) => {
        console.log(`could not drop a ${engine} W5 database: ${String(error)}`)
      })
    }
  }
}
