import type { Kysely } from 'kysely'
import type { Database, Engine } from '../../db/database.js'
import { translateDriverError } from '../../db/driver-errors.js'
import { insertMessages, recountConversations } from '../../db/messages-table.js'
import { refreshStatistics, refuseNewerSchema, schemaStatus } from '../../db/migrator.js'
import { ChatkeepError } from '../../errors.js'
import { checkCoverage } from './coverage.js'
import { type Header, specOf, TABLE_ORDER, type TableName } from './format.js'
import { ExportReader, type RowRecord } from './reader.js'
import { decompressed, lines } from './streams.js'

export interface ImportOptions {
  /**
   * Replace the whole database with the file, in one transaction: every row of every table is
   * deleted and the file inserted; any failure (a truncated file included) leaves the old data.
   */
  replace?: boolean
  /** Called as rows are read: rows so far, out of the total the header announces. */
  onProgress?(rows: number, total: number): void
}

export interface TableOutcome {
  /** Rows of the file written to the database. */
  inserted: number
  /** Rows of the file already there (the same primary key or another unique key). */
  skipped: number
}

export interface ImportSummary {
  /** The migration the exported database was at. */
  schema: string
  /** The engine the file was exported from. */
  engine: Engine
  exported_at: string
  replaced: boolean
  tables: Record<TableName, TableOutcome>
  inserted: number
  skipped: number
  /**
   * Conversations that were already in the database and got messages from the file: their
   * message_count, total_tokens and last_activity were raised to cover them, as appends do.
   */
  recounted: number
}

/** Rows per insert statement, and characters per batch: both bound the memory an import uses. */
const BATCH_ROWS = 500
const BATCH_CHARS = 4_000_000
/** Keys per `in (…)` list. */
const KEY_CHUNK = 500

type Loose = Record<string, Record<string, unknown>>
/** Runs one batch's work: in its own retried transaction, or in the one replace holds open. */
type Run = <T>(work: (tx: Database) => Promise<T>) => Promise<T>

/**
 * Imports a logical export (plain or gzip-compressed JSON Lines, see `format.ts`) into an
 * up-to-date database, in foreign-key order and in batches.
 *
 * Without `replace`, rows already present (by primary key or any unique key) are skipped, so
 * importing the same file twice changes nothing; each batch commits on its own, and a file that
 * turns out damaged or truncated is reported as an error after the complete rows before the
 * damage are in. With `replace`, all of it is one transaction that commits only once the file's
 * trailer has been read and checked.
 * @example
 * const summary = await importDatabase(store.database, createReadStream('chatkeep.jsonl.gz'))
 */
export async function importDatabase(
  db: Database,
  input: AsyncIterable<Buffer | Uint8Array | string>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  await requireUpToDate(db)
  await checkCoverage(db)
  const reader = new ExportReader(lines(decompressed(input)), db.codec)
  const header = await reader.header()
  const load = new Load(db, reader, header, options)
  if (options.replace === true) {
    // Not retried: the file has been read by then.
    await db.transaction(
      async (tx) => {
        await clear(tx)
        await load.run((work) => work(tx))
      },
      { retry: false },
    )
  } else {
    try {
      await load.run((work) => db.transaction(work))
    } catch (error) {
      throw load.partial(error)
    }
  }
  await refreshStatistics(db)
  return load.summary()
}

async function requireUpToDate(db: Database): Promise<void> {
  const status = await schemaStatus(db)
  refuseNewerSchema(status)
  if (status.pending.length > 0) {
    throw new ChatkeepError(
      'schema_out_of_date',
      `The target database is missing ${status.pending.length} migration(s); run ` +
        '`chatkeep migrate up` on it before importing.',
    )
  }
}

/**
 * Empties every table, children first, inside the replacing transaction. On PostgreSQL the
 * tables are locked first, so no other writer can slip rows in between (readers go on); SQLite's
 * BEGIN IMMEDIATE already keeps other writers out.
 */
async function clear(tx: Database): Promise<void> {
  const children = [...TABLE_ORDER].reverse()
  await tx.dialect.lockTables(children)?.execute(tx.kysely)
  for (const table of children) await tx.kysely.deleteFrom(table).execute()
}

/** One import: reads the rows, hands them to one table importer after another, keeps count. */
class Load {
  readonly tables = Object.fromEntries(
    TABLE_ORDER.map((t) => [t, { inserted: 0, skipped: 0 }]),
  ) as Record<TableName, TableOutcome>
  recounted = 0
  #read = 0

