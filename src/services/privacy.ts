import { createHash } from 'node:crypto'
import type { Cache } from '../cache/cache.js'
import { userKey } from '../cache/lookups.js'
import { responseKeyPrefix } from '../cache/response-cache.js'
import type { MessageCipher } from '../crypto/message-cipher.js'
import type { Database } from '../db/database.js'
import { notFound } from '../errors.js'
import { isUuid } from '../lib/uuid7.js'
import {
  exportUser,
  manifestText,
  type UserExportManifest,
} from '../operations/personal-data/export.js'
import { insertAuditEvents } from '../repositories/audit-events.js'
import { deleteUserEvents, eventRow, insertEvents } from '../repositories/events.js'
import { deleteReleasedHoldsOfUser } from '../repositories/legal-holds.js'
import { countUserRows, userTranscriptFiles } from '../repositories/personal-data.js'
import * as users from '../repositories/users.js'
import type { ErasedCounts, ErasureReport } from '../schemas/privacy.js'
import { type AuditContext, auditInput, auditRow, type AuditService } from './audit.js'
import { refuseIfUserHeld } from './legal-holds.js'
import type { TranscriptService } from './transcripts.js'

export interface UserExportOptions {
  /** Who asks: the export is then audited (see `export`). Without it, nothing is recorded. */
  actor?: AuditContext | undefined
}

/**
 * A person's rights over their data (`store.privacy`): everything of theirs as one archive, and
 * erasure of all of it. Both refuse nothing but a missing user; erasure also refuses while a
 * legal hold covers the user or a conversation of theirs.
 */
export class PrivacyService {
  constructor(
    private readonly db: Database,
    private readonly cipher: MessageCipher | null,
    private readonly cache: Cache,
    private readonly transcripts: () => TranscriptService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Writes a zip of everything of the user to `out` (see `exportUser`): JSON Lines that
   * `chatkeep import` reads, and a manifest with checksums and per-conversation digests. The
   * caller ends `out`. With `actor`, audited: `user.export` before the first byte, and
   * `user.exported` with the manifest's SHA-256 once the archive is whole (an export that dies
   * part-way leaves the first without the second).
   * @example
   * await store.privacy.export(ada.id, createWriteStream('ada.zip'))
   */
  async export(
    user_id: string,
    out: NodeJS.WritableStream,
    options: UserExportOptions = {},
  ): Promise<UserExportManifest> {
    if (!isUuid(user_id)) throw notFound('user', user_id)
    const { actor } = options
    if (actor === undefined) return exportUser(this.db, this.cipher, user_id, out)
    if ((await users.getUser(this.db, user_id)) === undefined) throw notFound('user', user_id)
    const target = { type: 'user', id: user_id }
    // Committed before the first byte: data that left is on record even if the export dies.
    await this.audit.record(auditInput('user.export', actor, target))
    const manifest = await exportUser(this.db, this.cipher, user_id, out)
    const manifest_sha256 = createHash('sha256').update(manifestText(manifest)).digest('hex')
    await this.audit.record(
      auditInput('user.exported', actor, target, {
        manifest_sha256,
        rows: Object.values(manifest.counts).reduce((sum, n) => sum + n, 0),
        conversations: manifest.conversations.length,
      }),
    )
    return manifest
  }

  /**
   * What `erase` would remove of the user now, per kind of row: for a confirmation that says
   * what goes. Changes nothing.
   * @example
   * const { conversations, messages } = await store.privacy.preview(ada.id)
   */
  async preview(user_id: string): Promise<ErasedCounts> {
    if (!isUuid(user_id) || (await users.getUser(this.db, user_id)) === undefined) {
      throw notFound('user', user_id)
    }
    return countUserRows(this.db, user_id)
  }

  /**
   * Erases the user: their transcript files, then in one transaction every row of theirs (the
   * cascade of `users.delete`), their events, their data key (encryption at rest:
   * crypto-shredding, so that backups taken before can no longer show their content) and a
   * `user.erased` audit row holding the report; then their cached copies. Their audit trail as an actor stays, with the actor
   * emptied. A crash part-way leaves either everything or the rows without the transcript
   * files, which are renderings of the messages and made again on request; erasing again
   * finishes the job.
   * @example
   * const report = await store.privacy.erase(ada.id, { user_id: admin.id })
   */
  async erase(user_id: string, context: AuditContext = {}): Promise<ErasureReport> {
    if (!isUuid(user_id)) throw notFound('user', user_id)
    const transcripts = this.transcripts()
    // Refused before any file goes: a held user keeps their transcripts too.
    await refuseIfUserHeld(this.db, user_id)
    await transcripts.removeFiles(await userTranscriptFiles(this.db, user_id))
    // The key store set up first: the transaction then needs no second connection.
    await this.cipher?.user_keys?.ready()
    const erased = await this.db.transaction(async (tx) => {
      await refuseIfUserHeld(tx, user_id)
      const user = await users.getUser(tx, user_id)
      if (user === undefined) return undefined
      const counts = await countUserRows(tx, user_id)
      // Transcripts written since the files were removed: removed once their rows are gone.
      const late = await userTranscriptFiles(tx, user_id)
      await deleteReleasedHoldsOfUser(tx, user_id)
      await users.deleteUser(tx, user_id)
      await deleteUserEvents(tx, user_id)
      await insertEvents(tx, eventRow('user.deleted', { user_id: null }, { user_id }))
      const erased_at = new Date().toISOString()
      // Crypto-shredding: the data key goes with the rows (in this transaction on PostgreSQL;
      // on SQLite its file commits first, and a failed commit here leaves rows to erase again).
      const keys = this.cipher?.user_keys
      const destroyed = keys == null ? false : await keys.destroy(tx, user_id, erased_at)
      const report: ErasureReport = {
        user_id,
        username: user.username,
        erased_at,
        requested_by: context.user_id ?? null,
        counts,
        data_key: destroyed ? 'destroyed' : 'none',
        cache: { keys: [userKey(user_id), `${responseKeyPrefix(user_id)}*`] },
      }
      await insertAuditEvents(
        tx,
        auditRow(
          'user.erased',
          // An admin erasing their own account: the row outlives its actor.
          context.user_id === user_id ? { ...context, user_id: null } : context,
          { type: 'user', id: user_id },
          { ...report },
          report.erased_at,
        ),
      )
      return { report, late }
    })
    // After the commit, and also when the user was gone already: nothing cached outlives them.
    await this.cache.delete(userKey(user_id))
    await this.cache.deletePrefix(responseKeyPrefix(user_id))
    if (erased === undefined) throw notFound('user', user_id)
    await transcripts.removeFiles(erased.late)
    return erased.report
  }
}
