/**
 * Every CLI command that reads content or operates on data writes its own audit row: the actor
 * is the CLI (via cli, the OS user, chatkeep-cli/<version>), on the same hash chain as the
 * server's rows, which `chatkeep audit verify` then still finds intact.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AuditEvent, Store } from '../../src/index.js'
import { userWithConversation } from '../conformance/helpers.js'
import { ROOT, runChatkeep } from '../support/cli.js'
import { describeEachEngine } from '../support/engines.js'

const OS_USER = userInfo().username
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version
const RING = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`
const OLD_RING = RING.split(',')[1]!

/** The audit log's rows after `since` (an id, or the start), oldest first. */
async function rowsAfter(store: Store, since: string | undefined): Promise<AuditEvent[]> {
  const rows: AuditEvent[] = []
  for (let before: string | undefined; ;) {
    const page = await store.audit.list({ limit: 200, ...(before ? { after: before } : {}) })
    for (const row of page.data) {
      if (since !== undefined && row.id <= since) return rows.reverse()
      rows.push(row)
    }
    if (!page.has_more) return rows.reverse()
    before = page.last_id!
  }
}

describeEachEngine('audited CLI commands', (ctx) => {
  let dir: string
  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: ctx.database.database_url,
    TRANSCRIPT_DIR: join(dir, 'transcripts'),
    BACKUP_DIR: join(dir, 'backups'),
    ENCRYPTION_KEYS: RING,
    ...extra,
  })
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-cli-audit-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('each command writes its rows naming the CLI, and audit verify passes after them', async () => {
    const enc = await ctx.open({ encryption_keys: OLD_RING })
    const { user, conversation } = await userWithConversation(ctx.store, 'cli_audited')
    await enc.messages.append(conversation.id, { role: 'user', content: 'sealed under k1' })
    await enc.messages.append(conversation.id, { role: 'assistant', content: 'and an answer' })
    const gone = await ctx.store.conversations.create({ user_id: user.id, title: 'old' })
    await ctx.store.conversations.delete(gone.id)
    await ctx.store.database.kysely
      .updateTable('conversations')
      .set({ deleted_at: new Date(Date.now() - 100 * 86_400_000).toISOString() })
      .where('id', '=', gone.id)
      .execute()

    const cli: AuditEvent[] = []
    let last = (await ctx.store.audit.list({ limit: 1 })).data[0]?.id
    /** Runs the command, expects it to succeed, and answers the actions of the rows it wrote. */
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const done = await runChatkeep(args, env(extra))
      expect(done.code, `${args.join(' ')}: ${done.stderr}`).toBe(0)
      const rows = await rowsAfter(ctx.store, last)
      last = rows.at(-1)?.id ?? last
      cli.push(...rows)
      return rows.map((r) => r.action)
    }

    expect(await run(['stats'])).toEqual(['stats.read'])
    expect(await run(['transcript', conversation.id])).toEqual(['conversation.export'])
    const file = join(dir, 'chat.md')
    expect(
      await run(['transcript', conversation.id, '--format', 'markdown', '--output', file]),
    ).toEqual(['conversation.export'])
    const zip = join(dir, 'user.zip')
    expect(await run(['user', 'export', user.username, '-o', zip])).toEqual([
      'user.export',
      'user.exported',
    ])
    expect(await run(['export', '-o', join(dir, 'all.jsonl.gz')])).toEqual(['database.export'])
    expect(await run(['cleanup', '--retention-days', '30'])).toEqual([
      'retention.purge',
      'cleanup.run',
    ])
    expect(await run(['keys', 'rotate'])).toEqual(['keys.rotate'])
    const backedUp = await runChatkeep(['backup', '--format', 'logical', '--json'], env())
    expect(backedUp.code, backedUp.stderr).toBe(0)
    const backup = (JSON.parse(backedUp.stdout) as { path: string }).path
    const [backupRow] = await rowsAfter(ctx.store, last)
    expect(backupRow).toMatchObject({ action: 'backup.create' })
    cli.push(backupRow!)
    // The row goes into the restored database, after the restore (the backup holds no later row).
    expect(await run(['restore', backup, '--yes'])).toEqual(['backup.restore'])
    expect(await run(['user', 'erase', user.username, '--yes'])).toEqual(['user.erased'])
    expect(await run(['import', zip])).toEqual(['database.import'])
    expect(await run(['audit', 'verify'])).toEqual(['audit.verify'])

    for (const row of cli) {
      expect(row, row.action).toMatchObject({
        user_id: null,
        user_agent: `chatkeep-cli/${VERSION}`,
        details: { via: 'cli', os_user: OS_USER },
      })
    }
    const erased = cli.find((r) => r.action === 'user.erased')!
    expect(erased).toMatchObject({ target_id: user.id, details: { requested_by: null } })
    const exported = cli.find((r) => r.action === 'user.exported')!
    expect(exported.details.manifest_sha256).toMatch(/^[0-9a-f]{64}$/)

    const verified = await runChatkeep(['audit', 'verify', '--json'], env())
    expect(verified.code).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, problem_count: 0 })
  })

  it('a command that fails before its work writes no row', async () => {
    const last = (await ctx.store.audit.list({ limit: 1 })).data[0]?.id
    const refused = await runChatkeep(
      ['user', 'export', 'nobody-at-all', '-o', join(dir, 'x.zip')],
      env(),
    )
    expect(refused.code).toBe(1)
    const existing = join(dir, 'exists.jsonl')
    expect((await runChatkeep(['export', '-o', existing], env())).code).toBe(0)
    const again = await runChatkeep(['export', '-o', existing], env())
    expect(again.stderr).toContain('[conflict]')
    expect((await rowsAfter(ctx.store, last)).map((r) => r.action)).toEqual(['database.export'])
  })
})
