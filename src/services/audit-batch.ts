import type { Database } from '../db/database.js'
import * as audit from '../repositories/audit-events.js'

/** Rows per insert: well under SQLite's bound-parameter limit at ten columns a row. */
const MAX_BATCH = 500

interface Waiting {
  row: audit.NewAuditEventRow
  details: Record<string, unknown>
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Audit rows of reads, committed in groups: rows that arrive while a commit runs (or in the same
 * turn of the event loop) share the next one, so a busy server pays one durable commit for many
 * reads, and on SQLite its fsync runs off the event loop while the next group gathers. Each
 * caller's promise settles when the commit that holds its row is on disk: nothing is
 * acknowledged that a crash could lose.
 */
export class AuditBatch {
  #waiting: Waiting[] = []
  #draining = false

  constructor(
    private readonly db: Database,
    /** Writes one row alone, the way a single event is written (used when a group fails). */
    private readonly writeOne: (
      row: audit.NewAuditEventRow,
      details: Record<string, unknown>,
    ) => Promise<void>,
  ) {}

  /** `details` are the row's, decoded: a row written alone may add to them. */
  write(row: audit.NewAuditEventRow, details: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ row, details, resolve, reject })
      if (!this.#draining) {
        this.#draining = true
        setImmediate(() => void this.#drain())
      }
    })
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0, MAX_BATCH)
        try {
          await audit.insertAuditEventsFlushedOffLoop(
            this.db,
            group.map((w) => w.row),
          )
          for (const w of group) w.resolve()
        } catch {
          // One bad row (an actor deleted meanwhile) must not fail the others: each alone.
          await Promise.all(
            group.map((w) => this.writeOne(w.row, w.details).then(w.resolve, w.reject)),
          )
        }
      }
    } finally {
      this.#draining = false
    }
  }
}
