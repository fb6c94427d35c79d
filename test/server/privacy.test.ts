/**
 * Export and erasure over HTTP: a user downloads their own zip, an admin anyone's, and only an
 * admin erases; the zip streams and checks out; every export is in the audit log.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import pino from 'pino'
import { sql } from 'kysely'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type AuditEvent, createStore, type Store } from '../../src/index.js'
import { readZip } from '../../src/lib/zip.js'
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

  it('audits an export as user.export before it, and user.exported with the manifest SHA-256 after', async () => {
    const alice = t.users.alice.id
    const response = await call('alice', 'GET', '/v1/users/me/export')
    expect(response.statusCode).toBe(200)
    const path = join(root, 'alice-audited.zip')
    writeFileSync(path, response.rawPayload)
    const manifest = (await readZip(path)).find((e) => e.name === 'manifest.json')!
    const bytes: Buffer[] = []
    for await (const chunk of manifest.open()) bytes.push(chunk)

    const rows = (await store.audit.list({ target_type: 'user', target_id: alice, limit: 2 })).data
    expect(rows.map((r) => r.action)).toEqual(['user.exported', 'user.export'])
    const [done, started] = rows as [AuditEvent, AuditEvent]
    expect(started.id < done.id).toBe(true)
    expect(done).toMatchObject({
      user_id: alice,
      details: {
        manifest_sha256: createHash('sha256').update(Buffer.concat(bytes)).digest('hex'),
        conversations: 1,
      },
    })
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

describeEachEngine('a user export whose client leaves part-way', (ctx) => {
  let t: TestApp
  const lines: Record<string, unknown>[] = []

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
        done()
      },
    })
    t = await testApp(ctx.store, { logger: pino({ level: 'error' }, stream) })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await t?.app.close()
  })

  /** Polls `check` until it holds, for at most `ms`. */
  async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000) {
    const until = Date.now() + ms
    while (!(await check())) {
      if (Date.now() > until) throw new Error('still not so after the wait')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Transactions left open on this database: a snapshot nobody releases shows here. */
  async function openTransactions(): Promise<number> {
    if (ctx.engine !== 'postgres') return 0
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state like 'idle in transaction%'`.execute(
      ctx.store.database.kysely,
    )
    return rows[0]!.n
  }

  it('ends the export and releases its snapshot; user.export stays, user.exported is never written', async () => {
    // Far more than the socket and the stream buffers hold: the export is still running when
    // the client leaves (random text, so the zip cannot shrink it).
    const user = await ctx.store.users.create({ username: `big_${process.pid}` })
    const chat = await ctx.store.forUser(user.id).conversations.create({ title: 'Big' })
    for (let i = 0; i < 6; i += 1) {
      await ctx.store.messages.appendMany(
        chat.id,
        Array.from({ length: 100 }, () => ({
          role: 'user' as const,
          content: randomBytes(12_000).toString('base64'),
        })),
      )
    }
    const { port } = t.app.server.address() as AddressInfo
    await new Promise<void>((resolve, reject) => {
      const request = httpGet(
        { host: '127.0.0.1', port, path: `/v1/users/${user.id}/export`, headers: t.as('admin') },
        (response) => {
          expect(response.statusCode).toBe(200)
          response.once('data', () => {
            request.destroy()
            resolve()
          })
        },
      )
      request.on('error', (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error)
      })
    })

    await eventually(() => lines.some((l) => l.msg === 'user export failed part-way'))
    const failed = lines.find((l) => l.msg === 'user export failed part-way')!
    expect(failed).toMatchObject({ user_id: user.id, err: { code: 'storage_failed' } })
    await eventually(async () => (await openTransactions()) === 0)
    // The next write goes through at once.
    const next = await ctx.store.messages.append(chat.id, { role: 'user', content: 'after' })
    expect(next.sequence).toBe(601)

    const rows = (await ctx.store.audit.list({ target_type: 'user', target_id: user.id })).data
    expect(rows.map((r) => r.action)).toEqual(['user.export'])
  })
})
