import { type RawBuilder, sql } from 'kysely'
import type { Database } from './database.js'

/** The length in bytes of a blob (SQLite) or bytea (PostgreSQL) value. */
export const byteLength = (db: Database, value: RawBuilder<unknown>): RawBuilder<number> =>
  db.engine === 'postgres' ? sql<number>`octet_length(${value})` : sql<number>`length(${value})`

/**
 * A bytes column as it travels fastest to Node: a Buffer from SQLite; base64 text from
 * PostgreSQL, since pg decodes bytea from hex in JavaScript byte by byte while base64 decodes
 * natively and is a third shorter. (PostgreSQL's line breaks in it are skipped by the decoder.)
 * Read it back with `Buffer.from(value, 'base64')` when it is a string.
 */
export const bytesForTransfer = (
  db: Database,
  value: RawBuilder<unknown>,
): RawBuilder<Buffer | string> =>
  db.engine === 'postgres'
    ? sql<Buffer | string>`encode(${value}, 'base64')`
    : sql<Buffer | string>`${value}`
