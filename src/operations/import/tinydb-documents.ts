import { encodeJson } from '../../db/codec.js'
import type { Database } from '../../db/database.js'
import { contentHash } from '../../lib/content-hash.js'
import * as chunks from '../../repositories/document-chunks.js'
import * as documents from '../../repositories/documents.js'
import { NewDocumentSchema } from '../../schemas/documents.js'
import { LIMITS } from '../../schemas/limits.js'
import { checkJsonSize, validator } from '../../schemas/validate.js'
import { ChatkeepError } from '../../errors.js'
import { clipped, count, field, isRecord, type JsonRecord, text, timeField } from './fields.js'
import type { ImportReport } from './report.js'
import { stableId } from './stable-id.js'
import type { TinyDbDocument } from './tinydb-file.js'
import { USER_REF_FIELDS, type UserRefs } from './tinydb-users.js'

const validateDocument = validator(NewDocumentSchema)

/**
 * Documents become Chatkeep documents, each with its text as chunks: `chunks` (an array of
 * texts, or of objects with `content`) when the record has them, else `content` as one chunk.
 * A document without a user is shared. Natural key: the record's `id` (else its TinyDB doc id);
 * a live document of the same owner at the same source_url also counts as already there.
 */
export async function importDocuments(
  db: Database,
  docs: readonly TinyDbDocument[],
  refs: UserRefs,
  report: ImportReport,
): Promise<void> {
  for (const { doc_id, value } of docs) {
    const skip = (reason: string) => report.skipped.push({ table: 'documents', doc_id, reason })
    if (!isRecord(value)) {
      skip('not an object')
      continue
    }
    const ref = text(field(value, USER_REF_FIELDS))
    const userId = ref === undefined ? null : refs.resolve(ref)
    if (userId === undefined) {
      skip(`orphan: its user ${JSON.stringify(ref)} is not among the users imported`)
      continue
    }
    const texts = chunkTexts(value)
    if (texts === undefined || texts.length === 0) {
      skip('missing required field content')
      continue
    }
    const created = timeField(value, ['created_at', 'created', 'timestamp'])
    const updated = timeField(value, ['updated_at', 'modified_at'])
    if ('problem' in created || 'problem' in updated) {
      skip('problem' in created ? created.problem : (updated as { problem: string }).problem)
      continue
    }
    const created_at = created.time ?? updated.time
    if (created_at === undefined) {
      skip('missing required field created_at')
      continue
    }
    const fields = {
      source_url: clipped(field(value, ['source_url', 'url', 'source']), 2000),
      doc_type: clipped(field(value, ['doc_type', 'type']), 50),
      title: clipped(field(value, ['title', 'name']), LIMITS.title),
      version: clipped(value.version, 50),
      metadata: {
        ...(isRecord(value.metadata) ? value.metadata : {}),
        import: { source: 'tinydb', doc_id },
      },
    }
    const problem = documentProblem({ ...fields, chunks: texts.map((content) => ({ content })) })
    if (problem !== undefined) {
      skip(problem)
      continue
    }
    const key = text(field(value, ['id', 'document_id'])) ?? `doc ${doc_id}`
    const id = stableId('tinydb/document', `${userId ?? ''}\u0000${key}`, created_at)
    const updated_at = updated.time ?? created_at
    const identity = { source_url: fields.source_url, doc_type: fields.doc_type }
    const outcome = await db.transaction(async (tx) => {
      const there =
        (await tx.kysely
          .selectFrom('documents')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst()) ??
        (fields.source_url === null
          ? undefined
          : await documents.getDocumentBySource(tx, userId, fields.source_url))
      if (there !== undefined) return 'existing' as const
      await documents.insertDocument(tx, {
        id,
        user_id: userId,
        ...fields,
        metadata: encodeJson(fields.metadata),
        created_at,
        updated_at,
        deleted_at: null,
      })
      // One chunk per distinct text: the same text twice in one document is stored once.
      const seen = new Set<string>()
      const rows = texts.flatMap((content, chunk_index) => {
        const content_hash = contentHash(content, identity)
        if (seen.has(content_hash)) return []
        seen.add(content_hash)
        const chunkId = stableId('tinydb/chunk', `${id}\u0000${chunk_index}`, created_at)
        return [
          {
            id: chunkId,
            document_id: id,
            chunk_index,
            content,
            content_hash,
            token_count: tokenCount(value, chunk_index),
            embedding_id: null,
            embedding: null,
            created_at,
            updated_at,
          },
        ]
      })
      await chunks.insertChunks(tx, rows)
      return 'created' as const
    })
    report[outcome].documents++
  }
}

function chunkTexts(record: JsonRecord): string[] | undefined {
  if (Array.isArray(record.chunks)) {
    const texts = record.chunks.map((c) => (isRecord(c) ? c.content : c))
    return texts.every((t): t is string => typeof t === 'string' && t !== '') ? texts : undefined
  }
  const content = field(record, ['content', 'text', 'body'])
  return typeof content === 'string' && content !== '' ? [content] : undefined
}

function tokenCount(record: JsonRecord, index: number): number | null {
  const chunk = Array.isArray(record.chunks) ? record.chunks[index] : undefined
  const n = isRecord(chunk) ? chunk.token_count : record.token_count
  return n === undefined ? null : count(n)
}

function documentProblem(input: unknown): string | undefined {
  try {
    validateDocument(input)
    checkJsonSize('metadata', (input as { metadata: unknown }).metadata)
    return undefined
  } catch (error) {
    if (error instanceof ChatkeepError) return error.message
    throw error
  }
}
