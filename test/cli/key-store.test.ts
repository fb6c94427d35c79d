/**
 * `chatkeep keys backup` and `chatkeep keys restore`: the key store's own backup, a file of its
 * own apart from the database backups. Merging one never undoes an erasure, whatever order the
 * backups come back in, and a damaged one changes nothing.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { keyStorePath } from '../../src/db/user-key-store.js'
import type { Store } from '../../src/index.js'
import { expectError, userWithConversation } from '../conformance/helpers.js'
import { runChatkeep } from '../support/cli.js'
import { describeEachEngine } from '../support/engines.js'

const RING = `k1:${randomBytes(32).toString('base64')}`

describeEachEngine('chatkeep keys backup and restore', (ctx) => {
  let dir: string
  let enc: Store
  const env = () => ({ DATABASE_URL: ctx.database.database_url })
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-key-store-'))
    enc = await ctx.open({ encryption_keys: RING })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Empties the key store, as a lost disk would. */
  async function loseKeyStore(): Promise<void> {
    if (ctx.engine === 'sqlite') {
      const handle = new BetterSqlite3(keyStorePath(ctx.database.database_url))
      handle.exec('delete from user_keys')
      handle.close()
    } else {
      await sql`delete from chatkeep_keys.user_keys`.execute(ctx.store.database.kysely)
    }
  }

  it('backs the key store up to a file of its own; merging backups back never undoes an erasure', async () => {
    const ada = await userWithConversation(ctx.store, 'ada')
    const bob = await userWithConversation(ctx.store, 'bob')
    const said = await enc.messages.append(ada.conversation.id, { role: 'user', content: 'ada' })
    const kept = await enc.messages.append(bob.conversation.id, { role: 'user', content: 'bob' })

    const before = join(dir, 'keys-before.jsonl')
    const first = await runChatkeep(['keys', 'backup', '-o', before], env())
    expect(first).toMatchObject({ code: 0, stderr: '' })
    expect(first.stdout).toMatch(/user key\(s\), 0 erased user\(s\)/)
    expect(statSync(before).mode & 0o777).toBe(0o600)
    expect(readFileSync(before, 'utf8')).toContain(ada.user.id)

    await enc.privacy.erase(ada.user.id)
    const after = join(dir, 'keys-after.jsonl')
    expect((await runChatkeep(['keys', 'backup', '-o', after], env())).code).toBe(0)
    expect((await runChatkeep(['keys', 'backup', '-o', after], env())).stderr).toContain(
      '[conflict]',
    )

    // The key store is lost: both backups come back, the newer first, then the older.
    await loseKeyStore()
    const newer = await runChatkeep(['keys', 'restore', after], env())
    expect(newer).toMatchObject({ code: 0, stderr: '' })
    const older = await runChatkeep(['keys', 'restore', before], env())
    expect(older.code).toBe(0)
    expect(older.stdout).toMatch(/0 added, 0 destroyed .*, \d+ unchanged/)

    // Bob's messages open again; Ada stays erased, although the older backup had her key.
    const reader = await ctx.open({ encryption_keys: RING })
    expect((await reader.messages.get(kept.id)).content).toBe('bob')
    await expectError(
      reader.forUser(ada.user.id).messages.append(ada.conversation.id, {
        role: 'user',
        content: 'again',
      }),
      'content_shredded',
    )
    expect(said.user_id).toBe(ada.user.id)

    // The other order: the older one alone brings her key back (the documented trade-off of
    // keeping key-store backups), and the newer one destroys it again.
    await loseKeyStore()
    expect((await runChatkeep(['keys', 'restore', before], env())).stdout).toMatch(/added/)
    const again = await runChatkeep(['keys', 'restore', after], env())
    expect(again.stdout).toMatch(/0 added, 1 destroyed/)
  })

  it('refuses a damaged or cut key-store backup whole, and changes nothing', async () => {
    const file = join(dir, 'keys-whole.jsonl')
    expect((await runChatkeep(['keys', 'backup', '-o', file], env())).code).toBe(0)
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    const cut = join(dir, 'keys-cut.jsonl')
    writeFileSync(cut, `${lines.slice(0, -1).join('\n')}\n`)
    await loseKeyStore()
    const refused = await runChatkeep(['keys', 'restore', cut], env())
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('error [backup_corrupt]')
    expect(refused.stderr).toContain('cut short')
    const empty = join(dir, 'keys-empty.jsonl')
    expect((await runChatkeep(['keys', 'backup', '-o', empty], env())).stdout).toContain(
      '0 user key(s), 0 erased user(s)',
    )
    expect((await runChatkeep(['keys', 'restore', file], env())).code).toBe(0)

    const usage = await runChatkeep(['keys', 'backup'], env())
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('--output FILE')
  })
})
