import type { Database } from './database.js'

/**
 * Prepared statements belong to one open database; this keeps one set per database and module,
 * built on first use. A transaction's handle shares its database's set.
 */
export function perDatabase<T>(build: (db: Database) => T): (db: Database) => T {
  const sets = new WeakMap<Database, T>()
  return (handle) => {
    const db = handle.root
    let set = sets.get(db)
    if (set === undefined) {
      set = build(db)
      sets.set(db, set)
    }
    return set
  }
}
