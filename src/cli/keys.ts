import { envToStoreConfig } from '../config/env.js'
import { encryptionKeyRing } from '../config/store-config.js'
import { MessageCipher } from '../crypto/message-cipher.js'
import { countByKey, type KeyCounts, pendingFor, rotateKeys } from '../crypto/rotate.js'
import { prepareSchema } from '../db/migrator.js'
import { ChatkeepError } from '../errors.js'
import { defineCommand, EXIT_OK, UsageError } from './command.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withDatabase } from './with-database.js'

const DEFAULT_BATCH = 500
const MAX_BATCH = 10_000

const USAGE = `Usage: chatkeep keys rotate [options]

Re-encrypts every message that is not under the active key (the first of ENCRYPTION_KEYS)
with it, in batches of one transaction each, while the server keeps running. Safe to stop and
to run again: every message stays readable with the ring, and a rerun does only what is left.

Procedure: put the new key first in ENCRYPTION_KEYS, keeping the old ones after it; restart
the servers with it; run \`chatkeep keys rotate\`; then an old key may leave the ring.

Options:
  --batch-size N       Messages per transaction (default ${DEFAULT_BATCH}, at most ${MAX_BATCH})
  --dry-run            Count the messages under each key and what would be re-encrypted
  --encrypt-plaintext  Also encrypt the messages stored before encryption was on
                       (they then leave full-text search)
${DATABASE_URL_HELP}
  -h, --help           Show this help

Environment: ENCRYPTION_KEYS (ID:BASE64_KEY,… the active key first; see docs/encryption.md)
and the DATABASE_* variables of \`chatkeep --help\`.`

export const keys = defineCommand({
  name: 'keys',
  summary: 'Rotate the encryption-at-rest keys of message content',
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    'batch-size': { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'encrypt-plaintext': { type: 'boolean', default: false },
  },
  async run({ values, positionals }, ctx) {
    const [action, ...extra] = positionals
    if (action === undefined) throw new UsageError('keys needs an action: rotate')
    if (action !== 'rotate') throw new UsageError(`unknown keys action '${action}'`)
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
    const cipher = new MessageCipher(ring)
    const plaintext = values['encrypt-plaintext']
    return withDatabase(ctx, values['database-url'], async (db) => {
      await prepareSchema(db, false)
      const before = await countByKey(db)
      const pending = pendingFor(cipher, before, plaintext)
      if (values['dry-run']) {
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
    })
  },
})

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
