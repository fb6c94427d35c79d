import { createHash } from 'node:crypto'
import { canonicalJson } from './canonical-json.js'

/** What makes two equal texts different chunks: where they come from and what kind of text they are. */
export interface ChunkIdentity {
  source_url: string | null
  doc_type: string | null
}

/** Chunk text as it is hashed: NFKC, runs of whitespace as one space, trimmed. Case is kept. */
export function normalizeChunkContent(content: string): string {
  return content.normalize('NFKC').replace(/\s+/gu, ' ').trim()
}

/**
 * SHA-256 (hex) over a chunk's normalized content and the metadata that makes it distinct, as
 * seed 001 does: `{"content":…,"metadata":{"doc_type":…,"source_url":…}}` with sorted keys. The
 * title and version are left out on purpose, so a new version of a document keeps the ids of the
 * chunks whose text did not change.
 * @example
 * contentHash('Hello   world ', { source_url: 'https://x', doc_type: 'guide' })
 */
export function contentHash(content: string, identity: ChunkIdentity): string {
  const input = canonicalJson({
    content: normalizeChunkContent(content),
    metadata: { doc_type: identity.doc_type, source_url: identity.source_url },
  })
  return createHash('sha256').update(input, 'utf8').digest('hex')
}
