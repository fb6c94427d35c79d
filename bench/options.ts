/** What `npm run bench` runs, read once from the environment: engines, and full or quick counts. */
import { MESSAGE_SEARCH_MODES, type MessageSearchMode } from '../src/config/message-search-mode.js'

export type EngineName = 'sqlite' | 'postgres'

export interface Counts {
  /** W1: conversations × appends to each, one after another. */
  w1_conversations: number
  w1_messages: number
  /** W2: messages in the conversation, and reads of its last `w2_window`. */
  w2_messages: number
  w2_window: number
  w2_reads: number
  /** W3: conversations spread over users (one in ten soft-deleted), and lists of `w3_page`. */
  w3_conversations: number
  w3_users: number
  w3_page: number
  w3_lists: number
  /** W4: concurrent clients appending `w4_messages` in all to one conversation. */
  w4_clients: number
  w4_messages: number
  /** W1–W3 are measured in this many passes (W1's conversations shared out among them). */
  passes: number
  /** W4 runs on each side, in turns (A B B A …), each on a fresh conversation. */
  w4_runs: number
  /**
   * Each measured side runs this many operations first, untimed (W4 a quarter as many): the
   * Chatkeep path is more code for V8 to optimise, and a first thousand appends ran 10% slower.
   */
  warmup: number
  /** W1 stops after a pass (and says so) past this many seconds: a slow disk must not stall the run. */
  w1_budget_s: number
  /** W5: autocannon's connections, and seconds per measured run after a warm-up of its own. */
  w5_connections: number
  w5_duration_s: number
  w5_warmup_s: number
  /** W5: messages in the conversation whose last `w2_window` are read. */
  w5_messages: number
  /** W9: chunks of `w9_dims` dimensions spread evenly over `w9_owners` users, and queries timed. */
  w9_chunks: number
  w9_dims: number
  w9_owners: number
  w9_queries: number
}

/** Where W5's servers run: each in a child process (the default), or in the bench's own. */
export type ServerPlacement = 'child' | 'same'

/**
 * W5's Chatkeep servers: `defaults` is `chatkeep serve` as it starts with no settings (rate limits
 * counted in the database, logs at info on stdout); `redis` the same with REDIS_URL set (limits
 * and cache in Redis); `no_limits` the same server with no rate limiter at all.
 */
export type W5Variant = 'defaults' | 'redis' | 'no_limits'
export const W5_VARIANTS: readonly W5Variant[] = ['defaults', 'redis', 'no_limits']

export interface BenchOptions {
  engines: EngineName[]
  /** The workloads to run, W1…W5 (BENCH_WORKLOADS; all by default). */
  workloads: WorkloadId[]
  /** BENCH_W5_SERVER=same puts W5's servers in the bench's process, beside autocannon. */
  w5_server: ServerPlacement
  /** BENCH_W5_VARIANTS=defaults,redis,no_limits (all by default; `defaults` always runs). */
  w5_variants: W5Variant[]
  /** The Redis that W5's `redis` variant is configured with (BENCH_REDIS_URL). */
  redis_url: string
  quick: boolean
  /** BENCH_AUDIT_ACTOR=1: Chatkeep's reads (W2) go through store.as(actor), each one audited. */
  audit_actor: boolean
  /**
   * BENCH_MESSAGE_SEARCH=deferred|off: Chatkeep's store indexes messages so (W1's appends pay
   * no full-text indexing); immediate, the default, otherwise.
   */
  message_search: MessageSearchMode
  /**
   * BENCH_SQLITE_SYNCHRONOUS=normal: W1–W4's SQLite stores (Chatkeep's and the baseline's, which
   * follows it) commit at NORMAL, a WAL write with no fsync; FULL, the default, otherwise.
   */
  sqlite_synchronous: 'full' | 'normal'
  counts: Counts
  /** The PostgreSQL server the throwaway database is created on. */
  pg_admin_url: string
  /** `--save`: record each workload's ratio in bench/baseline.json. */
  save: boolean
  /** `--compare`: report workloads more than 10 % below bench/baseline.json. */
  compare: boolean
}

const FULL: Counts = {
  w1_conversations: 100,
  w1_messages: 200,
  w2_messages: 10_000,
  w2_window: 20,
  w2_reads: 2_000,
  w3_conversations: 10_000,
  w3_users: 100,
  w3_page: 50,
  w3_lists: 2_000,
  w4_clients: 16,
  w4_messages: 2_000,
  passes: 5,
  w4_runs: 3,
  warmup: 2_000,
  w1_budget_s: 75,
  w5_connections: 10,
  w5_duration_s: 10,
  w5_warmup_s: 1,
  w5_messages: 10_000,
  w9_chunks: 100_000,
  w9_dims: 384,
  w9_owners: 20,
  w9_queries: 20,
}

