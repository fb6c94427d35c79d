import type { Database } from '../../db/database.js'
import { FEED_TABLES } from '../../db/schema.js'
import { ChatkeepError } from '../../errors.js'
import { isTableName, specOf, TABLE_ORDER } from './format.js'

/**
 * Tables the engine or the migrator keeps for itself, and the feed's (FEED_TABLES): their
 * contents are not data to move. The vector indexes (chunk_vectors_<n>, message_vectors_<n> and
 * sqlite-vec's shadow tables) and their change logs are rebuilt from the rows by their triggers.
 * The message search mode and what it left pending are this database's state: an imported
 * message is indexed as the importing database's mode says.
 */
const BOOKKEEPING =
  /^(chatkeep_migration(_lock)?|.+_fts(_(data|idx|docsize|config|content))?|(chunk|message)_vector_changes|(chunk|message)_vectors_\d+(_.+)?|message_search_(mode|pending))$/
const isBookkeeping = (name: string) =>
  BOOKKEEPING.test(name) || (FEED_TABLES as readonly string[]).includes(name)

/** Columns of that kind in a data table (PostgreSQL's flag of a message not yet indexed). */
const BOOKKEEPING_COLUMNS: ReadonlySet<string> = new Set(['messages.search_pending'])

/**
 * Compares the export format with the live database: every table and column there must be one
 * `SPECS` knows, and the other way round. A migration that adds a table or a column without
 * teaching the format about it makes export and import refuse to run instead of dropping data.
 */
export async function checkCoverage(db: Database): Promise<void> {
  const tables = await db.kysely.introspection.getTables()
  // PostgreSQL lists every schema; ours is the one the users table lives in.
  const home = tables.find((t) => t.name === 'users')?.schema
  const live = tables.filter((t) => !t.isView && t.schema === home && !isBookkeeping(t.name))
  const problems: string[] = []
  for (const table of live) {
    if (!isTableName(table.name)) {
      problems.push(`table ${table.name} is not in the export format`)
      continue
    }
    const known = new Set(specOf(table.name).names)
    for (const column of table.columns) {
      if (BOOKKEEPING_COLUMNS.has(`${table.name}.${column.name}`)) continue
      if (!known.has(column.name)) problems.push(`column ${table.name}.${column.name} is unknown`)
      known.delete(column.name)
    }
    for (const column of known) problems.push(`column ${table.name}.${column} is missing`)
  }
  for (const name of TABLE_ORDER) {
    if (!live.some((t) => t.name === name)) problems.push(`table ${name} is missing`)
  }
  if (problems.length > 0) {
    throw new ChatkeepError(
      'internal',
      `The database and the export format of this Chatkeep disagree: ${problems.join('; ')}. ` +
        'Nothing was exported or imported; report it, as the format must learn every table.',
    )
  }
}
