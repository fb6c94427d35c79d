import { sql } from 'kysely'
import { expect } from 'vitest'
import type { Store } from '../../src/index.js'
import { startWorker, type Worker, type WorkerExit } from './workers.js'

/** One message a worker reported as stored, after its append had returned. */
export interface Ack {
  id: string
  sequence: number
  tokens_used: number
}

export interface AppendWorkerOptions {
  database_url: string
  conversation_id: string
  stores?: number
  appenders?: number
  /** Calls per appender; 0 appends until killed. */
  appends?: number
  /** Messages per appendMany call of each store's appender 0; 1 means plain appends. */
  batch?: number
  /** Each appender waits a random 0 to `pause` ms between calls. */
  pause?: number
}

export interface AppendWorker {
  readonly pid: number
  /** Every ack read so far, in the order printed. */
  readonly acks: Ack[]
  /** The worker has opened its stores and waits for `go`. */
  readonly ready: Promise<void>
  go(): void
  /** Resolves once the worker has printed at least `n` acks; rejects if it exits first. */
  acked(n: number): Promise<void>
  readonly exited: Promise<WorkerExit>
  /** SIGKILL, if still running. */
  kill(): void
}

const ACK = /^ack (\S+) (\d+) (\d+)$/

/** Starts test/support/append-worker.ts in a child process. */
export function startAppendWorker(options: AppendWorkerOptions): AppendWorker {
  const worker: Worker = startWorker('append-worker.ts', [
    '--url',
    options.database_url,
    '--conversation',
    options.conversation_id,
    '--stores',
    String(options.stores ?? 1),
    '--appenders',
    String(options.appenders ?? 4),
    '--appends',
    String(options.appends ?? 50),
    '--batch',
    String(options.batch ?? 1),
    '--pause',
    String(options.pause ?? 0),
  ])
  const ready = worker.waitForLines(/^ready$/)
  // Awaited by the test; this only keeps an early exit from being an unhandled rejection too.
  ready.catch(() => {})
  return {
    pid: worker.pid,
    get acks() {
      return worker.lines.flatMap((line) => {
        const ack = ACK.exec(line)
        return ack ? [{ id: ack[1]!, sequence: Number(ack[2]), tokens_used: Number(ack[3]) }] : []
      })
    },
    ready,
    go: () => worker.send('go'),
    acked: (n) => worker.waitForLines(ACK, n),
    exited: worker.exited,
    kill: () => worker.kill(),
  }
}

export interface ConversationSnapshot {
  message_count: number
  total_tokens: number
  /** Every message row of the conversation (deleted or not), in sequence order. */
  rows: Ack[]
}

/**
 * The conversation's counters and its message rows, read straight from the tables in ONE
 * statement, so that both come from the same snapshot even if a write is still landing.
 */
export async function readConversation(
  store: Store,
  conversationId: string,
): Promise<ConversationSnapshot> {
  const { rows } = await sql<{
    message_count: number
    total_tokens: number | string
    id: string | null
    sequence: number | null
    tokens_used: number | null
  }>`select c.message_count, c.total_tokens, m.id, m.sequence, m.tokens_used
    from conversations c left join messages m on m.conversation_id = c.id
    where c.id = ${conversationId}
    order by m.sequence`.execute(store.database.kysely)
  if (rows.length === 0) throw new Error(`conversation ${conversationId} is not there`)
  return {
    message_count: Number(rows[0]!.message_count),
    total_tokens: Number(rows[0]!.total_tokens),
    rows: rows
      .filter((r) => r.id !== null)
      .map((r) => ({
        id: r.id!,
        sequence: Number(r.sequence),
        tokens_used: Number(r.tokens_used),
      })),
  }
}

/** Guarantees 1 and 2: sequences exactly 1..n, and the counters agree with the rows. */
export function expectConsistent(snapshot: ConversationSnapshot): void {
  const n = snapshot.rows.length
  expect(snapshot.rows.map((r) => r.sequence)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
  expect(new Set(snapshot.rows.map((r) => r.id)).size).toBe(n)
  expect(snapshot.message_count).toBe(n)
  expect(snapshot.total_tokens).toBe(snapshot.rows.reduce((sum, r) => sum + r.tokens_used, 0))
}

/** Every acknowledged message is stored with the sequence and tokens its append returned. */
export function expectAcknowledged(snapshot: ConversationSnapshot, acks: Ack[]): void {
  const byId = new Map(snapshot.rows.map((r) => [r.id, r]))
  const wrong = acks.filter((ack) => {
    const row = byId.get(ack.id)
    return row?.sequence !== ack.sequence || row.tokens_used !== ack.tokens_used
  })
  expect(wrong, 'acknowledged messages missing or changed').toEqual([])
  expect(new Set(acks.map((a) => a.id)).size, 'an id acknowledged twice').toBe(acks.length)
}
