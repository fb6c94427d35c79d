import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

/** Messages per transaction of `keys rotate`: here for the usage, and checked by the work. */
export const DEFAULT_BATCH = 500
export const MAX_BATCH = 10_000

const USAGE = `Usage: chatkeep keys rotate [options]
       chatkeep keys backup --output FILE
       chatkeep keys restore FILE

rotate:

Re-encrypts every message that is not under the active key (the first of ENCRYPTION_KEYS)
with it, in batches of one transaction each, while the server keeps running. Safe to stop and
to run again: every message stays readable with the ring, and a rerun does only what is left.

Procedure: put the new key first in ENCRYPTION_KEYS, keeping the old ones after it; restart
the servers with it; run \`chatkeep keys rotate\`; then an old key may leave the ring.

backup: writes the key store (each user's data-key secret, which database backups leave
out; see docs/encryption.md, crypto-shredding) to FILE, readable by its owner only. Keep these
backups apart from the database backups, and few: the oldest one kept is how long an erased
user's messages stay recoverable.

restore: merges such a backup into the key store. It never undoes an erasure (a user erased in
either stays erased) and never replaces a secret in use.

Options:
  -o, --output FILE    keys backup: the file to write (refused if it exists)
  --batch-size N       Messages per transaction (default ${DEFAULT_BATCH}, at most ${MAX_BATCH})
  --dry-run            Count the messages under each key and what would be re-encrypted
  --encrypt-plaintext  Also encrypt the messages stored before encryption was on
                       (they then leave full-text search)
${DATABASE_URL_HELP}
  -h, --help           Show this help

Environment: ENCRYPTION_KEYS (ID:BASE64_KEY,… the active key first; see docs/encryption.md)
and the DATABASE_* variables of \`chatkeep --help\`.`

/** The options of `chatkeep keys`, for `parseArgs`. */
export const keysOptions = {
  ...DATABASE_URL_OPTION,
  'batch-size': { type: 'string' },
  output: { type: 'string', short: 'o' },
  'dry-run': { type: 'boolean', default: false },
  'encrypt-plaintext': { type: 'boolean', default: false },
} as const

export const keysCommand = defineCommand({
  name: 'keys',
  summary: 'Rotate the encryption-at-rest keys; back up and restore the key store',
  usage: USAGE,
  options: keysOptions,
  load: () => import('../keys.js'),
})
