import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SqliteDatabase } from '../../src/db/sqlite.js'
import type { Conversation } from '../../src/index.js'
import { gunzipTo, snapshotSqlite } from '../../src/operations/backup/sqlite-snapshot.js'
import { runChatkeep } from '../support/cli.js'
import { describeEachEngine } from '../support/engines.js'

/**
 * Exports, backups and transcripts hold password hashes and every message: they are created
 * for their owner only (0600), whatever the umask lets through.
 */
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

let umask: number
beforeAll(() => {
  // The usual umask, under which a file created without a mode is world-readable (0644).
  umask = process.umask(0o022)
})
afterAll(() => {
  process.umask(umask)
})

describeEachEngine('files the CLI writes', (ctx) => {
  let dir: string
  let env: Record<string, string>
  let conversation: Conversation

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-modes-'))
    env = {
      DATABASE_URL: ctx.database.database_url,
      TRANSCRIPT_DIR: join(dir, 'transcripts'),
      BACKUP_DIR: join(dir, 'backups'),
    }
    const user = await ctx.store.users.create({ username: 'owner' })
    conversation = await ctx.store.conversations.create({ user_id: user.id, title: 'Private' })
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'a secret' })
  })

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('chatkeep export creates its file 0600, gzipped or not', async () => {
    for (const name of ['all.jsonl.gz', 'all.jsonl']) {
      const run = await runChatkeep(['export', '--output', join(dir, name)], env)
      expect(run).toMatchObject({ code: 0, stderr: '' })
      expect(mode(join(dir, name)), name).toBe('600')
    }
  })

  it('chatkeep backup creates the backup, its manifest and its checksum 0600', async () => {
    for (const format of ['auto', 'logical']) {
      const out = join(dir, `backups-${format}`)
      const run = await runChatkeep(['backup', '--dir', out, '--format', format], env)
      expect(run).toMatchObject({ code: 0, stderr: '' })
      const files = readdirSync(out)
      expect(files.filter((f) => f.endsWith('.json') || f.endsWith('.sha256'))).toHaveLength(2)
      for (const file of files) expect(mode(join(out, file)), `${format}: ${file}`).toBe('600')
    }
  })

  it('chatkeep transcript creates its file 0600, stored or --output', async () => {
    const written = join(dir, 'chat.md')
    const run = await runChatkeep(
      ['transcript', conversation.id, '--format', 'markdown', '--output', written],
      env,
    )
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(mode(written)).toBe('600')

    const stored = await runChatkeep(['transcript', conversation.id], env)
    expect(stored).toMatchObject({ code: 0, stderr: '' })
    const path = /^Stored at (.+)$/m.exec(stored.stdout)![1]!
    expect(mode(path)).toBe('600')
  })

  // SQLite's own backup goes through a plain copy of the database file; PostgreSQL's does not.
  if (ctx.engine === 'sqlite') {
    it('the uncompressed SQLite copies a backup and a restore make on the way are 0600 too', async () => {
      const snapshot = join(dir, 'snapshot.db')
      await snapshotSqlite(ctx.store.database as SqliteDatabase, snapshot)
      expect(mode(snapshot)).toBe('600')
      const backups = join(dir, 'backups-auto')
      const gz = readdirSync(backups).find((f) => f.endsWith('.db.gz'))!
      const unpacked = join(dir, 'unpacked.db')
      await gunzipTo(join(backups, gz), unpacked)
      expect(mode(unpacked)).toBe('600')
    })
  }
})
