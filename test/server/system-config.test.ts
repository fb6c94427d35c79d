/**
 * System configuration: admins only; typed known keys; updated_by and updated_at; every change
 * audited with its old and new value in the same transaction; reads through a cache that this
 * process invalidates on write; the kept JWT secret out of reach.
 */
import type { InjectOptions } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { JWT_SECRET_KEY, resolveJwtSecret } from '../../src/auth/jwt-secret.js'
import type { AuditEvent } from '../../src/schemas/audit.js'
import type { SystemConfig } from '../../src/schemas/system-config.js'
import type { TokenResponse } from '../../src/schemas/auth.js'
import { INVALIDATION_HOLD_MS } from '../../src/cache/cache.js'
import { MemoryCache } from '../../src/cache/memory-cache.js'
import { SystemConfigService } from '../../src/services/system-config.js'
import { describeEachEngine } from '../support/engines.js'
import { expectError, ISO_TIME, uniqueName } from '../conformance/helpers.js'
import { type Caller, type TestApp, testApp } from './test-app.js'

describeEachEngine('system configuration', (ctx) => {
  let t: TestApp

  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const call = (
    caller: Caller | null,
    method: InjectOptions['method'],
    key = '',
    payload?: object,
  ) =>
    t.app.inject({
      method,
      url: `/v1/admin/config${key === '' ? '' : `/${encodeURIComponent(key)}`}`,
      headers: { ...(caller === null ? {} : t.as(caller)), 'user-agent': 'config-test' },
      remoteAddress: '198.51.100.9',
      ...(payload !== undefined ? { payload } : {}),
    })
  const key = (name: string) => `test.${uniqueName(name)}`

  async function auditOf(configKey: string): Promise<AuditEvent[]> {
    const page = await ctx.store.audit.list({ target_type: 'config', target_id: configKey })
    return page.data.reverse()
  }

  it('refuses every config route to non-admins', async () => {
    const k = key('guarded')
    await ctx.store.config.set(k, 1)
    for (const caller of ['alice', 'bob', null] as const) {
      const responses = [
        await call(caller, 'GET'),
        await call(caller, 'GET', k),
        await call(caller, 'PUT', k, { value: 2 }),
        await call(caller, 'DELETE', k),
      ]
      for (const response of responses) {
        expect(response.statusCode).toBe(caller === null ? 401 : 403)
      }
    }
    expect((await ctx.store.config.get(k)).value).toBe(1)
  })

  it('sets, reads, lists and deletes a key, recording who and when, each change audited', async () => {
    const k = key('greeting')
    const before = new Date().toISOString()
    const created = await call('admin', 'PUT', k, { value: { text: 'hi', n: [1, 2] } })
    expect(created.statusCode).toBe(200)
    const first = created.json<SystemConfig>()
    expect(first).toEqual({
      key: k,
      value: { text: 'hi', n: [1, 2] },
      updated_at: expect.stringMatching(ISO_TIME),
      updated_by: t.users.admin.id,
    })
    expect(first.updated_at >= before).toBe(true)
    expect((await call('admin', 'GET', k)).json()).toEqual(first)

    const replaced = (await call('admin', 'PUT', k, { value: 'bye' })).json<SystemConfig>()
    expect(replaced).toMatchObject({ key: k, value: 'bye', updated_by: t.users.admin.id })
    expect((await call('admin', 'GET', k)).json()).toEqual(replaced)

    const listed = (await call('admin', 'GET')).json<{ object: string; data: SystemConfig[] }>()
    expect(listed.object).toBe('list')
    expect(listed.data).toContainEqual(replaced)
    const keys = listed.data.map((config) => config.key)
    expect(keys).toEqual([...keys].sort())

    const deleted = await call('admin', 'DELETE', k)
    expect(deleted.statusCode).toBe(204)
    expect((await call('admin', 'GET', k)).statusCode).toBe(404)
    expect((await call('admin', 'DELETE', k)).json()).toMatchObject({ code: 'not_found' })

    const who = {
      user_id: t.users.admin.id,
      target_type: 'config',
      target_id: k,
      ip_address: '198.51.100.9',
      user_agent: 'config-test',
    }
    expect(await auditOf(k)).toEqual([
      expect.objectContaining({
        ...who,
        action: 'config.update',
        details: { old: null, new: { text: 'hi', n: [1, 2] } },
      }),
      expect.objectContaining({
        ...who,
        action: 'config.update',
        details: { old: { text: 'hi', n: [1, 2] }, new: 'bye' },
      }),
      expect.objectContaining({ ...who, action: 'config.delete', details: { old: 'bye' } }),
    ])
  })

  it('checks the type of a known key and the size of any value, naming the field', async () => {
    const bad: [string, unknown, string][] = [
      ['chat.context_messages', 'twenty', '/value'],
      ['chat.context_messages', 0, '/value'],
      ['chat.context_messages', 2.5, '/value'],
      ['maintenance.enabled', 'yes', '/value'],
      ['llm.default_parameters', [1], '/value'],
      [key('big'), 'x'.repeat(70 * 1024), '/value'],
      [key('nul'), { text: 'a\u0000b' }, '/value/text'],
    ]
    for (const [k, value, field] of bad) {
      const response = await call('admin', 'PUT', k, { value })
      expect(response.statusCode, k).toBe(400)
      expect(response.json(), k).toMatchObject({ code: 'validation_failed', field })
      expect((await call('admin', 'GET', k)).statusCode, k).toBe(404)
    }
    const missing = await call('admin', 'PUT', key('empty'), {})
    expect(missing.json()).toMatchObject({ code: 'validation_failed', field: '/value' })
    const extra = await call('admin', 'PUT', key('extra'), { value: 1, type: 'int' })
    expect(extra.json()).toMatchObject({ code: 'validation_failed', field: '/type' })
    for (const k of ['9lives', 'has space', 'a/b', '-x']) {
      const response = await call('admin', 'PUT', k, { value: 1 })
      expect(response.statusCode, k).toBe(400)
      expect(response.json(), k).toMatchObject({ field: '/key' })
    }
    expect((await call('admin', 'PUT', 'x'.repeat(101), { value: 1 })).statusCode).toBe(400)
    await expectError(ctx.store.config.set('x'.repeat(101), 1), 'validation_failed', '/key')
    expect((await ctx.store.config.set('x'.repeat(100), 1)).key).toHaveLength(100)

    const good = await call('admin', 'PUT', 'chat.context_messages', { value: 20 })
    expect(good.json()).toMatchObject({ value: 20 })
    expect((await call('admin', 'PUT', 'maintenance.enabled', { value: false })).statusCode).toBe(
      200,
    )
    // An unknown key takes any JSON, null included.
    expect((await call('admin', 'PUT', key('null'), { value: null })).json()).toMatchObject({
      value: null,
    })
    // Library callers get the same checks, and JSON only.
    await expectError(
      ctx.store.config.set('chat.context_messages', 'x'),
      'validation_failed',
      '/value',
    )
    await expectError(ctx.store.config.set(key('nan'), Number.NaN), 'validation_failed', '/value')
    await expectError(ctx.store.config.set(key('undef'), undefined), 'validation_failed', '/value')
  })

  it('never reads, writes, lists or deletes the kept JWT secret', async () => {
    const secret = await resolveJwtSecret(ctx.store.database)
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const payload = method === 'PUT' ? { value: 'x'.repeat(64) } : undefined
      const response = await call('admin', method, JWT_SECRET_KEY, payload)
      expect(response.statusCode, method).toBe(400)
      expect(response.json()).toMatchObject({ code: 'validation_failed', field: '/key' })
      expect(response.body).not.toContain(secret)
    }
    const listed = await call('admin', 'GET')
    expect(listed.statusCode).toBe(200)
    expect(listed.body).not.toContain(secret)
    expect(listed.body).not.toContain('_internal')
    await expectError(ctx.store.config.get(JWT_SECRET_KEY), 'validation_failed', '/key')
    await expectError(ctx.store.config.set(JWT_SECRET_KEY, 'y'.repeat(64)), 'validation_failed')
    await expectError(ctx.store.config.delete(JWT_SECRET_KEY), 'validation_failed')
    expect(await resolveJwtSecret(ctx.store.database)).toBe(secret)
  })

  it('reads through the cache: its own writes at once, another instance’s after the TTL', async () => {
    const k = key('cached')
    const other = await ctx.open()
    let now = Date.now()
    const cache = new MemoryCache({ now: () => now })
    const mine = new SystemConfigService(ctx.store.database, { cache, ttl_ms: 300 })
    // A change holds its key out of the cache for a moment (a racing read must not refill it).
    const settle = () => (now += INVALIDATION_HOLD_MS)
    await mine.set(k, 'one')
    settle()
    expect((await mine.get(k)).value).toBe('one')

    // Cached: the row changed behind its back is not read again within the TTL.
    await other.config.set(k, 'two')
    expect((await mine.get(k)).value).toBe('one')
    // Its own write invalidates at once.
    await mine.set(k, 'three')
    expect((await mine.get(k)).value).toBe('three')
    settle()
    expect((await mine.get(k)).value).toBe('three')
    await other.config.set(k, 'four')
    expect((await mine.get(k)).value).toBe('three')
    now += 300
    expect((await mine.get(k)).value).toBe('four')

    // A missing key is cached as missing too, and a write of this process ends that.
    const absent = key('absent')
    expect(await mine.find(absent)).toBeNull()
    await other.config.set(absent, 1)
    expect(await mine.find(absent)).toBeNull()
    await mine.set(absent, 2)
    expect((await mine.get(absent)).value).toBe(2)
    await mine.delete(absent)
    expect(await mine.find(absent)).toBeNull()

    // What a caller does to a value it got does not reach the cache.
    await mine.set(k, { list: [1] })
    settle()
    await mine.get(k)
    const got = await mine.get(k)
    ;(got.value as { list: number[] }).list.push(2)
    expect((await mine.get(k)).value).toEqual({ list: [1] })
  })

  it('serializes concurrent writers of a key: each audit row’s old value is the one before', async () => {
    const k = key('raced')
    const other = await ctx.open()
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? ctx.store : other).config.set(k, i)),
    )
    const rows = await auditOf(k)
    expect(rows).toHaveLength(12)
    expect(rows[0]!.details.old).toBeNull()
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i]!.details.old).toBe(rows[i - 1]!.details.new)
    }
    expect((await ctx.store.config.get(k)).value).toBe(rows.at(-1)!.details.new)
  })

  it('keeps a config and its audit rows when the admin who set it is deleted', async () => {
    const k = key('orphan')
    const registered = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { username: uniqueName('root'), password: 'correct horse battery' },
    })
    const root = registered.json<TokenResponse>()
    await ctx.store.users.update(root.user.id, { role: 'admin' })
    const set = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/config/${k}`,
      headers: { authorization: `Bearer ${root.access_token}` },
      payload: { value: 'kept' },
    })
    expect(set.json()).toMatchObject({ updated_by: root.user.id })
    expect((await auditOf(k))[0]!.user_id).toBe(root.user.id)

    await ctx.store.users.delete(root.user.id)
    expect((await call('admin', 'GET', k)).json()).toMatchObject({
      value: 'kept',
      updated_by: null,
    })
    expect(await auditOf(k)).toEqual([
      expect.objectContaining({
        action: 'config.update',
        user_id: null,
        details: { old: null, new: 'kept' },
      }),
    ])
    // The library names a missing actor rather than failing on a foreign key.
    await expectError(ctx.store.config.set(k, 'x', { user_id: root.user.id }), 'not_found')
    expect((await ctx.store.config.get(k)).value).toBe('kept')
  })

  it('changes nothing when the audit row cannot be written', async () => {
    const k = key('atomic')
    await ctx.store.config.set(k, 'before')
    expect((await ctx.store.config.get(k)).value).toBe('before')
    const kysely = ctx.store.database.kysely
    await sql`alter table audit_events rename to audit_events_away`.execute(kysely)
    try {
      const put = await call('admin', 'PUT', k, { value: 'after' })
      expect(put.statusCode).toBeGreaterThanOrEqual(500)
      const removed = await call('admin', 'DELETE', k)
      expect(removed.statusCode).toBeGreaterThanOrEqual(500)
    } finally {
      await sql`alter table audit_events_away rename to audit_events`.execute(kysely)
    }
    expect((await call('admin', 'GET', k)).json()).toMatchObject({ value: 'before' })
    const row = await kysely
      .selectFrom('system_configs')
      .select('value')
      .where('key', '=', k)
      .executeTakeFirstOrThrow()
    expect(ctx.store.database.codec.json(row.value)).toBe('before')
    expect((await auditOf(k)).map((event) => event.details)).toEqual([{ old: null, new: 'before' }])
  })
})
