import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import type { ErasedCounts } from '../schemas/privacy.js'

const count = sql<number | string>`count(*)`.as('n')

/** Counts the rows of `user_id` an erasure removes (inside its transaction, before it does). */
export async function countUserRows(db: Database, user_id: string): Promise<ErasedCounts> {
  const k = db.kysely
  const n = async (query: Promise<{ n: number | string } | undefined>) =>
    Number((await query)?.n ?? 0)
  return {
    conversations: await n(
      k.selectFrom('conversations').select(count).where('user_id', '=', user_id).executeTakeFirst(),
    ),
    messages: await n(
      k.selectFrom('messages').select(count).where('user_id', '=', user_id).executeTakeFirst(),
    ),
    documents: await n(
      k.selectFrom('documents').select(count).where('user_id', '=', user_id).executeTakeFirst(),
    ),
    document_chunks: await n(
      k
        .selectFrom('document_chunks')
        .select(count)
        .where(
          'document_id',
          'in',
          k.selectFrom('documents').select('id').where('user_id', '=', user_id),
        )
        .executeTakeFirst(),
    ),
    transcripts: await n(
      k.selectFrom('transcripts').select(count).where('user_id', '=', user_id).executeTakeFirst(),
    ),
    auth_sessions: await n(
      k.selectFrom('auth_sessions').select(count).where('user_id', '=', user_id).executeTakeFirst(),
    ),
    refresh_tokens: await n(
      k
        .selectFrom('refresh_tokens')
        .select(count)
        .where('user_id', '=', user_id)
        .executeTakeFirst(),
    ),
    api_keys: await n(
      k.selectFrom('api_keys').select(count).where('user_id', '=', user_id).executeTakeFirst(),
    ),
    events: await n(
      k.selectFrom('events').select(count).where('user_id', '=', user_id).executeTakeFirst(),
    ),
  }
}

/** Where the user's transcript files are stored. */
export function userTranscriptFiles(
  db: Database,
  user_id: string,
): Promise<{ storage: string; storage_key: string }[]> {
  return db.kysely
    .selectFrom('transcripts')
    .select(['storage', 'storage_key'])
    .where('user_id', '=', user_id)
    .orderBy('id')
    .execute()
}
