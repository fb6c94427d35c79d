/**
 * Export and erasure over HTTP: a user downloads their own zip, an admin anyone's, and only an
 * admin erases; the zip streams and checks out; every export is in the audit log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/index.js'
import { openUserArchive } from '../../src/operations/personal-data/archive.js'
import { describeEachEngine } from '../support/engines.js'
import { type Caller, type TestApp, testApp } from './test-app.js'

describeEachEngine('user export and erasure over HTTP', (ctx) => {
  let t: TestApp
  let root: string
  let store: Store

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'chatkeep-http-privacy-'))
    store = createStore(ctx.store.database, { transcript_dir: join(root, 'transcripts') })
    t = await testApp(store)
    const chat = await store.forUser(t.users.alice.id).conversations.create({ title: 'Mine' })
    await store.messages.append(chat.id, { role: 'user', content: 'alice wrote this' })
    const other = await store.forUser(t.users.bob.id).conversations.create({ title: 'Bob' })
    await store.messages.append(other.id, { role: 'user', content: 'bob wrote this' })
  })
  afterAll(async () => {
    await t?.app.close()
    rmSync(root, { recursive: true, force: true })
  })

  const call = (caller: Caller, method: 'GET' | 'POST', url: string) =>
    t.app.inject({ method, url, headers: t.as(caller) })

  async function archiveOf(body: Buffer, name: string) {
    const path = join(root, name)
    writeFileSync(path, body)
    return openUserArchive(path)
  }

  it("streams the caller's own zip, checked by its manifest, and audits it", async () => {
    const response = await call('alice', 'GET', '/v1/users/me/export')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/zip')
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="${t.users.alice.username}-export.zip"`,
    )
    const archive = await archiveOf(response.rawPayload, 'alice.zip')
    expect(archive.manifest).toMatchObject({ user_id: t.users.alice.id })
    expect(archive.manifest.counts.messages).toBe(1)
    const chunks: Buffer[] = []
    for await (const chunk of archive.rows()) chunks.push(chunk)
    const text = Buffer.concat(chunks).toString('utf8')
    expect(text).toContain('alice wrote this')
    expect(text).not.toContain('bob wrote this')
    const audit = await store.audit.list({ action: 'user.export', target_id: t.users.alice.id })
    expect(audit.data[0]).toMatchObject({ user_id: t.users.alice.id })
  })

  it("only an admin exports another user's data or erases a user", async () => {
    const bob = t.users.bob.id
    expect((await call('alice', 'GET', `/v1/users/${bob}/export`)).statusCode).toBe(403)
    expect((await call('alice', 'POST', `/v1/users/${bob}/erase`)).statusCode).toBe(403)
    const exported = await call('admin', 'GET', `/v1/users/${bob}/export`)
    expect(exported.statusCode).toBe(200)
    expect((await archiveOf(exported.rawPayload, 'bob.zip')).manifest.username).toBe(
      t.users.bob.username,
    )
    const missing = '00000000-0000-4000-8000-000000000000'
    const gone = await call('admin', 'GET', `/v1/users/${missing}/export`)
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toMatchObject({ code: 'not_found' })
  })

  it('an admin erases a user: 409 legal_hold while held, then the report, and the user is locked out', async () => {
    const bob = t.users.bob.id
    const hold = await store.legalHolds.create({ user_id: bob, reason: 'Case 9' })
    const refused = await call('admin', 'POST', `/v1/users/${bob}/erase`)
    expect(refused.statusCode).toBe(409)
    expect(refused.json()).toMatchObject({ code: 'legal_hold' })
    await store.legalHolds.release(hold.id)

    const erased = await call('admin', 'POST', `/v1/users/${bob}/erase`)
    expect(erased.statusCode).toBe(200)
    expect(erased.json()).toMatchObject({
      user_id: bob,
      username: t.users.bob.username,
      requested_by: t.users.admin.id,
      counts: { conversations: 1, messages: 1, auth_sessions: 1, refresh_tokens: 1 },
    })
    expect((await call('bob', 'GET', '/v1/users/me')).statusCode).toBe(401)
    expect((await call('admin', 'POST', `/v1/users/${bob}/erase`)).statusCode).toBe(404)
  })
})
