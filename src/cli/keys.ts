import { envToStoreConfig } from '../config/env.js'
import { encryptionKeyRing } from '../config/store-config.js'
import type { MessageCipher } from '../crypto/message-cipher.js'
import { openCipher } from '../crypto/open-cipher.js'
import type { Database } from '../db/database.js'
import { countByKey, type KeyCounts, pendingFor, rotateKeys } from '../crypto/rotate.js'
import { backupKeyStore, restoreKeyStore } from '../crypto/key-store-backup.js'
import { prepareSchema } from '../db/migrator.js'
import { openUserKeyStore } from '../db/user-key-store.js'
import { writeNewFile } from './new-file.js'
import { ChatkeepError } from '../errors.js'
import { EXIT_OK, UsageError, type CliContext, type ParsedArgs } from './command.js'
import { recordCliAction, recordCliActionIfMigrated } from './cli-audit.js'
import { withDatabase } from './with-database.js'
import { DEFAULT_BATCH, MAX_BATCH, type keysOptions } from './commands/keys.js'
import { didYouMean } from './suggest.js'

/** `chatkeep keys`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof keysOptions>,
  ctx: CliContext,
): Promise<number> {
  const [action, ...extra] = positionals
  if (action === undefined) throw new UsageError(`keys needs an action: ${ACTIONS.join(', ')}`)
  if (action === 'backup' || action === 'restore') {
    return keyStoreCopy(action, { values, positionals: extra }, ctx)
  }
  if (action !== 'rotate') {
    throw new UsageError(`unknown keys action '${action}'${didYouMean(action, ACTIONS)}`)
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
  const batch_size = batchSize(values['batch-size'])
  const ring = encryptionKeyRing(envToStoreConfig(ctx.env()).encryption_keys)
  if (ring === null) {
    throw new ChatkeepError(
      'invalid_config',
      'ENCRYPTION_KEYS is not set: keys rotate needs the key ring, the new active key first.',
      { field: '/ENCRYPTION_KEYS' },
    )
  }
  const plaintext = values['encrypt-plaintext']
  return withDatabase(ctx, values['database-url'], async (db) => {
    await prepareSchema(db, false)
    const cipher = openCipher(db, ring)
    try {
      return await rotate(ctx, db, cipher, { batch_size, plaintext, dry_run: values['dry-run'] })
    } finally {
      await cipher.user_keys?.close()
    }
  })
}

async function rotate(
  ctx: CliContext,
  db: Database,
  cipher: MessageCipher,
  options: { batch_size: number; plaintext: boolean; dry_run: boolean },
): Promise<number> {
  const { batch_size, plaintext } = options
  const ring = cipher.ring
  const before = await countByKey(db)
  const pending = pendingFor(cipher, before, plaintext)
  if (options.dry_run) {
    ctx.stdout(describe(before, cipher.active_key_id))
    ctx.stdout(
      `${pending} message(s) would be re-encrypted under key ${cipher.active_key_id}.` +
        plainNote(before, plaintext),
    )
    return EXIT_OK
  }
  if (pending === 0) {
    ctx.stdout(
      `Nothing to do: every encrypted message is under key ${cipher.active_key_id}.` +
        plainNote(before, plaintext),
    )
    return EXIT_OK
  }
  const progress = ctx.progress('keys rotate', 'messages')
  let done
  try {
    done = await rotateKeys(db, cipher, {
      batch_size,
      encrypt_plaintext: plaintext,
      progress: (n) => progress.update(n, Math.max(n, pending)),
    })
  } finally {
    progress.finish()
  }
  await recordCliAction(db, 'keys.rotate', null, {
    reencrypted: done,
    active_key_id: cipher.active_key_id,
    encrypt_plaintext: plaintext,
  })
  ctx.stdout(`Re-encrypted ${done} message(s) under key ${cipher.active_key_id}.`)
  const after = await countByKey(db)
  const left = pendingFor(cipher, after, plaintext)
  if (left > 0) {
    ctx.stdout(
      `${left} message(s) were written under an older key meanwhile (is a server still ` +
        'running with the old ENCRYPTION_KEYS?); run `chatkeep keys rotate` again.',
    )
  } else {
    const retired = ring.ids.filter((id) => id !== cipher.active_key_id)
    if (retired.length > 0) {
      ctx.stdout(
        `No message is under ${retired.join(', ')} any more: once every server runs with ` +
          `${cipher.active_key_id} first, and no backup you may restore needs them, they can ` +
          'leave ENCRYPTION_KEYS.',
      )
    }
  }
  const note = plainNote(after, plaintext).trim()
  if (note !== '') ctx.stdout(note)
  return EXIT_OK
}

const ACTIONS = ['rotate', 'backup', 'restore']

/** `keys backup --output FILE` and `keys restore FILE`: the key store's own backup. */
async function keyStoreCopy(
  action: 'backup' | 'restore',
  { values, positionals }: ParsedArgs<typeof keysOptions>,
  ctx: CliContext,
): Promise<number> {
  const [file, ...extra] = positionals
  if (action === 'backup') {
    if (file !== undefined) throw new UsageError(`unexpected argument '${file}'`)
    if (values.output === undefined || values.output === '') {
      throw new UsageError('keys backup needs --output FILE')
    }
  } else {
    if (file === undefined) throw new UsageError('keys restore needs the key-store backup FILE')
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
  }
  return withDatabase(
    ctx,
    values['database-url'],
    async (db) => {
      const store = openUserKeyStore(db)
      try {
        if (action === 'backup') {
          const output = values.output!
          const { summary } = await writeNewFile(output, (out) =>
            backupKeyStore(store, db.engine, out),
          )
          await recordCliActionIfMigrated(ctx, db, 'keys.backup', null, {
            output,
            users: summary.users,
            erased: summary.erased,
          })
          ctx.stdout(
            `Backed up the key store to ${output}: ${summary.users} user key(s), ` +
              `${summary.erased} erased user(s). Keep it apart from the database backups.`,
          )
          return EXIT_OK
        }
        const merge = await restoreKeyStore(store, db, file!)
        await recordCliActionIfMigrated(ctx, db, 'keys.restore', null, { file, ...merge })
        ctx.stdout(
          `Merged ${file} into the key store: ${merge.added} added, ${merge.destroyed} destroyed ` +
            `(users erased since that backup), ${merge.unchanged} unchanged.`,
        )
        if (merge.differing > 0) {
          ctx.stdout(
            `${merge.differing} user(s) have another key in the key store than in the backup; ` +
              "the key store's was kept (messages written since are sealed with it).",
          )
        }
        return EXIT_OK
      } finally {
        await store.close()
      }
    },
    { create: false },
  )
}

function batchSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_BATCH
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_BATCH) {
    throw new UsageError(
      `--batch-size must be a whole number from 1 to ${MAX_BATCH}; got '${value}'`,
    )
  }
  return n
}

/** One line: how many messages each key holds, the active one marked. */
function describe(counts: KeyCounts, active: string): string {
  const parts = counts.by_key.map(
    (k) => `${k.key_id}${k.key_id === active ? ' (active)' : ''}: ${k.count}`,
  )
  if (counts.plain > 0) parts.push(`plain text: ${counts.plain}`)
  return `Messages by key — ${parts.length > 0 ? parts.join(', ') : 'none stored'}.`
}

const plainNote = (counts: KeyCounts, plaintext: boolean) =>
  counts.plain > 0 && !plaintext
    ? ` ${counts.plain} message(s) stored in plain text stay so; --encrypt-plaintext encrypts them.`
    : ''
