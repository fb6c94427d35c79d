import type { Database } from '../db/database.js'
import { perDatabase } from '../db/memo.js'

/** Messages' embeddings: their index made ready before the write that stores them. */

/** Dimensions whose message index this process has seen ready, per database. */
const covered = perDatabase(() => new Set<number>())

/**
 * Makes the vector index take message embeddings of these dimensions (SQLite: creates the
 * dimension's vec0 table and triggers; pgvector: its HNSW index), before the write that stores
 * them, in a transaction of its own: the write's triggers then index them in its transaction.
 */
export async function coverMessageVectors(
  db: Database,
  embeddings: readonly (Buffer | null)[],
): Promise<void> {
  const seen = covered(db.root)
  const dimensions = [
    ...new Set(embeddings.flatMap((e) => (e === null ? [] : [e.length / 4]))),
  ].filter((n) => !seen.has(n))
  if (dimensions.length === 0) return
  await db.transaction((tx) => db.vectors.cover(tx, dimensions, 'messages'))
  for (const n of dimensions) seen.add(n)
}
