import { type MessageCipher, noKeyRing, type SealedRow } from '../../crypto/message-cipher.js'
import type { Database, Engine } from '../../db/database.js'
import { notFound } from '../../errors.js'
import { ZipWriter, type WrittenEntry } from '../../lib/zip.js'
import { countRows, pages, type RowScope, upToDateSchema } from '../logical/export.js'
import {
  type Counts,
  FORMAT,
  type Header,
  TABLE_ORDER,
  type TableName,
  type Trailer,
  VERSION,
  zeroCounts,
} from '../logical/format.js'
import { Sink } from '../logical/streams.js'
import { conversationDigest } from './digest.js'

export const USER_EXPORT_FORMAT = 'chatkeep-user-export'
export const USER_EXPORT_VERSION = 1
/** The zip's entries: the rows, then the manifest that checks them. */
export const USER_EXPORT_ROWS = 'chatkeep.jsonl'
export const USER_EXPORT_MANIFEST = 'manifest.json'

/** `manifest.json`, the archive's last entry. */
export interface UserExportManifest {
  format: typeof USER_EXPORT_FORMAT
  version: number
  user_id: string
  username: string
  exported_at: string
  /** The migration the database was at; `chatkeep import` needs one at least as new. */
  schema: string
  engine: Engine
  /** The other entries, with their size and SHA-256. */
  files: WrittenEntry[]
  /** Rows per table in `chatkeep.jsonl`. */
  counts: Counts
  /** Per conversation: its messages and the digest the same conversation gives once imported. */
  conversations: { id: string; messages: number; sha256: string }[]
}

/** `manifest.json` as the archive holds it: what its SHA-256 (`user.exported`) is taken of. */
export const manifestText = (manifest: UserExportManifest): string =>
  `${JSON.stringify(manifest, null, 2)}\n`

/**
 * Everything of one user, and nothing of anyone else: which rows each table gives. Secrets stay
 * out (refresh tokens, API key hashes, the password hash, a session's current token id); the
 * operator's own tables (rate limits, metrics, configuration, backups, holds) are not theirs.
 */
function scopeOf(table: TableName, user_id: string): RowScope {
  switch (table) {
    case 'users':
      return { column: 'id', user_id }
    case 'auth_sessions':
    case 'conversations':
    case 'messages':
    case 'documents':
    case 'transcripts':
    case 'audit_events':
      return { column: 'user_id', user_id }
    case 'document_chunks':
      return { chunks_of: user_id }
    default:
      return 'none'
  }
}

/**
 * Writes a zip of everything of `user_id` to `out`, from one consistent snapshot: their rows in
 * Chatkeep's logical JSON Lines format (`chatkeep import` reads the zip), with sealed messages
 * opened, and a manifest with each entry's SHA-256 and a digest per conversation. Streams: memory
 * stays bounded whatever the user holds. `out` is left open for the caller to end.
 */
export async function exportUser(
  db: Database,
  cipher: MessageCipher | null,
  user_id: string,
  out: NodeJS.WritableStream,
): Promise<UserExportManifest> {
  const schema = await upToDateSchema(db)
  // Every message exported is the user's: their data key opens them all (encryption at rest).
  await cipher?.user_keys?.load(db, [user_id])
  const sink = new Sink(out)
  try {
    return await db.snapshot(async (snapshot) => {
      const [user] = await snapshot.all<{ id: string; username: string }>(
        db.kysely
          .selectFrom('users')
          .select(['id', 'username'])
          .where('id', '=', user_id)
          .compile(),
      )
      if (user === undefined) throw notFound('user', user_id)
      const expected = zeroCounts()
      for (const table of TABLE_ORDER) {
        expected[table] = await countRows(db, snapshot, table, scopeOf(table, user_id))
      }
      const exported_at = new Date().toISOString()
      const counts = zeroCounts()
      const rewrite = rewriters(cipher)
      async function* rows(): AsyncGenerator<string> {
        const header: Header = {
          format: FORMAT,
          version: VERSION,
          schema,
          engine: db.engine,
          exported_at,
          rows: TABLE_ORDER.reduce((sum, table) => sum + expected[table], 0),
        }
        yield `${JSON.stringify(header)}\n`
        for (const table of TABLE_ORDER) {
          for await (const page of pages(
            db,
            snapshot,
            table,
            scopeOf(table, user_id),
            rewrite[table],
          )) {
            counts[table] += page.rows
            yield page.lines
          }
        }
        const trailer: Trailer = { end: { counts } }
        yield `${JSON.stringify(trailer)}\n`
      }
      const zip = new ZipWriter((chunk) => sink.write(chunk))
      const files = [await zip.entry(USER_EXPORT_ROWS, rows())]
      const conversations: UserExportManifest['conversations'] = []
      const read = <R>(query: Parameters<typeof snapshot.all>[0]) => snapshot.all<R>(query)
      const owned = await snapshot.all<{ id: string; active_leaf_id: string | null }>(
        db.kysely
          .selectFrom('conversations')
          .select(['id', 'active_leaf_id'])
          .where('user_id', '=', user_id)
          .orderBy('id')
          .compile(),
      )
      for (const conversation of owned) {
        conversations.push({
          id: conversation.id,
          ...(await conversationDigest(db, read, cipher, conversation)),
        })
      }
      const manifest: UserExportManifest = {
        format: USER_EXPORT_FORMAT,
        version: USER_EXPORT_VERSION,
        user_id,
        username: user.username,
        exported_at,
        schema,
        engine: db.engine,
        files,
        counts,
        conversations,
      }
      await zip.entry(USER_EXPORT_MANIFEST, [manifestText(manifest)])
      await zip.finish()
      sink.check()
      return manifest
    })
  } finally {
    sink.release()
  }
}

/** What a row of the user's becomes in their export. */
function rewriters(
  cipher: MessageCipher | null,
): Partial<Record<TableName, (row: Record<string, unknown>) => Record<string, unknown>>> {
  return {
    users: (row) => ({ ...row, password_hash: null }),
    auth_sessions: (row) => ({ ...row, access_jti: null }),
    // Their place in this database's chain would collide with another database's.
    audit_events: (row) => ({ ...row, chain_seq: null, actor_digest: null, hash: null }),
    // Opened, so the person can read it and an import elsewhere needs none of this ring's keys.
    messages: (row) => {
      if (row.encrypted_content === null && row.encrypted_parts === null) return row
      const sealed = row as unknown as SealedRow & { encrypted_parts: Buffer | null }
      if (cipher === null) throw noKeyRing(sealed)
      return {
        ...row,
        content: sealed.encrypted_content === null ? row.content : cipher.open(sealed),
        parts:
          sealed.encrypted_parts === null
            ? row.parts
            : cipher.openParts({ ...sealed, encrypted_parts: sealed.encrypted_parts }),
        encrypted_content: null,
        encrypted_parts: null,
        key_id: null,
      }
    },
  }
}
