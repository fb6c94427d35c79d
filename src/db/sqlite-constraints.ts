import type BetterSqlite3 from 'better-sqlite3'

interface UniqueIndex {
  name: string
  columns: string[]
}

/**
 * Names the unique constraint a SQLite error is about. SQLite names only the columns
 * (`UNIQUE constraint failed: messages.conversation_id, messages.role, messages.request_id`), or
 * for an index on expressions the index (`… failed: index 'documents_owner_source_key'`); the
 * schema (PRAGMA index_list / index_info) says which unique index has those columns. Inline
 * constraints have no name of their own in SQLite (`sqlite_autoindex_…`), so they get the one
 * PostgreSQL gives them: `<table>_pkey` and `<table>_<columns>_key`. Services then compare the
 * same names on both engines. Read once per table, and again when an index is not found (a
 * migration may have added it since).
 */
export class UniqueIndexNames {
  readonly #handle: BetterSqlite3.Database
  readonly #tables = new Map<string, UniqueIndex[]>()

  constructor(handle: BetterSqlite3.Database) {
    this.#handle = handle
  }

  of(error: unknown): string | undefined {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
    const failed =
      typeof message === 'string' ? /UNIQUE constraint failed: (.+)$/.exec(message) : null
    if (failed === null) return undefined
    const index = /^index '(.+)'$/.exec(failed[1]!)
    if (index !== null) return index[1]
    const columns = failed[1]!.split(', ').map((qualified) => qualified.split('.'))
    const table = columns[0]![0]!
    const names = columns.map((pair) => pair[1]!)
    try {
      const found = this.#find(table, names, false) ?? this.#find(table, names, true)
      if (found !== undefined) return found
    } catch {
      return undefined // the handle is closing: the violation goes unnamed
    }
    // An INTEGER PRIMARY KEY is the rowid itself, with no index of its own.
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? `${table}_pkey` : undefined
  }

  #find(table: string, columns: string[], reload: boolean): string | undefined {
    let indexes = this.#tables.get(table)
    if (indexes === undefined || reload) {
      indexes = this.#read(table)
      this.#tables.set(table, indexes)
    }
    const key = columns.join('\u0000')
    return indexes.find((index) => index.columns.join('\u0000') === key)?.name
  }

  #read(table: string): UniqueIndex[] {
    const list = this.#handle
      .prepare('select name, "unique" as is_unique, origin from pragma_index_list(?)')
      .all(table) as { name: string; is_unique: number; origin: string }[]
    const info = this.#handle.prepare('select name from pragma_index_info(?) order by seqno')
    return list
      .filter((index) => index.is_unique === 1)
      .map((index) => {
        const columns = (info.all(index.name) as { name: string }[]).map((c) => c.name)
        const name =
          index.origin === 'pk'
            ? `${table}_pkey`
            : index.origin === 'u'
              ? `${table}_${columns.join('_')}_key`
              : index.name
        return { name, columns }
      })
  }
}
