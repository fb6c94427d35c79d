/**
 * The audit log over HTTP: each audited action writes exactly one row with its actor, action,
 * target, IP and user agent; what is not audited writes none; admins query it with filters and
 * cursors; and a failed audit write never loses a read nor passes silently after a change.
 */
import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { sql } from 'kysely'
import { pino } from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/schemas/audit.js'
import type { Conversation } from '../../src/index.js'
import type { CreatedApiKey, TokenResponse } from '../../src/schemas/auth.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import { buildApp } from '../../src/server/app.js'
import { AuthService } from '../../src/services/auth.js'
import { describeEachEngine } from '../support/engines.js'
import { uniqueName } from '../conformance/helpers.js'
import { type Caller, type TestApp, testApp } from './test-app.js'

const PASSWORD = 'correct horse battery'
const IP = '203.0.113.7'
const AGENT = 'audit-test/1.0'

describeEachEngine('audit log over HTTP', (ctx) => {
  let t: TestApp

  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const db = () => ctx.store.database

  /** Every audit row written after `mark` (UUIDv7 ids of this process only grow). */
  async function rowsSince(mark: string): Promise<AuditEvent[]> {
    const rows = await db()
      .kysely.selectFrom('audit_events')
      .selectAll()
      .where('id', '>', mark)
      .orderBy('id')
      .execute()
    return rows.map((row) => ({ ...row, details: db().codec.json(row.details) }) as AuditEvent)
  }

  /** Runs a request from IP with AGENT, and returns it with the audit rows it wrote. */
  async function audited(options: InjectOptions, app: FastifyInstance = t.app) {
    const mark = uuid7()
    const response = await app.inject({
      remoteAddress: IP,
      ...options,
      headers: { 'user-agent': AGENT, ...options.headers },
    })
    return { response, rows: await rowsSince(mark) }
  }

  const as = (caller: Caller) => t.as(caller)
  const conversationOf = async (caller: Caller) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: as(caller),
      payload: { title: 'audited' },
    })
    return response.json<Conversation>()
  }
  const register = async (prefix: string) => {
    const username = uniqueName(prefix)
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { username, password: PASSWORD },
    })
    return { username, tokens: response.json<TokenResponse>() }
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

  it('records reading, deleting and restoring a conversation, once each, with who and where', async () => {
    const conversation = await conversationOf('alice')
    const url = `/v1/conversations/${conversation.id}`
    const target = { target_type: 'conversation', target_id: conversation.id }
    const who = { user_id: t.users.alice.id, ip_address: IP, user_agent: AGENT }

    const read = await audited({ method: 'GET', url, headers: as('alice') })
    expect(read.response.statusCode).toBe(200)
    expect(read.rows).toHaveLength(1)
    expect(read.rows[0]).toMatchObject({
      ...who,
      ...target,
      action: 'conversation.read',
      details: { owner_id: t.users.alice.id },
    })
    expect(read.rows[0]!.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)

    const deleted = await audited({ method: 'DELETE', url, headers: as('alice') })
    expect(deleted.response.statusCode).toBe(204)
    expect(deleted.rows).toEqual([
      expect.objectContaining({ ...who, ...target, action: 'conversation.delete' }),
    ])

    const restored = await audited({ method: 'POST', url: `${url}/restore`, headers: as('alice') })
    expect(restored.response.statusCode).toBe(200)
    expect(restored.rows).toEqual([
      expect.objectContaining({ ...who, ...target, action: 'conversation.restore' }),
    ])

    // An admin reading it is recorded as the admin, with whose conversation it is.
    const admin = await audited({ method: 'GET', url, headers: as('admin') })
    expect(admin.rows).toEqual([
      expect.objectContaining({
        user_id: t.users.admin.id,
        action: 'conversation.read',
        details: { owner_id: t.users.alice.id },
      }),
    ])
  })

  it('records nothing for a refused id, a list, or the append path', async () => {
    const conversation = await conversationOf('alice')
    const refused = await audited({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}`,
      headers: as('bob'),
    })
    expect(refused.response.statusCode).toBe(404)
    const bobDelete = await audited({
      method: 'DELETE',
      url: `/v1/conversations/${conversation.id}`,
      headers: as('bob'),
    })
    expect(bobDelete.response.statusCode).toBe(404)
    const list = await audited({ method: 'GET', url: '/v1/conversations', headers: as('alice') })
    const append = await audited({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: as('alice'),
      payload: { role: 'user', content: 'not audited' },
    })
    expect(append.response.statusCode).toBe(201)
    expect([...refused.rows, ...bobDelete.rows, ...list.rows, ...append.rows]).toEqual([])
  })

  it('records a login, and a failed one with the username tried but no actor and no password', async () => {
    const { username, tokens } = await register('login')
    const login = await audited({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username, password: PASSWORD },
    })
    expect(login.response.statusCode).toBe(200)
    expect(login.rows).toHaveLength(1)
    expect(login.rows[0]).toMatchObject({
      user_id: tokens.user.id,
      action: 'auth.login',
      target_type: 'auth_session',
      ip_address: IP,
      user_agent: AGENT,
    })

    const wrong = 'Wrong-Password-Never-Stored'
    const failed = await audited({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username, password: wrong },
    })
    expect(failed.response.statusCode).toBe(401)
    expect(failed.rows).toEqual([
      expect.objectContaining({
        user_id: null,
        action: 'auth.login_failed',
        target_type: 'user',
        target_id: tokens.user.id,
        ip_address: IP,
        details: { username, reason: 'wrong_password' },
      }),
    ])
    expect(JSON.stringify(failed.rows)).not.toContain(wrong)

    const nobody = uniqueName('nobody')
    const unknown = await audited({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: nobody, password: wrong },
    })
    expect(unknown.response.statusCode).toBe(401)
    expect(unknown.rows).toEqual([
      expect.objectContaining({
        user_id: null,
        action: 'auth.login_failed',
        target_type: null,
        target_id: null,
        details: { username: nobody, reason: 'unknown_user' },
      }),
    ])
    expect(JSON.stringify(unknown.rows)).not.toContain(wrong)

    await ctx.store.users.update(tokens.user.id, { is_active: false })
    const inactive = await audited({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username, password: PASSWORD },
    })
    expect(inactive.response.statusCode).toBe(403)
    expect(inactive.rows).toEqual([
      expect.objectContaining({
        action: 'auth.login_failed',
        user_id: null,
        details: { username, reason: 'inactive' },
      }),
    ])
    expect(JSON.stringify(inactive.rows)).not.toContain(PASSWORD)
  })

  it('records logout, revoking a session, and creating and revoking an API key', async () => {
    const { tokens } = await register('sessions')
    const { tokens: second } = await register('other')
    const who = { user_id: tokens.user.id, ip_address: IP, user_agent: AGENT }
    const sessions = await t.app.inject({
      method: 'GET',
      url: '/v1/auth/sessions',
      headers: bearer(tokens.access_token),
    })
    const sessionId = sessions.json<{ data: { id: string }[] }>().data[0]!.id

    const created = await audited({
      method: 'POST',
      url: '/v1/auth/api-keys',
      headers: bearer(tokens.access_token),
      payload: { name: 'bot', scopes: ['read'] },
    })
    const key = created.response.json<CreatedApiKey>()
    expect(created.rows).toEqual([
      expect.objectContaining({
        ...who,
        action: 'api_key.create',
        target_type: 'api_key',
        target_id: key.id,
        details: { name: 'bot', prefix: key.prefix, scopes: ['read'] },
      }),
    ])
    expect(JSON.stringify(created.rows)).not.toContain(key.key)

    const revoked = await audited({
      method: 'DELETE',
      url: `/v1/auth/api-keys/${key.id}`,
      headers: bearer(tokens.access_token),
    })
    expect(revoked.response.statusCode).toBe(204)
    expect(revoked.rows).toEqual([
      expect.objectContaining({ ...who, action: 'api_key.revoke', target_id: key.id }),
    ])
    // Revoking it again finds nothing and records nothing.
    const again = await audited({
      method: 'DELETE',
      url: `/v1/auth/api-keys/${key.id}`,
      headers: bearer(tokens.access_token),
    })
    expect(again.response.statusCode).toBe(404)
    expect(again.rows).toEqual([])

    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: tokens.user.username, password: PASSWORD },
    })
    const other = await audited({
      method: 'DELETE',
      url: `/v1/auth/sessions/${sessionId}`,
      headers: bearer(login.json<TokenResponse>().access_token),
    })
    expect(other.response.statusCode).toBe(204)
    expect(other.rows).toEqual([
      expect.objectContaining({
        ...who,
        action: 'auth.session_revoke',
        target_type: 'auth_session',
        target_id: sessionId,
      }),
    ])

    const logout = await audited({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(second.access_token),
    })
    expect(logout.response.statusCode).toBe(204)
    expect(logout.rows).toEqual([
      expect.objectContaining({
        user_id: second.user.id,
        action: 'auth.logout',
        target_type: 'auth_session',
      }),
    ])
  })

  it('records a refresh token reused after its grace window, with the revocation', async () => {
    let now = Date.now()
    const auth = await AuthService.open(ctx.store, {
      access_token_ttl_s: 600,
      refresh_token_ttl_s: 3600,
      jwt_secret: 'audit-test-secret-of-at-least-32-characters',
      now: () => now,
    })
    const app = await buildApp({ store: ctx.store, auth })
    try {
      const username = uniqueName('reuse')
      const registered = await app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { username, password: PASSWORD },
      })
      const first = registered.json<TokenResponse>()
      const rotate = (refresh_token: string) =>
        audited({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token } }, app)
      const rotated = await rotate(first.refresh_token)
      expect(rotated.response.statusCode).toBe(200)
      expect(rotated.rows).toEqual([])

      now += 60_000
      const reused = await rotate(first.refresh_token)
      expect(reused.response.statusCode).toBe(401)
      const sessions = await ctx.store.database.kysely
        .selectFrom('auth_sessions')
        .select(['id', 'revoked_at'])
        .where('user_id', '=', first.user.id)
        .execute()
      expect(sessions).toHaveLength(1)
      expect(sessions[0]!.revoked_at).not.toBeNull()
      expect(reused.rows).toEqual([
        expect.objectContaining({
          user_id: first.user.id,
          action: 'auth.refresh_reused',
          target_type: 'auth_session',
          target_id: sessions[0]!.id,
          ip_address: IP,
          user_agent: AGENT,
        }),
      ])
      expect(JSON.stringify(reused.rows)).not.toContain(first.refresh_token)
    } finally {
      await app.close()
    }
  })

  it("records an admin's role changes, activation, deactivation, edits and deletion of a user", async () => {
    const { tokens } = await register('managed')
    const id = tokens.user.id
    const patch = (payload: object) =>
      audited({ method: 'PATCH', url: `/v1/users/${id}`, headers: as('admin'), payload })
    const who = { user_id: t.users.admin.id, target_type: 'user', target_id: id, ip_address: IP }

    const promoted = await patch({ role: 'admin' })
    expect(promoted.response.statusCode).toBe(200)
    expect(promoted.rows).toEqual([
      expect.objectContaining({ ...who, action: 'user.role_change', details: { role: 'admin' } }),
    ])
    const off = await patch({ is_active: false })
    expect(off.rows).toEqual([expect.objectContaining({ ...who, action: 'user.deactivate' })])
    const both = await patch({ is_active: true, role: 'user', display_name: 'M' })
    expect(both.rows.map((row) => [row.action, row.details])).toEqual([
      ['user.role_change', { role: 'user' }],
      ['user.activate', {}],
      ['user.update', { fields: ['display_name'] }],
    ])

    // A refused PATCH (not an admin) changes nothing and records nothing.
    const refused = await audited({
      method: 'PATCH',
      url: `/v1/users/${id}`,
      headers: as('alice'),
      payload: { role: 'admin' },
    })
    expect(refused.response.statusCode).toBe(403)
    expect(refused.rows).toEqual([])

    const deleted = await audited({
      method: 'DELETE',
      url: `/v1/users/${id}`,
      headers: as('admin'),
    })
    expect(deleted.response.statusCode).toBe(204)
    expect(deleted.rows).toEqual([expect.objectContaining({ ...who, action: 'user.delete' })])
  })

  it('keeps the rows of a deleted user with no actor, and records an admin deleting themselves', async () => {
    const { tokens } = await register('leaving')
    const login = await audited({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: tokens.user.username, password: PASSWORD },
    })
    const ids = login.rows.map((row) => row.id)
    expect(ids).toHaveLength(1)
    await ctx.store.users.delete(tokens.user.id)
    const kept = await db()
      .kysely.selectFrom('audit_events')
      .selectAll()
      .where('id', 'in', ids)
      .execute()
    expect(kept).toEqual([expect.objectContaining({ action: 'auth.login', user_id: null })])

    const { tokens: root } = await register('root')
    await ctx.store.users.update(root.user.id, { role: 'admin' })
    const self = await audited({
      method: 'DELETE',
      url: `/v1/users/${root.user.id}`,
      headers: bearer(root.access_token),
    })
    expect(self.response.statusCode).toBe(204)
    expect(self.rows).toEqual([
      expect.objectContaining({
        user_id: null,
        action: 'user.delete',
        target_id: root.user.id,
        details: { deleted_actor_id: root.user.id },
      }),
    ])
  })

  it('lets admins query the log by actor, action, target and time, page by page', async () => {
    const conversation = await conversationOf('bob')
    const url = `/v1/conversations/${conversation.id}`
    const start = new Date().toISOString()
    const written: string[] = []
    for (let i = 0; i < 5; i++) {
      const { rows } = await audited({ method: 'GET', url, headers: as('bob') })
      written.push(rows[0]!.id)
    }
    const newestFirst = [...written].reverse()
    const query = (params: string, caller: Caller = 'admin') =>
      t.app.inject({ method: 'GET', url: `/v1/admin/audit-events?${params}`, headers: as(caller) })
    const ids = (body: { data: AuditEvent[] }) => body.data.map((event) => event.id)

    const byTarget = await query(`target_type=conversation&target_id=${conversation.id}`)
    expect(byTarget.statusCode).toBe(200)
    expect(ids(byTarget.json())).toEqual(newestFirst)

    const filters = [
      `user_id=${t.users.bob.id}&action=conversation.read`,
      `action=conversation.read&since=${start}`,
      `target_id=${conversation.id}&until=${new Date(Date.now() + 60_000).toISOString()}`,
    ]
    for (const filter of filters) {
      const body = (await query(`${filter}&limit=200`)).json<{ data: AuditEvent[] }>()
      expect(
        ids(body).filter((id) => written.includes(id)),
        filter,
      ).toEqual(newestFirst)
      for (const event of body.data) {
        if (filter.includes('user_id')) expect(event.user_id).toBe(t.users.bob.id)
        expect(event.action).toBe('conversation.read')
      }
    }
    const none = await query(`target_id=${conversation.id}&until=${start}`)
    expect(none.json()).toMatchObject({ data: [], has_more: false })
    const other = await query(`target_id=${conversation.id}&action=conversation.delete`)
    expect(other.json().data).toEqual([])

    const base = `target_id=${conversation.id}&limit=2`
    const page1 = (await query(base)).json<{
      data: AuditEvent[]
      has_more: boolean
      last_id: string
    }>()
    expect(ids(page1)).toEqual(newestFirst.slice(0, 2))
    expect(page1.has_more).toBe(true)
    const page2 = (await query(`${base}&after=${page1.last_id}`)).json<{
      data: AuditEvent[]
      first_id: string
      last_id: string
    }>()
    expect(ids(page2)).toEqual(newestFirst.slice(2, 4))
    const page3 = (await query(`${base}&after=${page2.last_id}`)).json<{
      data: AuditEvent[]
      has_more: boolean
    }>()
    expect(ids(page3)).toEqual(newestFirst.slice(4))
    expect(page3.has_more).toBe(false)
    const back = (await query(`${base}&before=${page2.first_id}`)).json<{ data: AuditEvent[] }>()
    expect(ids(back)).toEqual(newestFirst.slice(0, 2))
  })

  it('refuses the log to non-admins and bad filters with the field at fault', async () => {
    const url = '/v1/admin/audit-events'
    for (const caller of ['alice', 'bob'] as const) {
      const response = await t.app.inject({ method: 'GET', url, headers: as(caller) })
      expect(response.statusCode).toBe(403)
      expect(response.json()).toMatchObject({ code: 'forbidden' })
    }
    const anonymous = await t.app.inject({ method: 'GET', url })
    expect(anonymous.statusCode).toBe(401)
    const bad: [string, string][] = [
      ['since=yesterday', '/query/since'],
      ['until=2026-13-45T00:00:00Z', '/query/until'],
      ['user_id=not-a-uuid', '/query/user_id'],
      ['after=42', '/query/after'],
      ['limit=0', '/query/limit'],
      ['colour=red', '/query/colour'],
    ]
    for (const [params, field] of bad) {
      const response = await t.app.inject({
        method: 'GET',
        url: `${url}?${params}`,
        headers: as('admin'),
      })
      expect(response.statusCode, params).toBe(400)
      expect(response.json(), params).toMatchObject({ code: 'validation_failed', field })
    }
  })

  it('answers a read when its audit row cannot be written, logging the event; a change then fails whole', async () => {
    const lines: string[] = []
    const logger = pino(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString())
          done()
        },
      }),
    )
    const app = await buildApp({ store: ctx.store, auth: t.auth, logger })
    const conversation = await conversationOf('alice')
    const url = `/v1/conversations/${conversation.id}`
    const { tokens } = await register('stuck')
    const kysely = db().kysely
    await sql`alter table audit_events rename to audit_events_away`.execute(kysely)
    try {
      const read = await app.inject({ method: 'GET', url, headers: as('alice') })
      expect(read.statusCode).toBe(200)
      expect(read.json<Conversation>().id).toBe(conversation.id)

      // A delete is audited in its own transaction: it fails whole, and the conversation lives on.
      const deleted = await app.inject({ method: 'DELETE', url, headers: as('alice') })
      expect(deleted.statusCode).toBeGreaterThanOrEqual(500)
      expect((await ctx.store.conversations.get(conversation.id)).deleted_at).toBeNull()

      // A logout is audited in its own transaction: it fails whole, and the session lives on.
      const logout = await app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: bearer(tokens.access_token),
      })
      expect(logout.statusCode).toBeGreaterThanOrEqual(500)
      const still = await app.inject({
        method: 'GET',
        url: '/v1/users/me',
        headers: bearer(tokens.access_token),
      })
      expect(still.statusCode).toBe(200)
    } finally {
      await sql`alter table audit_events_away rename to audit_events`.execute(kysely)
      await app.close()
    }
    const logged = lines
      .map((line) => JSON.parse(line) as { msg: string; audit_event?: Record<string, unknown> })
      .filter((line) => line.msg === 'audit event not written')
      .map((line) => line.audit_event)
    const who = {
      user_id: t.users.alice.id,
      target_type: 'conversation',
      target_id: conversation.id,
    }
    expect(logged).toEqual([expect.objectContaining({ ...who, action: 'conversation.read' })])
  })
})
