/**
 * The admin console as the server hands it out, and the API routes it needs that any admin
 * client may call: another user's sessions and API keys, an erasure's preview, user and
 * conversation filters, and a backup started over HTTP.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { type Caller, type TestApp, testApp } from './test-app.js'

const CONSOLE = new URL('../../console/', import.meta.url)

function consoleFiles(dir = CONSOLE.pathname): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(js|html|css)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
}

describeEachEngine('admin console', (ctx) => {
  let t: TestApp
  let backups: string

  beforeAll(async () => {
    backups = mkdtempSync(join(tmpdir(), 'chatkeep-backups-'))
    t = await testApp(ctx.store, { backups: { dir: backups, keep: 2 } })
  })
  afterAll(async () => {
    await t?.app.close()
    rmSync(backups, { recursive: true, force: true })
  })

  const call = (caller: Caller, method: 'GET' | 'POST' | 'DELETE', url: string) =>
    t.app.inject({ method, url, headers: t.as(caller) })

  it('serves its page and files under a policy that lets nothing else run or load', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/admin' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.body).toContain('<title>Chatkeep admin</title>')
    const csp = String(page.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe')
    expect(page.headers['x-content-type-options']).toBe('nosniff')

    const script = await t.app.inject({ method: 'GET', url: '/admin/app.js' })
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
    const again = await t.app.inject({
      method: 'GET',
      url: '/admin/app.js',
      headers: { 'if-none-match': String(script.headers.etag) },
    })
    expect(again.statusCode).toBe(304)
    for (const url of ['/admin/tsconfig.json', '/admin/../package.json', '/admin/nope.js']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(404)
    }
  })

  it('loads nothing from another origin and calls only routes of the public API', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>
    }
    const known = Object.keys(spec.paths).map(
      (path) => new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    )
    const called = new Set<string>()
    for (const file of consoleFiles()) {
      const text = readFileSync(file, 'utf8')
      expect(text, file).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//)
      expect(text, file).not.toMatch(/\bimport\b[^'"]*['"]https?:/)
      expect(text, file).not.toMatch(/\.innerHTML\s*=|insertAdjacentHTML|document\.write/)
      for (const [, path] of text.matchAll(/['"`](\/(?:v1|readyz)[^'"`?]*)/g)) {
        called.add(path!.replace(/\$\{[^}]+\}/g, 'x'))
      }
    }
    expect(called.size).toBeGreaterThan(15)
    for (const path of called) {
      expect(
        known.some((pattern) => pattern.test(path)),
        `${path} is in the OpenAPI document`,
      ).toBe(true)
    }
  })

  it("an admin lists and ends another user's sessions and keys, audited as the admin", async () => {
    const alice = t.users.alice.id
    const key = await t.auth.createApiKey(alice, 'user', { name: 'bot' })
    const sessions = await call('admin', 'GET', `/v1/users/${alice}/sessions`)
    expect(sessions.statusCode).toBe(200)
    const [session] = sessions.json().data as { id: string; current: boolean }[]
    expect(session).toMatchObject({ current: false })
    const keys = (await call('admin', 'GET', `/v1/users/${alice}/api-keys`)).json().data
    expect(keys.map((k: { id: string }) => k.id)).toEqual([key.id])

    expect((await call('bob', 'GET', `/v1/users/${alice}/sessions`)).statusCode).toBe(403)
    expect((await call('bob', 'DELETE', `/v1/users/${alice}/api-keys/${key.id}`)).statusCode).toBe(
      403,
    )
    // Another user's session id under alice is not found: the owner is part of the key.
    const bobs = (await call('admin', 'GET', `/v1/users/${t.users.bob.id}/sessions`)).json()
    const other = await call('admin', 'DELETE', `/v1/users/${alice}/sessions/${bobs.data[0].id}`)
    expect(other.statusCode).toBe(404)

    expect(
      (await call('admin', 'DELETE', `/v1/users/${alice}/sessions/${session!.id}`)).statusCode,
    ).toBe(204)
    expect(
      (await call('admin', 'DELETE', `/v1/users/${alice}/api-keys/${key.id}`)).statusCode,
    ).toBe(204)
    expect((await call('alice', 'GET', '/v1/users/me')).statusCode).toBe(401)
    const audit = await ctx.store.audit.list({ user_id: t.users.admin.id })
    const revocations = audit.data.filter((e) =>
      ['auth.session_revoke', 'api_key.revoke'].includes(e.action),
    )
    expect(revocations.map((e) => [e.action, e.details])).toEqual([
      ['api_key.revoke', { owner_id: alice }],
      ['auth.session_revoke', { owner_id: alice }],
    ])
    expect(
      (await call('admin', 'GET', `/v1/users/${crypto.randomUUID()}/sessions`)).statusCode,
    ).toBe(404)
  })

  it("an erasure's preview counts what would go and changes nothing", async () => {
    const bob = t.users.bob.id
    const chat = await ctx.store.forUser(bob).conversations.create({ title: 'Kept' })
    await ctx.store.messages.append(chat.id, { role: 'user', content: 'hello' })
    const preview = await call('admin', 'GET', `/v1/users/${bob}/erase`)
    expect(preview.statusCode).toBe(200)
    expect(preview.json()).toMatchObject({ conversations: 1, messages: 1 })
    expect((await ctx.store.conversations.get(chat.id)).title).toBe('Kept')
    expect((await call('bob', 'GET', `/v1/users/${bob}/erase`)).statusCode).toBe(403)
  })

  it('users filter by text, role and state; conversations by their last activity', async () => {
    const found = await call(
      'admin',
      'GET',
      `/v1/users?search=${t.users.alice.username.slice(0, 8).toUpperCase()}`,
    )
    expect(found.json().data.map((u: { id: string }) => u.id)).toContain(t.users.alice.id)
    expect(found.json().data.map((u: { id: string }) => u.id)).not.toContain(t.users.bob.id)
    const admins = (await call('admin', 'GET', '/v1/users?role=admin&is_active=true')).json().data
    expect(admins.map((u: { id: string }) => u.id)).toContain(t.users.admin.id)
    expect(admins.every((u: { role: string }) => u.role === 'admin')).toBe(true)

    const chat = await ctx.store.forUser(t.users.alice.id).conversations.create({ title: 'Dated' })
    const at = Date.parse(chat.last_activity)
    const window = (since: number, until: number) =>
      call(
        'admin',
        'GET',
        `/v1/conversations?active_since=${new Date(since).toISOString()}&active_until=${new Date(until).toISOString()}`,
      )
    const inside = (await window(at, at + 1)).json().data.map((c: { id: string }) => c.id)
    expect(inside).toContain(chat.id)
    const after = (await window(at + 1, at + 60_000)).json().data.map((c: { id: string }) => c.id)
    expect(after).not.toContain(chat.id)
    const bad = await call('admin', 'GET', '/v1/conversations?active_since=yesterday')
    expect(bad.json()).toMatchObject({ code: 'validation_failed', field: '/query/active_since' })
  })

  it('an admin takes a backup over HTTP: the file, its manifest and a log entry', async () => {
    expect((await call('alice', 'POST', '/v1/admin/backups')).statusCode).toBe(401)
    expect((await call('bob', 'POST', '/v1/admin/backups')).statusCode).toBe(403)
    const taken = await call('admin', 'POST', '/v1/admin/backups')
    expect(taken.statusCode).toBe(201)
    const backup = taken.json()
    expect(backup).toMatchObject({
      status: 'completed',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    expect(existsSync(backup.file_path)).toBe(true)
    expect(existsSync(`${backup.file_path}.json`)).toBe(true)
    const log = (await call('admin', 'GET', '/v1/admin/backups?limit=1')).json().data[0]
    expect(log).toMatchObject({ id: backup.id, sha256: backup.sha256 })
    const audit = await ctx.store.audit.list({ action: 'backup.create' })
    expect(audit.data[0]).toMatchObject({ user_id: t.users.admin.id, target_id: backup.id })
  })
})
