import { type RawBuilder, sql } from 'kysely'

/** The UTC periods time buckets are made of. */
export type TimeBucket = 'minute' | 'hour' | 'day'

/**
 * The SQL that differs between the engines, asked for by what it does. Repositories and
 * operations build their queries with these instead of asking which engine is underneath.
 */
export interface EngineDialect {
  /**
   * The UTC start of the minute, hour or day the timestamp `column` falls in, as the same
   * ISO-8601 text with milliseconds on both engines (`2026-11-25T12:00:00.000Z`).
   */
  bucketStart(bucket: TimeBucket, column: string): RawBuilder<string>
  /** The top-level `key` of the JSON `column` as a double when it is a JSON number, else null. */
  jsonNumber(column: string, key: string): RawBuilder<number | null>
  /**
   * `column` (a uuid) is one of `ids`: a JSON array of ids bound as one parameter, so that a
   * prepared statement takes any number of them.
   */
  idIn(column: string, ids: unknown): RawBuilder<boolean>
  /**
   * Keeps other writers out of `tables` until the transaction ends (readers go on); null where
   * a write transaction already keeps every other writer out (SQLite's BEGIN IMMEDIATE).
   */
  lockTables(tables: readonly string[]): RawBuilder<unknown> | null
  /**
   * Refreshes the planner's statistics of every table, for after a migration, an import or a
   * restore has changed tables by far more than the statistics know; null where the planner
   * keeps none that could go stale (see `refreshStatistics`).
   */
  analyze(): RawBuilder<unknown> | null
}

/** SQLite stores `2026-11-25T12:34:56.789Z`: how many characters a bucket keeps, then the rest. */
const SQLITE_BUCKETS: Record<TimeBucket, { keep: number; rest: string }> = {
  minute: { keep: 16, rest: ':00.000Z' },
  hour: { keep: 13, rest: ':00:00.000Z' },
  day: { keep: 10, rest: 'T00:00:00.000Z' },
}

export const sqliteDialect: EngineDialect = {
  bucketStart(bucket, column) {
    const { keep, rest } = SQLITE_BUCKETS[bucket]
    return sql<string>`substr(${sql.ref(column)}, 1, ${sql.lit(keep)}) || ${sql.lit(rest)}`
  },
  jsonNumber(column, key) {
    const path = sql.lit(`$.${key}`)
    return sql<
      number | null
    >`case when json_type(${sql.ref(column)}, ${path}) in ('integer', 'real') then cast(json_extract(${sql.ref(column)}, ${path}) as real) end`
  },
  idIn(column, ids) {
    return sql<boolean>`${sql.ref(column)} in (select value from json_each(${ids}))`
  },
  lockTables: () => null,
  // Without sqlite_stat1 SQLite takes every index as selective, which is what the hot
  // statements want; statistics, once gathered, would go stale as a table grows like anywhere.
  analyze: () => null,
}

/** date_trunc in UTC gives a timestamptz, which comes back as ISO-8601 like every other. */
export const postgresDialect: EngineDialect = {
  bucketStart(bucket, column) {
    return sql<string>`date_trunc(${sql.lit(bucket)}, ${sql.ref(column)}, 'UTC')`
  },
  jsonNumber(column, key) {
    const data = sql.ref(column)
    return sql<
      number | null
    >`case when jsonb_typeof(${data} -> ${sql.lit(key)}) = 'number' then (${data} ->> ${sql.lit(key)})::float8 end`
  },
  // The array is computed once (an InitPlan), so `= any` walks the primary key.
  idIn(column, ids) {
    return sql<boolean>`${sql.ref(column)} = any(array(select jsonb_array_elements_text(${ids}::jsonb)::uuid))`
  },
  lockTables(tables) {
    return sql`lock table ${sql.join(tables.map((t) => sql.table(t)))} in exclusive mode`
  },
  // A sample of each table (300 × default_statistics_target rows), so seconds at most whatever
  // the size; it takes no lock that keeps readers or writers out.
  analyze: () => sql`analyze`,
}