const QUICK: Counts = {
  w1_conversations: 21,
  w1_messages: 50,
  w2_messages: 2_000,
  w2_window: 20,
  w2_reads: 500,
  w3_conversations: 1_000,
  w3_users: 10,
  w3_page: 50,
  w3_lists: 500,
  w4_clients: 16,
  w4_messages: 320,
  passes: 3,
  w4_runs: 3,
  warmup: 2_000,
  w1_budget_s: 20,
  w5_connections: 10,
  w5_duration_s: 3,
  w5_warmup_s: 1,
  w5_messages: 2_000,
  w9_chunks: 10_000,
  w9_dims: 384,
  w9_owners: 10,
  w9_queries: 20,
}

const ALL: EngineName[] = ['sqlite', 'postgres']

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W7' | 'W8' | 'W9' | 'W10'
const ALL_WORKLOADS: WorkloadId[] = ['W1', 'W2', 'W3', 'W4', 'W5', 'W7', 'W8', 'W9', 'W10']

/** A comma-separated list of known names, in their own order; empty or absent, all of them. */
function pick<T extends string>(
  variable: string,
  value: string | undefined,
  known: readonly T[],
  normalize: (s: string) => string,
): T[] {
  const asked = (value ?? '')
    .split(',')
    .map((s) => normalize(s.trim()))
    .filter((s) => s !== '')
  const unknown = asked.filter((s) => !known.includes(s as T))
  if (unknown.length > 0) {
    console.log(`${variable}: ignoring ${unknown.join(', ')} (known: ${known.join(', ')})`)
  }
  return known.filter((k) => asked.length === 0 || asked.includes(k))
}

/** The flags after `npm run bench --`; anything else is named and ignored. */
function readFlags(argv: readonly string[]): { save: boolean; compare: boolean } {
  const known = ['--save', '--compare']
  const unknown = argv.filter((arg) => !known.includes(arg))
  if (unknown.length > 0)
    console.log(`bench: ignoring ${unknown.join(' ')} (known: ${known.join(', ')})`)
  return { save: argv.includes('--save'), compare: argv.includes('--compare') }
}

const on = (value: string | undefined) => value !== undefined && !['', '0', 'false'].includes(value)

export function readOptions(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv.slice(2),
): BenchOptions {
  const quick = on(env.BENCH_QUICK)
  const engines = pick('BENCH_ENGINES', env.BENCH_ENGINES, ALL, (s) => s.toLowerCase())
  const workloads = pick('BENCH_WORKLOADS', env.BENCH_WORKLOADS, ALL_WORKLOADS, (s) =>
    s.toUpperCase(),
  )
  const placement = (env.BENCH_W5_SERVER ?? '').trim().toLowerCase()
  if (placement !== '' && placement !== 'child' && placement !== 'same') {
    console.log(`BENCH_W5_SERVER: ignoring ${placement} (known: child, same)`)
  }
  const variants = pick('BENCH_W5_VARIANTS', env.BENCH_W5_VARIANTS, W5_VARIANTS, (s) =>
    s.toLowerCase(),
  )
  return {
    engines,
    workloads,
    w5_server: placement === 'same' ? 'same' : 'child',
    // The targets are about the defaults: the other variants are measured beside them.
    w5_variants: W5_VARIANTS.filter((v) => v === 'defaults' || variants.includes(v)),
    redis_url: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    quick,
    audit_actor: on(env.BENCH_AUDIT_ACTOR),
    message_search: messageSearch(env.BENCH_MESSAGE_SEARCH),
    sqlite_synchronous: sqliteSynchronous(env.BENCH_SQLITE_SYNCHRONOUS),
    counts: quick ? QUICK : FULL,
    pg_admin_url: env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    ...readFlags(argv),
  }
}

function messageSearch(value: string | undefined): MessageSearchMode {
  const mode = (value ?? '').trim().toLowerCase()
  if (mode === '') return 'immediate'
  if ((MESSAGE_SEARCH_MODES as readonly string[]).includes(mode)) return mode as MessageSearchMode
  console.log(`BENCH_MESSAGE_SEARCH: ignoring ${mode} (known: ${MESSAGE_SEARCH_MODES.join(', ')})`)
  return 'immediate'
}

function sqliteSynchronous(value: string | undefined): 'full' | 'normal' {
  const level = (value ?? '').trim().toLowerCase()
  if (level === '' || level === 'full') return 'full'
  if (level === 'normal') return 'normal'
  console.log(`BENCH_SQLITE_SYNCHRONOUS: ignoring ${level} (known: full, normal)`)
  return 'full'
}
