/**
 * Crypto-shredding: with encryption at rest each user's messages are sealed with their own data
 * key (the ring key and a secret in the key store, which backups leave out). Erasing the user
 * destroys the secret, so a backup taken before the erasure, restored with the same ring and
 * the current key store, no longer shows their content — and still shows everyone else's.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { KeyRing } from '../../src/crypto/key-ring.js'
import { MessageCipher } from '../../src/crypto/message-cipher.js'
import { openCipher } from '../../src/crypto/open-cipher.js'
import { rotateKeys } from '../../src/crypto/rotate.js'
import { keyStorePath } from '../../src/db/user-key-store.js'
import { createBackup, openStore, restoreBackup, type Store } from '../../src/index.js'
import {
  createTestDatabase,
  describeEachEngine,
  type EngineContext,
  type TestDatabase,
} from '../support/engines.js'
import { expectError, userWithConversation } from './helpers.js'

const RING = `k1:${randomBytes(32).toString('base64')}`
/** The key the rotation tests move to, the same in each: a key id never names two keys. */
const RING_K2 = `k2:${randomBytes(32).toString('base64')}`

/** The envelope version of a stored message: 1 sealed with the ring key, 2 with the user's key. */
async function envelopeOf(store: Store, id: string): Promise<number | undefined> {
  const row = await store.database.kysely
    .selectFrom('messages')
    .select(['content', 'encrypted_content', 'encrypted_parts'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  expect(row.content).toBeNull()
  return row.encrypted_content?.[0]
}

/**
 * What an operator does with the key store's own backup: carries the current key store over to
 * the database a backup is restored into (SQLite: a copy of the `.keys` file; PostgreSQL:
 * `pg_dump --schema=chatkeep_keys | psql`, as docs/encryption.md says).
 */
async function carryKeyStore(from: TestDatabase, to: TestDatabase): Promise<void> {
  if (from.engine === 'sqlite') {
    const source = new BetterSqlite3(keyStorePath(from.database_url), { readonly: true })
    try {
      await source.backup(keyStorePath(to.database_url))
    } finally {
      source.close()
    }
    return
  }
  const dump = execFileSync('pg_dump', ['--schema=chatkeep_keys', `--dbname=${from.database_url}`])
  execFileSync('psql', ['--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${to.database_url}`], {
    input: dump,
  })
}

/** Runs `statement` on the key store itself (a trigger that refuses writes, and its removal). */
async function onKeyStore(store: Store, database: TestDatabase, statement: string) {
  if (database.engine === 'sqlite') {
    const handle = new BetterSqlite3(keyStorePath(database.database_url))
    try {
      handle.exec(statement)
    } finally {
      handle.close()
    }
    return
  }
  await sql.raw(statement).execute(store.database.kysely)
}

const REFUSE = {
  sqlite: (op: string) =>
    `create trigger refuse_${op} before ${op} on user_keys begin select raise(abort, 'key store refuses'); end`,
  postgres: (op: string) => `
    create or replace function chatkeep_keys.refuse() returns trigger language plpgsql as
      $$ begin raise exception 'key store refuses'; end $$;
    create trigger refuse_${op} before ${op} on chatkeep_keys.user_keys
      for each row execute function chatkeep_keys.refuse()`,
}
const ALLOW = {
  sqlite: (op: string) => `drop trigger refuse_${op}`,
  postgres: (op: string) => `drop trigger refuse_${op} on chatkeep_keys.user_keys`,
}

describeEachEngine('crypto-shredding', (ctx: EngineContext) => {
  let enc: Store
  const cleanups: (() => Promise<void>)[] = []
  beforeAll(async () => {
    enc = await ctx.open({ encryption_keys: RING })
  })
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('a backup from before an erasure no longer opens the erased user; others read as before', async () => {
    const ada = await userWithConversation(ctx.store)
    const bob = await userWithConversation(ctx.store)
    const adaMessages = enc.forUser(ada.user.id).messages
    const said = await adaMessages.append(ada.conversation.id, {
      role: 'user',
      content: 'my secret diagnosis',
    })
    const answered = await adaMessages.append(ada.conversation.id, {
      role: 'assistant',
      content: 'here is what it means',
      parts: [{ type: 'text', text: 'here is what it means' }],
    })
    const kept = await enc.forUser(bob.user.id).messages.append(bob.conversation.id, {
      role: 'user',
      content: "bob's note",
    })
    expect(await envelopeOf(enc, said.id)).toBe(2)

    // The real backup path: SQLite's VACUUM INTO copy, or pg_dump.
    const root = mkdtempSync(join(tmpdir(), 'chatkeep-shred-'))
    cleanups.push(async () => rmSync(root, { recursive: true, force: true }))
    const { path, manifest } = await createBackup(enc.database, {
      dir: join(root, 'backups'),
      keep: 3,
      format: 'native',
    })
    expect(manifest.kind).toBe(ctx.engine === 'sqlite' ? 'sqlite' : 'pg_dump')

    const report = await enc.privacy.erase(ada.user.id)
    expect(report.data_key).toBe('destroyed')
    expect(report.counts.messages).toBe(2)

    // A fresh database: the old backup restored into it, with the same ring and the key store
    // as it is now, after the erasure.
    const fresh = await createTestDatabase(ctx.engine)
    cleanups.push(() => fresh.drop())
    const target = await openStore({ database_url: fresh.database_url, migrate: true })
    try {
      await restoreBackup(target.database, path, { backup_dir: join(root, 'restore'), keep: 2 })
    } finally {
      await target.close()
    }
    await carryKeyStore(ctx.database, fresh)
    const restored = await openStore({ database_url: fresh.database_url, encryption_keys: RING })
    cleanups.push(() => restored.close())

    // Ada's rows came back with the backup, but their content cannot be opened any more.
    const error = await expectError(restored.messages.get(said.id), 'content_shredded')
    expect(error.status).toBe(410)
    expect(error.message).toContain(ada.user.id)
    expect(error.message).toContain('chatkeep user erase')
    await expectError(restored.messages.get(answered.id), 'content_shredded')
    await expectError(
      restored.forUser(ada.user.id).messages.list(ada.conversation.id),
      'content_shredded',
    )
    // Nor can anything new be sealed for her.
    await expectError(
      restored.forUser(ada.user.id).messages.append(ada.conversation.id, {
        role: 'user',
        content: 'back again?',
      }),
      'content_shredded',
    )
    // Bob's content in the very same backup reads as it was.
    expect((await restored.messages.get(kept.id)).content).toBe("bob's note")
    expect(
      (await restored.forUser(bob.user.id).messages.list(bob.conversation.id)).data.map(
        (m) => m.content,
      ),
    ).toEqual(["bob's note"])

    // Erasing her again removes what the backup brought back.
    const again = await restored.privacy.erase(ada.user.id)
    expect(again.counts.messages).toBe(2)
    await expectError(restored.messages.get(said.id), 'not_found')
  })

  it('a key store that cannot create a key loses nothing: the append fails whole, then works', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const mine = enc.forUser(user.id).messages
    // Another user's key first, so that the key store (and its table) is there to refuse.
    await mine.prepareSeal((await userWithConversation(ctx.store)).user.id)
    await onKeyStore(enc, ctx.database, REFUSE[ctx.engine]('insert'))
    try {
      await expect(
        mine.append(conversation.id, { role: 'user', content: 'first words', request_id: 'r1' }),
      ).rejects.toMatchObject({ name: 'ChatkeepError', code: 'internal' })
      const stored = await ctx.store.database.kysely
        .selectFrom('messages')
        .select('id')
        .where('conversation_id', '=', conversation.id)
        .execute()
      expect(stored).toEqual([])
      expect((await ctx.store.conversations.get(conversation.id)).message_count).toBe(0)
    } finally {
      await onKeyStore(enc, ctx.database, ALLOW[ctx.engine]('insert'))
    }
    const m = await mine.append(conversation.id, {
      role: 'user',
      content: 'first words',
      request_id: 'r1',
    })
    expect((await mine.get(m.id)).content).toBe('first words')
    expect(await envelopeOf(enc, m.id)).toBe(2)
  })

  it('an erasure whose key cannot be destroyed removes nothing, and runs again', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const mine = enc.forUser(user.id).messages
    const m = await mine.append(conversation.id, { role: 'user', content: 'keep me for now' })
    await onKeyStore(enc, ctx.database, REFUSE[ctx.engine]('update'))
    try {
      await expect(enc.privacy.erase(user.id)).rejects.toMatchObject({
        name: 'ChatkeepError',
        code: 'internal',
      })
      expect((await mine.get(m.id)).content).toBe('keep me for now')
      expect((await ctx.store.users.get(user.id)).id).toBe(user.id)
    } finally {
      await onKeyStore(enc, ctx.database, ALLOW[ctx.engine]('update'))
    }
    expect((await enc.privacy.erase(user.id)).data_key).toBe('destroyed')
    await expectError(mine.get(m.id), 'not_found')
  })

  it('messages sealed with the ring key alone still read, and a rotation moves them to the user key', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const m = await enc.forUser(user.id).messages.append(conversation.id, {
      role: 'user',
      content: 'written before crypto-shredding',
      parts: [{ type: 'text', text: 'written before crypto-shredding' }],
    })
    // As Chatkeep wrote it before: sealed with the ring key itself (envelope version 1).
    const ring = KeyRing.parse(RING)
    const legacy = new MessageCipher(ring)
    const ids = { id: m.id, conversation_id: conversation.id, user_id: user.id }
    const sealed = legacy.seal(m.content, ids)
    await ctx.store.database.kysely
      .updateTable('messages')
      .set({
        encrypted_content: sealed.encrypted_content,
        encrypted_parts: legacy.sealParts(m.parts!, sealed.key_id, ids),
      })
      .where('id', '=', m.id)
      .execute()
    expect(await envelopeOf(enc, m.id)).toBe(1)
    expect(await enc.messages.get(m.id)).toMatchObject({ content: m.content, parts: m.parts })

    const k2 = RING_K2
    const cipher = openCipher(ctx.store.database, KeyRing.parse(`${k2},${RING}`))
    try {
      await rotateKeys(ctx.store.database, cipher, { batch_size: 50, encrypt_plaintext: false })
    } finally {
      await cipher.user_keys?.close()
    }
    expect(await envelopeOf(enc, m.id)).toBe(2)
    const rotated = await openStore({
      database_url: ctx.database.database_url,
      encryption_keys: `${k2},${RING}`,
    })
    cleanups.push(() => rotated.close())
    expect(await rotated.messages.get(m.id)).toMatchObject({ content: m.content, parts: m.parts })
  })

  it('a destroyed secret leaves no copy in the key store file or its WAL (SQLite)', async () => {
    if (ctx.engine !== 'sqlite') return
    const { user, conversation } = await userWithConversation(ctx.store)
    await enc.forUser(user.id).messages.append(conversation.id, { role: 'user', content: 'x' })
    const path = keyStorePath(ctx.database.database_url)
    const handle = new BetterSqlite3(path, { readonly: true })
    const { secret } = handle
      .prepare('select secret from user_keys where user_id = ?')
      .get(user.id.toLowerCase()) as { secret: Buffer }
    handle.close()
    expect(secret.length).toBe(32)
    await enc.privacy.erase(user.id)
    for (const file of [path, `${path}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes(secret)).toBe(false)
    }
  })

  it('erasure and rotation work on a single database connection (no second one to wait for)', async () => {
    const single = { encryption_keys: RING, pool_size: 1, max_overflow: 0 }
    const { user, conversation } = await userWithConversation(ctx.store)
    await enc.forUser(user.id).messages.append(conversation.id, { role: 'user', content: 'one' })
    // A store that has not used its key store yet: the erasure is its first use.
    const lone = await ctx.open(single)
    expect((await lone.privacy.erase(user.id)).data_key).toBe('destroyed')
    const other = await userWithConversation(ctx.store)
    await enc.forUser(other.user.id).messages.append(other.conversation.id, {
      role: 'user',
      content: 'two',
    })
    const k2 = RING_K2
    const rotating = await ctx.open({ ...single, encryption_keys: `${k2},${RING}` })
    const cipher = openCipher(rotating.database, KeyRing.parse(`${k2},${RING}`))
    try {
      await rotateKeys(rotating.database, cipher, { batch_size: 10, encrypt_plaintext: false })
    } finally {
      await cipher.user_keys?.close()
    }
    expect((await rotating.messages.path(other.conversation.id))[0]!.content).toBe('two')
  }, 20_000)

  it('a key store that is lost is decryption_failed naming it, never content_shredded', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const m = await enc.forUser(user.id).messages.append(conversation.id, {
      role: 'user',
      content: 'lost with the key store',
    })
    const other = await openStore({
      database_url: ctx.database.database_url,
      encryption_keys: RING,
    })
    cleanups.push(() => other.close())
    await onKeyStore(
      enc,
      ctx.database,
      ctx.engine === 'sqlite'
        ? `delete from user_keys where user_id = '${user.id}'`
        : `delete from chatkeep_keys.user_keys where user_id = '${user.id}'`,
    )
    const error = await expectError(other.messages.get(m.id), 'decryption_failed')
    expect(error.message).toContain('key store')
  })
})
