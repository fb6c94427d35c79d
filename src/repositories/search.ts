import { type RawBuilder, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { type FullText, fullText } from '../db/full-text.js'
import type { Owner } from './conversations.js'

/** Where a page of hits starts: after the hit with this score and id. */
export interface SearchCursor {
  score: number
  id: string
}

interface Common {
  owner: Owner
  terms: string[]
  limit: number
  after?: SearchCursor | undefined
  created_after?: string | undefined
  created_before?: string | undefined
}

export interface MessageSearch extends Common {
  conversation_id?: string | undefined
  role?: string | undefined
}

export interface ChunkSearch extends Common {
  document_id?: string | undefined
  doc_type?: string | undefined
}

export interface SearchRow {
  id: string
  score: number
  snippet: string
  created_at: string
  conversation_id: string | null
  role: string | null
  document_id: string | null
  chunk_index: number | null
  content_hash: string | null
  title: string | null
  source_url: string | null
  doc_type: string | null
}

const and = (conditions: RawBuilder<unknown>[]) => sql.join(conditions, sql` and `)

/**
 * The caller's live messages holding every term, best first (ties by id), limit + 1 rows.
 * Messages of a deleted conversation are deleted with it, so `deleted_at` is the one check.
 */
export async function searchMessages(db: Database, s: MessageSearch): Promise<SearchRow[]> {
  const ft = fullText(db, 'messages', 'm', s.terms)
  const where: RawBuilder<unknown>[] = [ft.match, sql`m.deleted_at is null`]
  if (s.owner !== null) where.push(sql`m.user_id = ${s.owner}`)
  if (s.conversation_id !== undefined) where.push(sql`m.conversation_id = ${s.conversation_id}`)
  if (s.role !== undefined) where.push(sql`m.role = ${s.role}`)
  dateRange(where, 'm', s)
  const columns = sql`m.id, m.created_at, m.conversation_id, m.role, null as document_id,
    null as chunk_index, null as content_hash, null as title, null as source_url, null as doc_type`
  return page(db, ft, columns, sql`m.content`, where, s)
}

/** Chunks of live documents the caller may read (their own and shared ones) holding every term. */
export async function searchChunks(db: Database, s: ChunkSearch): Promise<SearchRow[]> {
  const ft = fullText(db, 'document_chunks', 'c', s.terms)
  const where: RawBuilder<unknown>[] = [ft.match, sql`d.deleted_at is null`]
  if (s.owner !== null) where.push(sql`(d.user_id = ${s.owner} or d.user_id is null)`)
  if (s.document_id !== undefined) where.push(sql`c.document_id = ${s.document_id}`)
  if (s.doc_type !== undefined) where.push(sql`d.doc_type = ${s.doc_type}`)
  dateRange(where, 'c', s)
  const columns = sql`c.id, c.created_at, null as conversation_id, null as role, c.document_id,
    c.chunk_index, c.content_hash, d.title, d.source_url, d.doc_type`
  const from = { ...ft, from: sql`${ft.from} join documents d on d.id = c.document_id` }
  return page(db, from, columns, sql`c.content`, where, s)
}

function dateRange(where: RawBuilder<unknown>[], alias: string, s: Common): void {
  const column = sql.ref(`${alias}.created_at`)
  if (s.created_after !== undefined) where.push(sql`${column} >= ${s.created_after}`)
  if (s.created_before !== undefined) where.push(sql`${column} < ${s.created_before}`)
}

/**
 * Ranks every match in an inner query (a rank needs them all), then keeps one page of it after
 * the cursor. PostgreSQL makes snippets for that page's rows only.
 */
async function page(
  db: Database,
  ft: FullText,
  columns: RawBuilder<unknown>,
  content: RawBuilder<string>,
  where: RawBuilder<unknown>[],
  s: Common,
): Promise<SearchRow[]> {
  const inner = ft.snippetInside
    ? sql`select ${columns}, ${ft.score} as score, ${ft.snippet(content)} as snippet`
    : sql`select ${columns}, ${ft.score} as score, ${content} as content`
  const after =
    s.after === undefined
      ? sql``
      : sql`where (hits.score < ${ft.scoreValue(s.after.score)} or (hits.score = ${ft.scoreValue(s.after.score)} and hits.id > ${s.after.id}))`
  const outer = ft.snippetInside
    ? sql`hits.*`
    : sql`hits.id, hits.created_at, hits.conversation_id, hits.role, hits.document_id,
        hits.chunk_index, hits.content_hash, hits.title, hits.source_url, hits.doc_type,
        hits.score, ${ft.snippet(sql`hits.content`)} as snippet`
  const query = sql<SearchRow>`with hits as ${ft.hitsCte}(
      ${inner} from ${ft.from} where ${and(where)}
    )
    select ${outer} from hits ${after}
    order by hits.score desc, hits.id asc limit ${s.limit + 1}`
  const result = await query.execute(db.kysely)
  return result.rows
}
