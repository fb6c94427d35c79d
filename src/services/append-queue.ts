import {
  type AppendBatch,
  type AppendResult,
  type AppendRow,
  appendMessages,
  appendToConversations,
} from '../db/messages-table.js'
import type { Database } from '../db/database.js'

interface Outcome {
  result: AppendResult | undefined
  sequence: number
  /** The parent the row was stored with. */
  parent_id: string | null
  created_at: string
}

interface Waiting {
  row: AppendRow
  resolve: (outcome: Outcome) => void
  reject: (error: unknown) => void
}

interface Lane {
  conversation_id: string
  owner: string | null
  waiting: Waiting[]
  busy: boolean
}

/** Some of one lane's waiting appends, taken to be written together. */
interface Taken {
  lane: Lane
  batch: Waiting[]
}

/**
 * Group commit. Appends to one conversation that arrive while an earlier batch is being written
 * (or in the same tick) are written together in one transaction: one commit, one fsync, one
 * round trip for all of them. Every caller still waits for its own commit, so no guarantee is
 * weakened; across processes, the conversation row's lock keeps the order.
 *
 * On SQLite the one connection writes everything anyway, one transaction after another, and each
 * commit waits for the disk. So there the appends waiting for any conversation share a
 * transaction, up to `maxBatch` messages. better-sqlite3 is synchronous, so nothing can arrive
 * while a transaction runs; instead an append that starts a new job of the event loop (a request
 * read off the network, say) is written at the end of the loop's turn (setImmediate), together
 * with the appends of every other request read in that turn. An append made in the same job as
 * the last commit (a caller appending one message after another in a loop, with nothing to wait
 * for in between) is written at once, as before: waiting for the turn would only slow it down.
 * Each conversation's batch is written exactly as on its own; should the shared transaction
 * fail, nothing of it was written, and each conversation's batch is written again on its own, so
 * one bad append never fails an append to another conversation.
 */
export class AppendQueue {
  readonly #lanes = new Map<string, Lane>()
  /** SQLite: the shared writer is scheduled or running. */
  #writing = false
  /** SQLite: a commit happened in the current job (until process.nextTick after it). */
  #committedThisJob = false

  constructor(
    private readonly db: Database,
    private readonly maxBatch: number,
  ) {}

  append(conversationId: string, owner: string | null, row: AppendRow): Promise<Outcome> {
    const key = `${owner ?? '*'}\u0000${conversationId}`
    let lane = this.#lanes.get(key)
    if (lane === undefined) {
      lane = { conversation_id: conversationId, owner, waiting: [], busy: false }
      this.#lanes.set(key, lane)
    }
    const promise = new Promise<Outcome>((resolve, reject) =>
      lane.waiting.push({ row, resolve, reject }),
    )
    if (this.db.capabilities.in_process) {
      if (!this.#writing) {
        this.#writing = true
        if (this.#committedThisJob) queueMicrotask(() => void this.#drainAll())
        else setImmediate(() => void this.#drainAll())
      }
    } else if (!lane.busy) {
      lane.busy = true
      queueMicrotask(() => void this.#drain(key, lane))
    }
    return promise
  }

  /** One conversation's appends, batch after batch, until none are waiting. */
  async #drain(key: string, lane: Lane) {
    while (lane.waiting.length > 0) {
      await this.#write(lane, lane.waiting.splice(0, this.maxBatch))
    }
    lane.busy = false
    this.#lanes.delete(key)
  }

  /** SQLite: every conversation's waiting appends, one transaction after another, until none. */
  async #drainAll() {
    try {
      for (let taken = this.#take(); taken.length > 0; taken = this.#take()) {
        if (taken.length === 1) {
          await this.#write(taken[0]!.lane, taken[0]!.batch)
          continue
        }
        const created_at = new Date().toISOString()
        let results
        try {
          results = await appendToConversations(
            this.db,
            taken.map(({ lane, batch }) => batchOf(lane, batch, created_at)),
          )
        } catch {
          // Nothing of it was written: each conversation's appends again, on their own.
          for (const { lane, batch } of taken) await this.#write(lane, batch)
          continue
        }
        taken.forEach(({ batch }, i) => settle(batch, results[i], created_at))
      }
    } finally {
      this.#writing = false
      this.#markCommitted()
    }
  }

  /**
   * Remembers that this job committed, until it ends: process.nextTick runs once the job's
   * microtasks have all run, before the event loop moves on to the next request.
   */
  #markCommitted() {
    if (this.#committedThisJob) return
    this.#committedThisJob = true
    process.nextTick(() => {
      this.#committedThisJob = false
    })
  }

  /** SQLite: up to maxBatch waiting appends, oldest conversations first; emptied lanes go. */
  #take(): Taken[] {
    const taken: Taken[] = []
    let rows = 0
    for (const [key, lane] of this.#lanes) {
      if (rows >= this.maxBatch) break
      const batch = lane.waiting.splice(0, this.maxBatch - rows)
      rows += batch.length
      if (batch.length > 0) taken.push({ lane, batch })
      if (lane.waiting.length === 0) this.#lanes.delete(key)
    }
    return taken
  }

  /** One conversation's batch in its own transaction; if it fails, each append alone. */
  async #write(lane: Lane, batch: Waiting[]) {
    const created_at = new Date().toISOString()
    try {
      settle(batch, await appendMessages(this.db, batchOf(lane, batch, created_at)), created_at)
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error)
      // One bad append (a replayed key, say) must not fail its neighbours: write them alone.
      else for (const w of batch) await this.#alone(lane, w)
    }
  }

  async #alone(lane: Lane, waiting: Waiting) {
    const created_at = new Date().toISOString()
    try {
      settle(
        [waiting],
        await appendMessages(this.db, batchOf(lane, [waiting], created_at)),
        created_at,
      )
    } catch (error) {
      waiting.reject(error)
    }
  }
}

function batchOf(lane: Lane, batch: Waiting[], created_at: string): AppendBatch {
  return {
    conversation_id: lane.conversation_id,
    owner: lane.owner,
    created_at,
    rows: batch.map((w) => w.row),
  }
}

/** Answers each caller of a written batch: its own sequence, in the batch's order. */
function settle(batch: Waiting[], result: AppendResult | undefined, created_at: string): void {
  batch.forEach((w, i) =>
    w.resolve({
      result,
      sequence: (result?.first_sequence ?? 0) + i,
      parent_id: result?.parents[i] ?? null,
      created_at,
    }),
  )
}
