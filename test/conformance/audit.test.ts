/** `store.audit` as a library: recording events, their checks, and querying them, on both engines. */
import { expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, ISO_TIME, missingId, sleep, UUID, uniqueName } from './helpers.js'

describeEachEngine('audit trail (library)', (ctx) => {
  it('records an event as given, with an id and a time of its own', async () => {
    const user = await createUser(ctx.store)
    const event = await ctx.store.audit.record({
      action: 'report.download',
      user_id: user.id,
      target_type: 'report',
      target_id: '2026-q4',
      ip_address: '192.0.2.1',
      user_agent: 'cron',
      details: { rows: 12 },
    })
    expect(event).toEqual({
      id: expect.stringMatching(UUID),
      user_id: user.id,
      action: 'report.download',
      target_type: 'report',
      target_id: '2026-q4',
      ip_address: '192.0.2.1',
      user_agent: 'cron',
      details: { rows: 12 },
      created_at: expect.stringMatching(ISO_TIME),
    })
    const page = await ctx.store.audit.list({ target_type: 'report', target_id: '2026-q4' })
    expect(page.data).toEqual([event])

    const bare = await ctx.store.audit.record({ action: 'system.started' })
    expect(bare).toMatchObject({ user_id: null, target_type: null, target_id: null, details: {} })
  })

  it('refuses a malformed event, naming the field, and writes nothing', async () => {
    const before = (await ctx.store.audit.list({ limit: 1 })).data[0]?.id
    const bad: [object, string][] = [
      [{ action: 'Login' }, '/action'],
      [{ action: 'login' }, '/action'],
      [{ action: 'auth.login', user_id: 'alice' }, '/user_id'],
      [{ action: 'auth.login', details: { big: 'x'.repeat(70 * 1024) } }, '/details'],
      [{ action: 'auth.login', colour: 'red' }, '/colour'],
    ]
    for (const [event, field] of bad) {
      await expectError(
        ctx.store.audit.record(event as Parameters<typeof ctx.store.audit.record>[0]),
        'validation_failed',
        field,
      )
    }
    expect((await ctx.store.audit.list({ limit: 1 })).data[0]?.id).toBe(before)
  })

  it('keeps an event whose actor does not exist, naming that actor in its details', async () => {
    const ghost = missingId()
    const event = await ctx.store.audit.record({ action: 'user.delete', user_id: ghost })
    expect(event).toMatchObject({ user_id: null, details: { deleted_actor_id: ghost } })
    const [stored] = (await ctx.store.audit.list({ action: 'user.delete', limit: 1 })).data
    expect(stored).toEqual(event)
  })

  it('filters by time with any offset, since inclusive and until exclusive', async () => {
    const target = uniqueName('window')
    const first = await ctx.store.audit.record({
      action: 'test.tick',
      target_type: 't',
      target_id: target,
    })
    await sleep(5)
    const second = await ctx.store.audit.record({
      action: 'test.tick',
      target_type: 't',
      target_id: target,
    })
    const ids = async (window: { since?: string; until?: string }) =>
      (await ctx.store.audit.list({ target_id: target, ...window })).data.map((e) => e.id)
    expect(await ids({ since: first.created_at })).toEqual([second.id, first.id])
    expect(await ids({ until: second.created_at })).toEqual([first.id])
    expect(await ids({ since: second.created_at, until: second.created_at })).toEqual([])
    // The same instant written with an offset means the same thing.
    const shifted = new Date(Date.parse(second.created_at) + 2 * 3600_000)
      .toISOString()
      .replace('Z', '+02:00')
    expect(await ids({ since: shifted })).toEqual([second.id])
    await expectError(
      ctx.store.audit.list({ since: '2026-01-01T10:00' }),
      'validation_failed',
      '/since',
    )
  })
})