  constructor(
    private readonly db: Database,
    private readonly reader: ExportReader,
    private readonly header: Header,
    private readonly options: ImportOptions,
  ) {}

  async run(run: Run): Promise<void> {
    let table: TableImporter | undefined
    const rows = this.reader.rows()
    for (;;) {
      let next: IteratorResult<RowRecord>
      try {
        next = await rows.next()
      } catch (error) {
        // A damaged or truncated file: without replace, the complete rows before it go in (if
        // they cannot, the file's fault is still the one to report).
        if (this.options.replace !== true) await table?.flush().catch(() => {})
        throw error
      }
      if (next.done === true) break
      const record = next.value
      if (table?.table !== record.table) {
        await table?.finish()
        table = new TableImporter(this.db, record.table, run, this)
      }
      await table.add(record)
      this.#read += 1
      this.options.onProgress?.(this.#read, Math.max(this.header.rows, this.#read))
    }
    await table?.finish()
  }

  get inserted(): number {
    return TABLE_ORDER.reduce((sum, t) => sum + this.tables[t].inserted, 0)
  }

  summary(): ImportSummary {
    return {
      schema: this.header.schema,
      engine: this.header.engine,
      exported_at: this.header.exported_at,
      replaced: this.options.replace === true,
      tables: this.tables,
      inserted: this.inserted,
      skipped: TABLE_ORDER.reduce((sum, t) => sum + this.tables[t].skipped, 0),
      recounted: this.recounted,
    }
  }

  /** The error of an import without replace, saying what did go in. */
  partial(error: unknown): ChatkeepError {
    const failure = translateDriverError(error)
    return new ChatkeepError(
      failure.code,
      `${failure.message} ${this.inserted} row(s) were imported before it; importing the ` +
        'complete file again adds the rest and skips those.',
      { cause: failure.cause ?? failure },
    )
  }
}

interface BatchResult {
  inserted: number
  skipped: number
  recounted: number
  /** Rows whose parent is not in the database yet, by the parent's key. */
  deferred: Map<string, Record<string, unknown>[]>
  /** Keys whose waiting children were inserted by this batch. */
  released: string[]
}

/**
 * Inserts the rows of one table in batches. A row whose parent in the same table (a message's
 * parent_id, a refresh token's) is neither in the database nor ready in its batch waits until
 * the parent is in: memory grows only with rows whose parent comes later in key order.
 */
class TableImporter {
  readonly #spec: ReturnType<typeof specOf>
  #batch: RowRecord[] = []
  #chars = 0
  readonly #waiting = new Map<string, Record<string, unknown>[]>()
  #waitingRows = 0

  constructor(
    private readonly db: Database,
    readonly table: TableName,
    private readonly run: Run,
    private readonly load: Load,
  ) {
    this.#spec = specOf(table)
  }

