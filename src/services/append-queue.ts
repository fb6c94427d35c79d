import { type AppendResult, type AppendRow, appendMessages } from '../db/append.js'
import type { Database } from '../db/database.js'

interface Waiting {
  row: AppendRow
  resolve: (result: {
    result: AppendResult | undefined
    sequence: number
    created_at: string
  }) => void
  reject: (error: unknown) => void
}

interface Lane {
  waiting: Waiting[]
  busy: boolean
}

/**
 * Group commit. Appends to one conversation that arrive while an earlier batch is being written
 * (or in the same tick) are written together in one transaction: one commit, one fsync, one
 * round trip for all of them. Every caller still waits for its own commit, so no guarantee is
 * weakened; across processes, the conversation row's lock keeps the order.
 */
export class AppendQueue {
  readonly #lanes = new Map<string, Lane>()

  constructor(
    private readonly db: Database,
    private readonly maxBatch: number,
  ) {}

  append(conversationId: string, owner: string | null, row: AppendRow) {
    const key = `${owner ?? '*'}\u0000${conversationId}`
    let lane = this.#lanes.get(key)
    if (lane === undefined) {
      lane = { waiting: [], busy: false }
      this.#lanes.set(key, lane)
    }
    const promise = new Promise<{
      result: AppendResult | undefined
      sequence: number
      created_at: string
    }>((resolve, reject) => lane.waiting.push({ row, resolve, reject }))
    if (!lane.busy) {
      lane.busy = true
      queueMicrotask(() => void this.#drain(key, lane, conversationId, owner))
    }
    return promise
  }

  async #drain(key: string, lane: Lane, conversationId: string, owner: string | null) {
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, this.maxBatch)
      const created_at = new Date().toISOString()
      try {
        const result = await appendMessages(this.db, {
          conversation_id: conversationId,
          owner,
          created_at,
          rows: batch.map((w) => w.row),
        })
        batch.forEach((w, i) =>
          w.resolve({ result, sequence: (result?.first_sequence ?? 0) + i, created_at }),
        )
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error)
        // One bad append (a replayed key, say) must not fail its neighbours: write them alone.
        else for (const w of batch) await this.#alone(conversationId, owner, w)
      }
    }
    lane.busy = false
    this.#lanes.delete(key)
  }

  async #alone(conversationId: string, owner: string | null, waiting: Waiting) {
    const created_at = new Date().toISOString()
    try {
      const result = await appendMessages(this.db, {
        conversation_id: conversationId,
        owner,
        created_at,
        rows: [waiting.row],
      })
      waiting.resolve({ result, sequence: result?.first_sequence ?? 0, created_at })
    } catch (error) {
      waiting.reject(error)
    }
  }
}
