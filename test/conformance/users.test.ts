import { expect, it } from 'vitest'
import { type NewUser, type UserUpdate } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import {
  countRows,
  createUser,
  expectError,
  expectUserShape,
  MALFORMED_IDS,
  missingId,
  uniqueName,
} from './helpers.js'

describeEachEngine('users', (ctx) => {
  it('creates a user with defaults and reads it back by id and by username', async () => {
    const name = uniqueName('plain')
    const user = await ctx.store.users.create({ username: name })
    expectUserShape(user)
    expect(user).toMatchObject({
      username: name,
      display_name: null,
      email: null,
      role: 'user',
      is_active: true,
      discord_id: null,
      preferences: {},
      last_login_at: null,
    })
    expect(user.updated_at).toBe(user.created_at)
    expect(await ctx.store.users.get(user.id)).toEqual(user)
    expect(await ctx.store.users.getByUsername(name)).toEqual(user)
  })

  it('stores every field it is given', async () => {
    const input: NewUser = {
      username: uniqueName('full'),
      display_name: 'Ada Lovelace',
      email: `${uniqueName('ada')}@example.com`,
      role: 'admin',
      is_active: false,
      discord_id: uniqueName('discord'),
      preferences: { theme: 'dark', nested: { n: 1.5, list: [1, 'two', null, true] } },
    }
    const user = await ctx.store.users.create(input)
    expectUserShape(user)
    expect(user).toMatchObject({ ...input, is_active: false })
    expect(await ctx.store.users.get(user.id)).toEqual(user)
  })

  it('normalizes the username: trimmed, case-folded, NFKC', async () => {
    const suffix = uniqueName('n').toLowerCase()
    const trimmed = await ctx.store.users.create({ username: `  Alice_${suffix}  ` })
    expect(trimmed.username).toBe(`alice_${suffix}`)
    // Fullwidth letters and the ﬁ ligature are compatibility forms of plain ones.
    const compat = await ctx.store.users.create({ username: `ＢＯＢ_ﬁ_${suffix}` })
    expect(compat.username).toBe(`bob_fi_${suffix}`)
    // Lookups normalize the same way.
    expect((await ctx.store.users.getByUsername(` ALICE_${suffix.toUpperCase()} `)).id).toBe(
      trimmed.id,
    )
    expect((await ctx.store.users.getByUsername(`bob_ﬁ_${suffix}`)).id).toBe(compat.id)
  })

  it('treats names that fold to the same text as one username (STRASSE, straße)', async () => {
    const suffix = uniqueName('s').toLowerCase()
    const first = await ctx.store.users.create({ username: `STRASSE_${suffix}` })
    expect(first.username).toBe(`strasse_${suffix}`)
    const before = await countRows(ctx.store, 'users')
    await expectError(
      ctx.store.users.create({ username: `straße_${suffix}` }),
      'conflict',
      '/username',
    )
    await expectError(
      ctx.store.users.create({ username: ` Strasse_${suffix}` }),
      'conflict',
      '/username',
    )
    expect(await countRows(ctx.store, 'users')).toBe(before)
    expect((await ctx.store.users.getByUsername(`Straße_${suffix}`)).id).toBe(first.id)
  })

  it('refuses a duplicate email (case-insensitively) and a duplicate discord_id', async () => {
    const email = `${uniqueName('dup')}@example.com`
    const discord = uniqueName('d')
    await ctx.store.users.create({ username: uniqueName(), email, discord_id: discord })
    const before = await countRows(ctx.store, 'users')
    await expectError(
      ctx.store.users.create({ username: uniqueName(), email: ` ${email.toUpperCase()} ` }),
      'conflict',
      '/email',
    )
    await expectError(
      ctx.store.users.create({ username: uniqueName(), discord_id: discord }),
      'conflict',
      '/discord_id',
    )
    expect(await countRows(ctx.store, 'users')).toBe(before)
  })

  it('lets many users go without an email or discord_id', async () => {
    const a = await ctx.store.users.create({ username: uniqueName(), email: null })
    const b = await ctx.store.users.create({ username: uniqueName(), email: null })
    expect(a.email).toBeNull()
    expect(b.email).toBeNull()
  })

  it('takes a blank email as no email, so blank emails never collide', async () => {
    const a = await ctx.store.users.create({ username: uniqueName(), email: '  ' })
    const b = await ctx.store.users.create({ username: uniqueName(), email: '' })
    expect(a.email).toBeNull()
    expect(b.email).toBeNull()
    const updated = await ctx.store.users.update(a.id, { email: ' ' })
    expect(updated.email).toBeNull()
  })

  it('updates fields, normalizes the email, moves updated_at, keeps the rest', async () => {
    const user = await ctx.store.users.create({
      username: uniqueName(),
      display_name: 'Before',
      preferences: { a: 1 },
    })
    const patch: UserUpdate = {
      display_name: 'After',
      email: `  ${uniqueName('Upd').toUpperCase()}@Example.COM `,
      role: 'admin',
      is_active: false,
      preferences: { b: [true] },
    }
    const updated = await ctx.store.users.update(user.id, patch)
    expectUserShape(updated)
    expect(updated).toMatchObject({
      id: user.id,
      username: user.username,
      display_name: 'After',
      email: patch.email!.trim().toLowerCase(),
      role: 'admin',
      is_active: false,
      preferences: { b: [true] },
      created_at: user.created_at,
    })
    expect(updated.updated_at >= user.updated_at).toBe(true)
    expect(await ctx.store.users.get(user.id)).toEqual(updated)

    const cleared = await ctx.store.users.update(user.id, { email: null, display_name: null })
    expect(cleared).toMatchObject({ email: null, display_name: null, role: 'admin' })
  })

  it('refuses an update to another user’s email and leaves the user unchanged', async () => {
    const email = `${uniqueName('taken')}@example.com`
    await ctx.store.users.create({ username: uniqueName(), email })
    const other = await createUser(ctx.store)
    await expectError(
      ctx.store.users.update(other.id, { email, display_name: 'changed' }),
      'conflict',
      '/email',
    )
    expect(await ctx.store.users.get(other.id)).toEqual(other)
  })

  it('deletes a user; the user is then gone', async () => {
    const user = await createUser(ctx.store)
    await ctx.store.users.delete(user.id)
    await expectError(ctx.store.users.get(user.id), 'not_found')
    await expectError(ctx.store.users.getByUsername(user.username), 'not_found')
    await expectError(ctx.store.users.update(user.id, { display_name: 'x' }), 'not_found')
    await expectError(ctx.store.users.delete(user.id), 'not_found')
    // The name is free again.
    const again = await ctx.store.users.create({ username: user.username })
    expect(again.id).not.toBe(user.id)
  })

  it('answers not_found for a missing or malformed id and an unknown username', async () => {
    for (const id of [missingId(), ...MALFORMED_IDS]) {
      await expectError(ctx.store.users.get(id), 'not_found')
      await expectError(ctx.store.users.update(id, { display_name: 'x' }), 'not_found')
      await expectError(ctx.store.users.delete(id), 'not_found')
    }
    for (const name of [uniqueName('nobody'), '', '   ', 'has space', 'nul\u0000byte']) {
      await expectError(ctx.store.users.getByUsername(name), 'not_found')
    }
  })

  it('refuses bad input with the field at fault and writes nothing', async () => {
    const cases: [unknown, string][] = [
      [null, '/'],
      ['alice', '/'],
      [{}, '/username'],
      [{ username: '' }, '/username'],
      [{ username: '   ' }, '/username'],
      [{ username: 'has space' }, '/username'],
      [{ username: 'semi;colon' }, '/username'],
      [{ username: 'x'.repeat(65) }, '/username'],
      [{ username: 42 }, '/username'],
      [{ username: uniqueName(), extra: true }, '/extra'],
      [{ username: uniqueName(), email: 7 }, '/email'],
      [{ username: uniqueName(), role: 'root' }, '/role'],
      [{ username: uniqueName(), is_active: 'yes' }, '/is_active'],
      [{ username: uniqueName(), preferences: [] }, '/preferences'],
      [{ username: uniqueName(), preferences: 'dark' }, '/preferences'],
      [{ username: uniqueName(), preferences: { big: 'x'.repeat(70_000) } }, '/preferences'],
      [{ username: uniqueName(), display_name: 'x'.repeat(201) }, '/display_name'],
      [{ username: uniqueName(), id: 'not-a-uuid' }, '/id'],
    ]
    const before = await countRows(ctx.store, 'users')
    for (const [input, field] of cases) {
      await expectError(ctx.store.users.create(input as NewUser), 'validation_failed', field)
    }
    expect(await countRows(ctx.store, 'users')).toBe(before)

    const user = await createUser(ctx.store)
    const updates: [unknown, string][] = [
      [{ username: 'renamed' }, '/username'],
      [{ role: 'owner' }, '/role'],
      [{ is_active: 1 }, '/is_active'],
      [{ preferences: null }, '/preferences'],
      [{ email: ['a@b.c'] }, '/email'],
    ]
    for (const [input, field] of updates) {
      await expectError(
        ctx.store.users.update(user.id, input as UserUpdate),
        'validation_failed',
        field,
      )
    }
    expect(await ctx.store.users.get(user.id)).toEqual(user)
  })

  it('accepts a caller-chosen UUID as the id', async () => {
    const id = missingId()
    const user = await ctx.store.users.create({ id, username: uniqueName() })
    expect(user.id).toBe(id)
    expect((await ctx.store.users.get(id)).username).toBe(user.username)
  })
})

describeEachEngine('users list', (ctx) => {
  it('pages through every user oldest first, forwards and backwards, with no gaps', async () => {
    const made: string[] = []
    for (let i = 0; i < 7; i++) made.push((await createUser(ctx.store)).id)
    const seen: string[] = []
    let page = await ctx.store.users.list({ limit: 3 })
    for (;;) {
      seen.push(...page.data.map((u) => u.id))
      if (!page.has_more) break
      page = await ctx.store.users.list({ limit: 3, after: page.last_id! })
    }
    expect(seen).toEqual([...seen].sort())
    expect(seen.slice(-7)).toEqual(made)
    const back = await ctx.store.users.list({ limit: 2, before: made[4] })
    expect(back.data.map((u) => u.id)).toEqual([made[2], made[3]])
    expect(back.has_more).toBe(true)
    await expectError(ctx.store.users.list({ after: 'nope' }), 'validation_failed', '/after')
  })
})
