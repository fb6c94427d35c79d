import { type Expression, type SqlBool, sql } from 'kysely'
import type { Database } from './database.js'

/** `column` contains `text`, ignoring case: ILIKE on PostgreSQL, LIKE (case-blind for ASCII) on SQLite. */
export function containsText(db: Database, column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const op = db.engine === 'postgres' ? sql`ilike` : sql`like`
  return sql<SqlBool>`${sql.ref(column)} ${op} ${pattern} escape '\\'`
}
