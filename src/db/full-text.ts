import { type RawBuilder, sql } from 'kysely'
import type { Database } from './database.js'

/** The indexed tables, each searched through the index its migration made. */
export type SearchTable = 'messages' | 'document_chunks'

/**
 * The pieces of a full-text query that differ between the engines. `terms` are the words of
 * the query, already split and lower-cased; every one must occur in a hit.
 *
 * SQLite: the FTS5 table `<table>_fts` (external content, rowid = the row's rowid), ranked by
 * bm25 (negated so that higher is better), `snippet()` for the excerpt. PostgreSQL: the GIN
 * index on `to_tsvector('simple', …)` (the expression must match the index's exactly), ranked
 * by ts_rank, `ts_headline` for the excerpt. Messages not yet indexed (deferred search) are
 * found by neither.
 */
export interface FullText {
  /** Joins the index to the rows `alias` names, for the FROM clause. */
  from: RawBuilder<unknown>
  /** The match condition, for the WHERE clause. */
  match: RawBuilder<boolean>
  /** The relevance, higher is better, as a double. */
  score: RawBuilder<number>
  /** The excerpt with the matched words between `<mark>` and `</mark>`. */
  snippet: (content: RawBuilder<string>) => RawBuilder<string>
  /** Where the snippet is computed: with the match (SQLite), or over the page's rows only. */
  snippetInside: boolean
  /** A score from a cursor, as a parameter compared with `score`. */
  scoreValue: (value: number) => RawBuilder<number>
  /**
   * Written before the CTE of hits: SQLite must not fold the ranking query into the outer one,
   * where bm25() and snippet() have no full-text cursor to read.
   */
  hitsCte: RawBuilder<unknown>
}

const MARK = { start: '<mark>', stop: '</mark>' }

export function fullText(
  db: Database,
  table: SearchTable,
  alias: string,
  terms: string[],
): FullText {
  if (db.engine === 'postgres') {
    const text = terms.join(' ')
    const query = sql`plainto_tsquery('simple', ${text})`
    const content =
      table === 'messages'
        ? sql`coalesce(${sql.ref(`${alias}.content`)}, '')`
        : sql.ref(`${alias}.content`)
    const vector = sql`to_tsvector('simple', ${content})`
    // The messages' index is partial: a message still pending (deferred search) is not in it,
    // and the condition must be written for the planner to use the index at all.
    const indexed =
      table === 'messages' ? sql` and not ${sql.ref(`${alias}.search_pending`)}` : sql``
    return {
      from: sql`${sql.table(table)} as ${sql.raw(alias)}`,
      match: sql<boolean>`${vector} @@ ${query}${indexed}`,
      score: sql<number>`ts_rank(${vector}, ${query})::float8`,
      snippet: (column) =>
        sql<string>`ts_headline('simple', ${column}, ${query}, ${`StartSel=${MARK.start}, StopSel=${MARK.stop}, MaxWords=24, MinWords=8, ShortWord=0, MaxFragments=2, FragmentDelimiter=" … "`})`,
      snippetInside: false,
      scoreValue: (value) => sql<number>`${value}::float8`,
      hitsCte: sql``,
    }
  }
  const fts = sql.table(`${table}_fts`)
  // Each term quoted: FTS5 reads it as a plain string, never as query syntax.
  const expression = terms.map((term) => `"${term}"`).join(' ')
  return {
    from: sql`${fts} join ${sql.table(table)} as ${sql.raw(alias)} on ${sql.ref(`${alias}.rowid`)} = ${fts}.rowid`,
    match: sql<boolean>`${fts} match ${expression}`,
    score: sql<number>`-bm25(${fts})`,
    snippet: () => sql<string>`snippet(${fts}, 0, ${MARK.start}, ${MARK.stop}, '…', 16)`,
    snippetInside: true,
    scoreValue: (value) => sql<number>`${value}`,
    hitsCte: sql`materialized `,
  }
}
