import { type Expression, type SqlBool, sql } from 'kysely'
import type { Database } from './database.js'

/** `column.key` is a JSON array holding `value`: jsonb containment on PostgreSQL, json_each on SQLite. */
export function jsonArrayContains(
  db: Database,
  column: string,
  key: string,
  value: string,
): Expression<SqlBool> {
  if (db.engine === 'postgres') {
    return sql<SqlBool>`${sql.ref(column)} -> ${key} @> ${JSON.stringify([value])}::jsonb`
  }
  const path = `$.${key}`
  return sql<SqlBool>`(json_type(${sql.ref(column)}, ${path}) = 'array' and exists (select 1 from json_each(${sql.ref(column)}, ${path}) where value = ${value}))`
}