  async add(record: RowRecord): Promise<void> {
    this.#batch.push(record)
    this.#chars += record.size
    if (this.#batch.length >= BATCH_ROWS || this.#chars >= BATCH_CHARS) await this.flush()
  }

  async flush(): Promise<void> {
    const batch = this.#batch
    this.#batch = []
    this.#chars = 0
    if (batch.length === 0) return
    const rows = batch.map((r) => r.row)
    let result: BatchResult
    try {
      result = await this.run((tx) => this.#insert(tx, rows))
    } catch (error) {
      throw this.#failed(error, batch)
    }
    // Only now that the batch committed (or joined the replacing transaction) does it count.
    const outcome = this.load.tables[this.table]
    outcome.inserted += result.inserted
    outcome.skipped += result.skipped
    this.load.recounted += result.recounted
    for (const key of result.released) {
      this.#waitingRows -= this.#waiting.get(key)?.length ?? 0
      this.#waiting.delete(key)
    }
    for (const [parent, children] of result.deferred) {
      this.#waiting.set(parent, [...(this.#waiting.get(parent) ?? []), ...children])
      this.#waitingRows += children.length
    }
  }

  /** The table is complete: rows still waiting have a parent that is nowhere to be found. */
  async finish(): Promise<void> {
    await this.flush()
    if (this.#waitingRows === 0) return
    const [parent, children] = this.#waiting.entries().next().value!
    throw new ChatkeepError(
      'validation_failed',
      `${this.#waitingRows} row(s) of ${this.table} refer to a ${this.#spec.parent} that is ` +
        `neither in the file nor in the database (for example ${String(children[0]![this.#spec.key])} ` +
        `refers to ${parent}); the file is damaged, or the database holds another row with ` +
        "one of that parent's unique keys.",
    )
  }

  async #insert(tx: Database, rows: Record<string, unknown>[]): Promise<BatchResult> {
    const { key, parent } = this.#spec
    const deferred = new Map<string, Record<string, unknown>[]>()
    let round = parent === undefined ? rows : await this.#ready(tx, rows, deferred)
    const released: string[] = []
    const touched = new Set<string>()
    let inserted = 0
    let attempted = 0
    while (round.length > 0) {
      const keys = await insertRows(tx, this.table, key, round)
      inserted += keys.size
      attempted += round.length
      if (this.table === 'messages') {
        for (const row of round) {
          if (keys.has(row[key] as string)) touched.add(row.conversation_id as string)
        }
      }
      if (parent === undefined) break
      // Whatever waited for a row of this round (inserted now, or there already) goes next.
      const next: Record<string, unknown>[] = []
      for (const row of round) {
        const k = row[key] as string
        const waiting = this.#waiting.get(k)
        if (waiting !== undefined) {
          released.push(k)
          next.push(...waiting)
        }
        const local = deferred.get(k)
        if (local !== undefined) {
          deferred.delete(k)
          next.push(...local)
        }
      }
      round = next
    }
    const recounted = touched.size > 0 ? await recountConversations(tx, [...touched]) : 0
    return { inserted, skipped: attempted - inserted, recounted, deferred, released }
  }

  /**
   * The rows that can go in now: no parent, a parent in the database, or a parent that can go
   * in now in the same batch (both engines check foreign keys at the end of a statement). The
   * others are put in `deferred` by parent.
   */
  async #ready(
    tx: Database,
    rows: Record<string, unknown>[],
    deferred: Map<string, Record<string, unknown>[]>,
  ): Promise<Record<string, unknown>[]> {
    const { key } = this.#spec
    const parent = this.#spec.parent!
    const inBatch = new Map(rows.map((row) => [row[key] as string, row]))
    const outside = new Set<string>()
    for (const row of rows) {
      const p = row[parent] as string | null
      if (p !== null && !inBatch.has(p)) outside.add(p)
    }
    const present = await existingKeys(tx, this.table, key, [...outside])
    const verdict = new Map<string, boolean>()
    const canGo = (row: Record<string, unknown>): boolean => {
      const k = row[key] as string
      const known = verdict.get(k)
      if (known !== undefined) return known
      verdict.set(k, false) // a cycle never resolves
      const p = row[parent] as string | null
      const parentRow = p === null ? undefined : inBatch.get(p)
      const ok = p === null || present.has(p) || (parentRow !== undefined && canGo(parentRow))
      verdict.set(k, ok)
      return ok
    }
    const ready: Record<string, unknown>[] = []
    for (const row of rows) {
      if (canGo(row)) {
        ready.push(row)
        continue
      }
      const p = row[parent] as string
      deferred.set(p, [...(deferred.get(p) ?? []), row])
    }
    return ready
  }

  #failed(error: unknown, batch: RowRecord[]): ChatkeepError {
    const failure = translateDriverError(error)
    const lines = `lines ${batch[0]!.line}–${batch.at(-1)!.line}`
    const hint =
      failure.code === 'not_found'
        ? ' A row they refer to is missing: the database already holds a different row with ' +
          'one of its unique keys (such as a username), so the file’s row was skipped.'
        : ''
    return new ChatkeepError(
      failure.code,
      `Importing ${this.table} (${lines}) failed: ${failure.message}${hint}`,
      { cause: failure.cause ?? failure },
    )
  }
}

/** Inserts rows that are not there yet; returns the keys of those it inserted. */
async function insertRows(
  tx: Database,
  table: TableName,
  key: string,
  rows: Record<string, unknown>[],
): Promise<Set<string>> {
  if (table === 'messages') return insertMessages(tx, rows, 'skip')
  const inserted = await (tx.kysely as unknown as Kysely<Loose>)
    .insertInto(table)
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .returning(key)
    .execute()
  return new Set(inserted.map((row) => row[key] as string))
}

async function existingKeys(
  tx: Database,
  table: TableName,
  key: string,
  keys: string[],
): Promise<Set<string>> {
  const found = new Set<string>()
  for (let i = 0; i < keys.length; i += KEY_CHUNK) {
    const rows = await (tx.kysely as unknown as Kysely<Loose>)
      .selectFrom(table)
      .select(key)
      .where(key, 'in', keys.slice(i, i + KEY_CHUNK))
      .execute()
    for (const row of rows) found.add(row[key] as string)
  }
  return found
}
