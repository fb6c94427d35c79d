import { setTimeout as sleep } from 'node:timers/promises'
import { spawn } from 'node:child_process'
import { beforeAll, expect, it } from 'vitest'
import { seed, type SeedResult, seedPlanFromEnv, type Store } from '../../src/index.js'
import { AuthService } from '../../src/services/auth.js'
import { expectError, uniqueName } from '../conformance/helpers.js'
import { ROOT, runChatkeep } from '../support/cli.js'
import { describeEachEngine } from '../support/engines.js'

const login = async (store: Store, username: string, password: string) => {
  const auth = await AuthService.open(store, {
    access_token_ttl_s: 60,
    refresh_token_ttl_s: 60,
    jwt_secret: 'seed-test-secret-of-at-least-thirty-two-chars',
  })
  return auth.login({ username, password })
}

const userCount = async (store: Store) => {
  const row = await store.database.kysely
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describeEachEngine('chatkeep seed', (ctx) => {
  let env: Record<string, string>
  beforeAll(() => {
    env = { DATABASE_URL: ctx.database.database_url }
  })

  it('creates the admin with a generated password once; a second run changes and prints nothing secret', async () => {
    const admin = uniqueName('admin')
    const first = await runChatkeep(['seed', '--json'], { ...env, SEED_ADMIN_USERNAME: admin })
    expect(first).toMatchObject({ code: 0, stderr: '' })
    const created = JSON.parse(first.stdout) as SeedResult
    expect(created.created).toBe(1)
    expect(created.users).toEqual([
      {
        id: expect.any(String),
        username: admin,
        role: 'admin',
        status: 'created',
        password: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
        password_source: 'generated',
        notes: [],
      },
    ])
    const password = created.users[0]!.password!
    const session = await login(ctx.store, admin, password)
    expect(session.user).toMatchObject({ id: created.users[0]!.id, role: 'admin' })

    const before = await userCount(ctx.store)
    const again = await runChatkeep(['seed', '--json'], { ...env, SEED_ADMIN_USERNAME: admin })
    expect(again).toMatchObject({ code: 0, stderr: '' })
    expect(again.stdout).not.toContain(password)
    expect(JSON.parse(again.stdout)).toEqual({
      created: 0,
      users: [
        {
          id: created.users[0]!.id,
          username: admin,
          role: 'admin',
          status: 'exists',
          password: null,
          password_source: null,
          notes: [],
        },
      ],
    })
    const text = await runChatkeep(['seed'], { ...env, SEED_ADMIN_USERNAME: admin })
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`^${admin} +admin +exists *$`, 'm'))
    expect(text.stdout).not.toContain('shown this once')
    expect(await userCount(ctx.store)).toBe(before)
    // The first password still works: nothing was reset.
    await login(ctx.store, admin, password)
  })

  it('uses SEED_ADMIN_PASSWORD and SEED_USERS passwords, generating the missing ones', async () => {
    const [admin, alice, bob] = [uniqueName('root'), uniqueName('alice'), uniqueName('bob')]
    const run = await runChatkeep(['seed'], {
      ...env,
      SEED_ADMIN_USERNAME: admin.toUpperCase(),
      SEED_ADMIN_PASSWORD: 'admin password 1',
      SEED_USERS: ` ${alice} , ${bob}:bob:pass:word ,`,
    })
    expect(run).toMatchObject({ code: 0, stderr: '' })
    const lines = run.stdout.split('\n')
    expect(lines[0]).toMatch(/^username +role +status +password$/)
    expect(run.stdout).toMatch(new RegExp(`^${admin} +admin +created +\\(as given\\)$`, 'm'))
    expect(run.stdout).toMatch(new RegExp(`^${bob} +user +created +\\(as given\\)$`, 'm'))
    const aliceLine = lines.find((line) => line.startsWith(`${alice} `))!
    const alicePassword = /created +([A-Za-z0-9_-]{24})$/.exec(aliceLine)![1]!
    expect(run.stdout).toContain('shown this once')
    expect(run.stdout).not.toContain('admin password 1')
    expect(run.stdout).not.toContain('bob:pass:word')

    expect((await login(ctx.store, admin, 'admin password 1')).user.role).toBe('admin')
    expect((await login(ctx.store, bob, 'bob:pass:word')).user.role).toBe('user')
    expect((await login(ctx.store, alice, alicePassword)).user.role).toBe('user')
  })

  it('never changes an existing user: role and password stay, and it says so', async () => {
    const name = uniqueName('boss')
    const { user } = await (async () => {
      const auth = await AuthService.open(ctx.store, {
        access_token_ttl_s: 60,
        refresh_token_ttl_s: 60,
        jwt_secret: 'seed-test-secret-of-at-least-thirty-two-chars',
      })
      return auth.register({ username: name, password: 'the original one' })
    })()
    const run = await runChatkeep(['seed'], {
      ...env,
      SEED_ADMIN_USERNAME: name,
      SEED_ADMIN_PASSWORD: 'a brand new password',
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^${name} +user +exists *$`, 'm'))
    expect(run.stderr).toContain(`note: ${name} has the role user, not admin; left as it is`)
    expect(run.stderr).toContain('the password given was not applied')
    expect((await ctx.store.users.get(user.id)).role).toBe('user')
    await login(ctx.store, name, 'the original one')
    await expectError(login(ctx.store, name, 'a brand new password'), 'unauthorized')
  })

  it('refuses a bad SEED_USERS before writing anything', async () => {
    const before = await userCount(ctx.store)
    const admin = uniqueName('admin')
    const cases: [Record<string, string>, string][] = [
      [{ SEED_USERS: 'ok_name,not a name' }, '/SEED_USERS/1'],
      [{ SEED_USERS: `twice,TWICE` }, '/SEED_USERS/1'],
      [{ SEED_USERS: 'shorty:abc' }, '/SEED_USERS/0: the password must be at least 8'],
      [{ SEED_ADMIN_PASSWORD: 'short' }, '/SEED_ADMIN_PASSWORD: the password must be at least 8'],
      [{ SEED_USERS: admin }, `${admin} is listed twice`],
    ]
    for (const [extra, message] of cases) {
      const run = await runChatkeep(['seed'], { ...env, SEED_ADMIN_USERNAME: admin, ...extra })
      expect(run.code, message).toBe(1)
      expect(run.stdout).toBe('')
      expect(run.stderr).toMatch(/^error \[invalid_config\]: /)
      expect(run.stderr).toContain(message)
      expect(run.stderr).not.toContain('abc')
    }
    expect(await userCount(ctx.store)).toBe(before)
    const usage = await runChatkeep(['seed', 'extra'], env)
    expect(usage.code).toBe(2)
  })

  it('seeds each user exactly once when two seeds race', async () => {
    const plan = seedPlanFromEnv({
      SEED_ADMIN_USERNAME: uniqueName('admin'),
      SEED_USERS: [uniqueName('a'), uniqueName('b'), uniqueName('c')].join(','),
    })
    const second = await ctx.open()
    const results = await Promise.all([seed(ctx.store, plan), seed(second, plan)])
    for (const [i, entry] of plan.entries()) {
      const outcomes = results.map((r) => r.users[i]!)
      expect(outcomes.map((u) => u.status).sort(), entry.username).toEqual(['created', 'exists'])
      expect(outcomes[0]!.id).toBe(outcomes[1]!.id)
      const password = outcomes.find((u) => u.status === 'created')!.password!
      await login(ctx.store, entry.username, password)
    }
  })

  it('a seed killed at any point leaves all of its users or none', async () => {
    const names = Array.from({ length: 12 }, () => uniqueName('k'))
    const childEnv = {
      ...process.env,
      DATABASE_URL: ctx.database.database_url,
      SEED_ADMIN_USERNAME: names[0]!,
      SEED_USERS: names.slice(1).join(','),
    }
    const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli/main.ts`, 'seed'], {
      cwd: ROOT,
      env: childEnv,
      stdio: 'ignore',
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    // Twelve argon2 hashes take a while: the kill lands before, during or after the commit.
    await sleep(1500 + Math.random() * 1500)
    child.kill('SIGKILL')
    await exited
    const present = await ctx.store.database.kysely
      .selectFrom('users')
      .select('username')
      .where('username', 'in', names)
      .execute()
    expect([0, names.length]).toContain(present.length)
    const rerun = await seed(ctx.store, seedPlanFromEnv(childEnv))
    expect(rerun.users.map((u) => u.username)).toEqual(names)
    expect(rerun.created).toBe(names.length - present.length)
  })

  it('checks library input like the environment', async () => {
    await expectError(
      seed(ctx.store, [{ username: 'fine_name', role: 'user', password: 'short' }]),
      'validation_failed',
      '/users/0/password',
    )
    await expectError(
      seed(ctx.store, [{ username: '', role: 'user' }]),
      'validation_failed',
      '/users/0/username',
    )
  })
})
