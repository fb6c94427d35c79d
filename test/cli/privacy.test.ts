/**
 * `chatkeep user export` and `chatkeep user erase`: the zip it writes imports back with
 * `chatkeep import`, and an erasure needs --yes and prints its report; `chatkeep audit verify`
 * catches a forged audit row.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { countRows, userWithConversation } from '../conformance/helpers.js'
import { runChatkeep } from '../support/cli.js'
import { describeEachEngine } from '../support/engines.js'

describeEachEngine('chatkeep user', (ctx) => {
  let dir: string
  const env = () => ({
    DATABASE_URL: ctx.database.database_url,
    TRANSCRIPT_DIR: join(dir, 'transcripts'),
  })
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-cli-user-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('exports a user to a zip, erases them with --yes, and the zip imports them back', async () => {
    const { user, conversation } = await userWithConversation(ctx.store, 'grace')
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'keep me' })
    const zip = join(dir, 'grace.zip')

    const exported = await runChatkeep(['user', 'export', user.username, '-o', zip], env())
    expect(exported).toMatchObject({ code: 0, stderr: '' })
    expect(exported.stdout).toMatch(
      new RegExp(`^Exported ${user.username}: \\d+ rows, 1 conversation\\(s\\) to `),
    )
    expect(existsSync(zip)).toBe(true)
    const again = await runChatkeep(['user', 'export', user.username, '-o', zip], env())
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('[conflict]')

    const unconfirmed = await runChatkeep(['user', 'erase', user.username], env())
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toContain('add --yes to confirm')
    expect(await countRows(ctx.store, 'users', { id: user.id })).toBe(1)

    const erased = await runChatkeep(['user', 'erase', user.username, '--yes'], env())
    expect(erased.code).toBe(0)
    expect(erased.stdout).toContain(`Erased ${user.username} (${user.id})`)
    expect(erased.stdout).toMatch(/messages\s+1\n/)
    // Read from the database: ctx.store's in-process cache does not hear of another store's erasure.
    expect(await countRows(ctx.store, 'users', { id: user.id })).toBe(0)
    expect(await countRows(ctx.store, 'messages', { user_id: user.id })).toBe(0)

    const imported = await runChatkeep(['import', zip], env())
    expect(imported.code).toBe(0)
    const [message] = await ctx.store.messages.path(conversation.id)
    expect(message).toMatchObject({ content: 'keep me', user_id: user.id })
  })

  it('with ENCRYPTION_KEYS, the erasure destroys the data key and prints it', async () => {
    const ring = `k1:${randomBytes(32).toString('base64')}`
    const enc = await ctx.open({ encryption_keys: ring })
    const { user, conversation } = await userWithConversation(ctx.store, 'shred')
    await enc.messages.append(conversation.id, { role: 'user', content: 'sealed for shred' })
    const erased = await runChatkeep(['user', 'erase', user.username, '--yes'], {
      ...env(),
      ENCRYPTION_KEYS: ring,
    })
    expect(erased).toMatchObject({ code: 0, stderr: '' })
    expect(erased.stdout).toMatch(/data key\s+destroyed\n/)
  })

  it('names what is wrong: an unknown user, a missing action', async () => {
    const unknown = await runChatkeep(['user', 'export', 'nobody-at-all'], env())
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('[not_found]')
    const bare = await runChatkeep(['user'], env())
    expect(bare.code).toBe(2)
    expect(bare.stderr).toContain('user needs export or erase')
  })
})

describeEachEngine('chatkeep audit verify', (ctx) => {
  const env = () => ({ DATABASE_URL: ctx.database.database_url })

  it('seals, verifies and prints the head; a forged row fails it with exit 1 and names the row', async () => {
    await ctx.store.audit.record({ action: 'report.download', target_id: 'q1' })
    await ctx.store.audit.record({ action: 'report.download', target_id: 'q2' })
    const ok = await runChatkeep(['audit', 'verify'], env())
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(
      /^The audit log is intact: 2 row\(s\) on the chain \(2 sealed now\), 0 not sealed yet\n/,
    )
    const head = /Head: (\d+:[0-9a-f]{64})/.exec(ok.stdout)![1]!

    await ctx.store.database.kysely
      .updateTable('audit_events')
      .set({ target_id: 'q-forged' })
      .where('target_id', '=', 'q1')
      .execute()
    const forged = await runChatkeep(['audit', 'verify', '--head', head, '--json'], env())
    expect(forged.code).toBe(1)
    expect(JSON.parse(forged.stdout)).toMatchObject({
      ok: false,
      problems: [{ problem: 'changed', chain_seq: 1 }],
    })
    const bad = await runChatkeep(['audit', 'verify', '--head', 'nope'], env())
    expect(bad.code).toBe(2)
  })
})
