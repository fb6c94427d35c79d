import type { Database } from '../db/database.js'
import { isUuid } from '../lib/uuid7.js'
import type { Message } from '../schemas/data.js'
import type { Citation } from '../schemas/citations.js'

interface Cited {
  chunk_id: string
  content_hash: string | null
  score: number | null
}

/** The citations of a message's context_documents: objects with a chunk_id, or bare chunk ids. */
function citedChunks(contextDocuments: unknown[]): Cited[] {
  return contextDocuments.flatMap((entry): Cited[] => {
    if (typeof entry === 'string') return [{ chunk_id: entry, content_hash: null, score: null }]
    if (entry === null || typeof entry !== 'object') return []
    const { chunk_id, content_hash, score } = entry as Record<string, unknown>
    if (typeof chunk_id !== 'string') return []
    return [
      {
        chunk_id,
        content_hash: typeof content_hash === 'string' ? content_hash : null,
        score: typeof score === 'number' ? score : null,
      },
    ]
  })
}

/**
 * Whether each chunk a message cited is still what the answer was built from: looked up among
 * the chunks of live documents the message's owner may read, so a citation never reveals
 * another user's document.
 */
export async function checkCitations(db: Database, message: Message): Promise<Citation[]> {
  const cited = citedChunks(message.context_documents)
  const ids = [...new Set(cited.map((c) => c.chunk_id).filter(isUuid))]
  const rows =
    ids.length === 0
      ? []
      : await db.kysely
          .selectFrom('document_chunks as c')
          .innerJoin('documents as d', 'd.id', 'c.document_id')
          .select(['c.id', 'c.content_hash', 'c.document_id'])
          .where('c.id', 'in', ids)
          .where('d.deleted_at', 'is', null)
          .where((eb) =>
            eb.or([eb('d.user_id', '=', message.user_id), eb('d.user_id', 'is', null)]),
          )
          .execute()
  const found = new Map(rows.map((row) => [row.id, row]))
  return cited.map((c) => {
    const row = found.get(c.chunk_id)
    if (row === undefined) {
      return { ...c, status: 'deleted', current_hash: null, document_id: null }
    }
    const changed = c.content_hash !== null && c.content_hash !== row.content_hash
    return {
      ...c,
      status: changed ? 'changed' : 'current',
      current_hash: row.content_hash,
      document_id: row.document_id,
    }
  })
}
