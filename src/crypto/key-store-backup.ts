import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Database } from '../db/database.js'
import type { KeyStoreRow, UserKeyStore } from '../db/user-key-store.js'
import { ChatkeepError } from '../errors.js'
import { isUuid } from '../lib/uuid7.js'
import { SECRET_BYTES } from './user-keys.js'

/** The first line of a key-store backup. */
export const KEY_STORE_FORMAT = 'chatkeep-key-store'
const VERSION = 1
const PAGE = 1000

export interface KeyStoreBackupSummary {
  /** Users with a secret. */
  users: number
  /** Users erased (tombstones). */
  erased: number
}

/** What merging a key-store backup into the key store did. */
export interface KeyStoreMerge {
  /** Rows the key store lacked, now added (secrets and tombstones). */
  added: number
  /** Secrets replaced by the backup's tombstone: the user was erased meanwhile, elsewhere. */
  destroyed: number
  /** Rows the key store already held as the backup does, or as a tombstone: left as they are. */
  unchanged: number
  /** Users whose secret in the key store differs from the backup's: the key store's is kept. */
  differing: number
}

interface Line {
  user_id: string
  secret: string | null
  created_at: string
  destroyed_at: string | null
}

/**
 * Writes every row of the key store as JSON Lines: a header, one line per user (the secret in
 * base64, null once erased) and a trailer with the counts, so a cut file is told from a whole one.
 */
export async function backupKeyStore(
  store: UserKeyStore,
  engine: string,
  out: NodeJS.WritableStream,
): Promise<KeyStoreBackupSummary> {
  const write = (value: unknown) =>
    new Promise<void>((resolve, reject) =>
      out.write(`${JSON.stringify(value)}\n`, (error) => (error ? reject(error) : resolve())),
    )
  await write({ format: KEY_STORE_FORMAT, version: VERSION, engine, at: new Date().toISOString() })
  const summary = { users: 0, erased: 0 }
  let after: string | null = null
  for (;;) {
    const rows = await store.list(after, PAGE)
    for (const row of rows) {
      if (row.secret === null) summary.erased++
      else summary.users++
      const line: Line = {
        user_id: row.user_id,
        secret: row.secret === null ? null : Buffer.from(row.secret).toString('base64'),
        created_at: row.created_at,
        destroyed_at: row.destroyed_at,
      }
      await write(line)
    }
    if (rows.length < PAGE) break
    after = rows.at(-1)!.user_id
  }
  await write({ end: true, rows: summary.users + summary.erased })
  return summary
}

/**
 * Merges a key-store backup into the key store, checked whole first (`backup_corrupt`, and
 * nothing changed, when it is not). An erasure is never undone: a tombstone in the key store
 * stays, and a tombstone in the backup destroys the secret the key store still had. A secret in
 * use is never replaced: where the two differ, the key store's is kept and counted.
 */
export async function restoreKeyStore(
  store: UserKeyStore,
  root: Database,
  file: string,
): Promise<KeyStoreMerge> {
  await readBackup(file, () => {})
  const merge: KeyStoreMerge = { added: 0, destroyed: 0, unchanged: 0, differing: 0 }
  const batch: KeyStoreRow[] = []
  const flush = async () => {
    const current = await store.get(
      root,
      batch.map((r) => r.user_id),
    )
    for (const row of batch) {
      const held = current.get(row.user_id.toLowerCase())
      if (held === undefined) {
        await store.insert(row)
        merge.added++
      } else if (held === null) {
        merge.unchanged++
      } else if (row.secret === null) {
        await store.destroy(root, row.user_id, row.destroyed_at ?? new Date().toISOString())
        merge.destroyed++
      } else if (held.equals(row.secret)) {
        merge.unchanged++
      } else {
        merge.differing++
      }
    }
    batch.length = 0
  }
  await readBackup(file, async (row) => {
    batch.push(row)
    if (batch.length >= PAGE) await flush()
  })
  await flush()
  return merge
}

/** Reads and checks every line, handing each row to `each`; `backup_corrupt` at the first fault. */
async function readBackup(file: string, each: (row: KeyStoreRow) => unknown): Promise<void> {
  const corrupt = (why: string) =>
    new ChatkeepError(
      'backup_corrupt',
      `${file} is not a whole key-store backup (${why}); nothing was restored. Use another ` +
        'key-store backup (`chatkeep keys backup` writes them).',
    )
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  let n = 0
  let rows = 0
  let ended = false
  try {
    for await (const text of lines) {
      n++
      if (ended) throw corrupt(`line ${n} follows the trailer`)
      let value: Record<string, unknown>
      try {
        value = JSON.parse(text) as Record<string, unknown>
      } catch {
        throw corrupt(`line ${n} is not JSON`)
      }
      if (n === 1) {
        if (value.format !== KEY_STORE_FORMAT || value.version !== VERSION) {
          throw corrupt(`it does not start with a ${KEY_STORE_FORMAT} version ${VERSION} header`)
        }
        continue
      }
      if (value.end === true) {
        if (value.rows !== rows) throw corrupt(`the trailer counts ${String(value.rows)} rows`)
        ended = true
        continue
      }
      const row = toRow(value)
      if (row === undefined) throw corrupt(`line ${n} is not a key-store row`)
      rows++
      await each(row)
    }
  } catch (error) {
    if (error instanceof ChatkeepError) throw error
    throw corrupt((error as Error).message)
  }
  if (!ended) throw corrupt(n === 0 ? 'it is empty' : 'it has no trailer: it was cut short')
}

function toRow(value: Record<string, unknown>): KeyStoreRow | undefined {
  const { user_id, secret, created_at, destroyed_at } = value
  if (typeof user_id !== 'string' || !isUuid(user_id)) return undefined
  if (typeof created_at !== 'string' || Number.isNaN(Date.parse(created_at))) return undefined
  if (destroyed_at !== null && typeof destroyed_at !== 'string') return undefined
  if (secret === null) return { user_id, secret: null, created_at, destroyed_at }
  if (typeof secret !== 'string') return undefined
  const bytes = Buffer.from(secret, 'base64')
  if (bytes.length !== SECRET_BYTES) return undefined
  return { user_id, secret: bytes, created_at, destroyed_at }
}
