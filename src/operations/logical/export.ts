import { type Kysely, type SelectQueryBuilder, sql } from 'kysely'
import type { Codec } from '../../db/codec.js'
import type { Database, Engine, Snapshot } from '../../db/database.js'
import { refuseNewerSchema, schemaStatus } from '../../db/migrator.js'
import { ChatkeepError } from '../../errors.js'
import { checkCoverage } from './coverage.js'
import {
  type Counts,
  encodeValue,
  FORMAT,
  type Header,
  specOf,
  TABLE_ORDER,
  type TableName,
  type Trailer,
  VERSION,
  zeroCounts,
} from './format.js'

import { Sink } from './streams.js'

export interface ExportOptions {
  /** Called after each page of rows: rows written so far, out of every row of the snapshot. */
  onProgress?(rows: number, total: number): void
}

export interface ExportSummary {
  /** The newest migration applied to the exported database. */
  schema: string
  engine: Engine
  exported_at: string
  /** Rows written, per table. */
  counts: Counts
  /** Rows written in all. */
  rows: number
}

/** Rows read and written at once: memory stays bounded whatever the size of a table. */
const PAGE_ROWS = 500

/** Table and column names are checked against the format, so the builder can take them as text. */
type Loose = Record<string, Record<string, unknown>>

/**
 * Writes every table of the database to `out` as Chatkeep's logical JSON Lines format (see
 * `format.ts`), from one consistent snapshot taken while other processes keep writing. Tables
 * are paged by primary key and each page waits for `out` to drain, so memory stays constant.
 * `out` is left open: the caller ends it (and, for a file, syncs it) once this resolves.
 * @example
 * const summary = await exportDatabase(store.database, createWriteStream('chatkeep.jsonl'))
 */
export async function exportDatabase(
  db: Database,
  out: NodeJS.WritableStream,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const schema = await upToDateSchema(db)
  await checkCoverage(db)
  const sink = new Sink(out)
  try {
    return await db.snapshot(async (snapshot) => {
      const expected = zeroCounts()
      for (const table of TABLE_ORDER) expected[table] = await countRows(db, snapshot, table)
      const total = TABLE_ORDER.reduce((sum, table) => sum + expected[table], 0)
      const header: Header = {
        format: FORMAT,
        version: VERSION,
        schema,
        engine: db.engine,
        exported_at: new Date().toISOString(),
        rows: total,
      }
      await sink.write(`${JSON.stringify(header)}\n`)
      options.onProgress?.(0, total)
      const counts = zeroCounts()
      let done = 0
      for (const table of TABLE_ORDER) {
        for await (const text of pages(db, snapshot, table)) {
          await sink.write(text.lines)
          counts[table] += text.rows
          done += text.rows
          options.onProgress?.(done, total)
        }
        if (counts[table] !== expected[table]) {
          throw new ChatkeepError(
            'internal',
            `The snapshot of ${table} held ${expected[table]} rows but ${counts[table]} were read; ` +
              'the export was stopped. Report it.',
          )
        }
      }
      const trailer: Trailer = { end: { counts } }
      await sink.write(`${JSON.stringify(trailer)}\n`)
      sink.check()
      return { schema, engine: db.engine, exported_at: header.exported_at, counts, rows: done }
    })
  } finally {
    sink.release()
  }
}

/** The schema an export names: only an up-to-date database is exported. */
export async function upToDateSchema(db: Database): Promise<string> {
  const status = await schemaStatus(db)
  refuseNewerSchema(status)
  if (status.pending.length > 0 || status.current === null) {
    throw new ChatkeepError(
      'schema_out_of_date',
      `The database is missing ${status.pending.length} migration(s); run \`chatkeep migrate up\` ` +
        'before exporting it.',
    )
  }
  return status.current
}

/**
 * Which rows of a table an export takes: all of them, those whose `column` is `user_id`, or
 * (for chunks) those of the user's documents.
 */
export type RowScope = { column: string; user_id: string } | { chunks_of: string } | 'none'

type LooseQuery = SelectQueryBuilder<Loose, string, Record<string, unknown>>

function scoped(db: Database, query: LooseQuery, scope: RowScope | undefined): LooseQuery {
  if (scope === undefined) return query
  if (scope === 'none') return query.where(sql<boolean>`1 = 0`)
  if ('chunks_of' in scope) {
    const kysely = db.kysely as unknown as Kysely<Loose>
    return query.where(
      'document_id',
      'in',
      kysely.selectFrom('documents').select('id').where('user_id', '=', scope.chunks_of),
    )
  }
  return query.where(scope.column, '=', scope.user_id)
}

export async function countRows(
  db: Database,
  snapshot: Snapshot,
  table: TableName,
  scope?: RowScope,
): Promise<number> {
  const kysely = db.kysely as unknown as Kysely<Loose>
  const base = kysely.selectFrom(table).select(sql<number | string>`count(*)`.as('n')) as LooseQuery
  const [row] = await snapshot.all<{ n: number | string }>(scoped(db, base, scope).compile())
  return Number(row?.n ?? 0)
}

/** The rows of one table in primary-key order, a page at a time, as lines of the file. */
export async function* pages(
  db: Database,
  snapshot: Snapshot,
  table: TableName,
  scope?: RowScope,
  /** Changes a row before it is written (a user export opens sealed messages, drops secrets). */
  rewrite?: (row: Record<string, unknown>) => Record<string, unknown>,
): AsyncGenerator<{ lines: string; rows: number }> {
  const spec = specOf(table)
  const kysely = db.kysely as unknown as Kysely<Loose>
  let after: unknown
  for (;;) {
    let query = kysely
      .selectFrom(table)
      .select(spec.names)
      .orderBy(spec.key)
      .limit(PAGE_ROWS) as LooseQuery
    if (after !== undefined) query = query.where(spec.key, '>', after)
    const rows = await snapshot.all<Record<string, unknown>>(scoped(db, query, scope).compile())
    if (rows.length === 0) return
    let lines = ''
    for (const row of rows) {
      const written = rewrite === undefined ? row : rewrite(row)
      lines += `${JSON.stringify({ table, row: encodeRow(spec, written, db.codec) })}\n`
    }
    yield { lines, rows: rows.length }
    if (rows.length < PAGE_ROWS) return
    after = rows.at(-1)![spec.key]
    // better-sqlite3 reads synchronously: let the process's other work run between pages.
    await new Promise((resolve) => setImmediate(resolve))
  }
}

function encodeRow(
  spec: ReturnType<typeof specOf>,
  raw: Record<string, unknown>,
  codec: Codec,
): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (const name of spec.names) {
    row[name] = encodeValue(spec.columns[name]!, raw[name], (value) => codec.json(value))
  }
  return row
}
