import { existsSync, writeFileSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/config/store-config.js'
import { MIGRATIONS } from '../../src/db/migrations/index.js'
import { openDatabase } from '../../src/db/open.js'
import { chatkeep, runChatkeep } from '../support/cli.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'

const NAMES = Object.keys(MIGRATIONS)
const LATEST = NAMES.at(-1)!

const lines = (text: string) => text.trimEnd().split('\n')

describe('chatkeep (no database)', () => {
  test('--help lists the commands and exits 0', async () => {
    const run = await chatkeep(['--help'])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/^Usage: chatkeep <command>/)
    expect(run.stdout).toMatch(/^ {2}migrate +Apply, revert and inspect/m)
  })

  test('migrate --help exits 0 with the actions', async () => {
    const run = await chatkeep(['migrate', '--help'])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    for (const action of ['up', 'down --to NAME', 'current', 'history', 'status', '--json']) {
      expect(run.stdout).toContain(action)
    }
  })

  test('an unknown command prints the usage to stderr and exits 2', async () => {
    const run = await chatkeep(['frobnicate'])
    expect(run).toMatchObject({ code: 2, stdout: '' })
    expect(lines(run.stderr)[0]).toBe("chatkeep: unknown command 'frobnicate'")
    expect(run.stderr).toContain('Usage: chatkeep <command>')
  })

  test('an unknown flag, a missing action or a misplaced --to exits 2 with the usage', async () => {
    const cases = [
      ['--bogus'],
      ['migrate', 'up', '--bogus'],
      ['migrate'],
      ['migrate', 'sideways'],
      ['migrate', 'up', '--to', LATEST],
      ['migrate', 'up', '--json'],
    ]
    const runs = await Promise.all(cases.map((args) => chatkeep(args)))
    runs.forEach((run, i) => {
      expect(run.code, cases[i]!.join(' ')).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr).toContain('Usage: chatkeep')
    })
  })
})

for (const engine of ENGINES) {
  describe(`chatkeep migrate [${engine}]`, () => {
    let database: TestDatabase
    const migrate = (...args: string[]) =>
      runChatkeep(['migrate', ...args, '--database-url', database.database_url])

    beforeAll(async () => {
      database = await createTestDatabase(engine)
    })
    afterAll(async () => {
      await database?.drop()
    })

    test('status on an empty database says pending; up applies every migration', async () => {
      if (engine === 'sqlite') {
        const missing = await migrate('status')
        expect(missing.code).toBe(1)
        expect(missing.stderr).toMatch(/^error \[not_found\]: There is no SQLite database at /)
        expect(existsSync(database.database_url)).toBe(false)
        writeFileSync(database.database_url, '')
      }
      const before = await migrate('status')
      expect(before).toMatchObject({ code: 0, stderr: '' })
      expect(lines(before.stdout)[0]).toMatch(new RegExp(`^${NAMES.length} pending migration`))
      expect(before.stdout).toContain(LATEST)

      const up = await migrate('up')
      expect(up).toMatchObject({ code: 0, stderr: '' })
      expect(lines(up.stdout)).toEqual(NAMES.map((name) => `Applied ${name}`))

      const after = await migrate('status')
      expect(after).toMatchObject({ code: 0, stdout: `Up to date at ${LATEST}.\n` })
      expect((await migrate('up')).stdout).toBe(`Already up to date at ${LATEST}.\n`)
    })

    test('current prints the current migration', async () => {
      expect(await migrate('current')).toEqual({ code: 0, stdout: `${LATEST}\n`, stderr: '' })
      const json = await migrate('current', '--json')
      expect(JSON.parse(json.stdout)).toEqual({ current: LATEST, unknown: [] })
    })

    test('down reverts the last migration, status shows it pending, up applies it', async () => {
      const down = await migrate('down')
      expect(down).toEqual({ code: 0, stdout: `Reverted ${LATEST}\n`, stderr: '' })

      const status = await migrate('status', '--json')
      expect(status.code).toBe(0)
      expect(JSON.parse(status.stdout)).toMatchObject({ state: 'pending', pending: [LATEST] })
      expect((await migrate('current')).stdout).toBe(`${NAMES.at(-2) ?? '(none)'}\n`)

      const up = await migrate('up')
      expect(up).toEqual({ code: 0, stdout: `Applied ${LATEST}\n`, stderr: '' })
    })

    test('down --to NAME keeps NAME; down --to 0 reverts everything', async () => {
      const keep = await migrate('down', '--to', LATEST)
      expect(keep).toEqual({
        code: 0,
        stdout: `Nothing to revert: ${LATEST} is the current migration.\n`,
        stderr: '',
      })

      const all = await migrate('down', '--to', '0')
      expect(all.code).toBe(0)
      expect(lines(all.stdout)).toEqual([...NAMES].reverse().map((name) => `Reverted ${name}`))
      expect((await migrate('current')).stdout).toBe('(none)\n')

      const unknown = await migrate('down', '--to', 'no-such-migration')
      expect(unknown).toMatchObject({ code: 1, stdout: '' })
      expect(lines(unknown.stderr)).toEqual([
        expect.stringMatching(
          /^error \[validation_failed\]: There is no migration named no-such-migration/,
        ),
      ])
      expect((await migrate('up')).code).toBe(0)
    })

    test.runIf(NAMES.length > 1)('down --to the first migration reverts the rest', async () => {
      const first = NAMES[0]!
      const down = await migrate('down', '--to', first)
      expect(down.code).toBe(0)
      expect(lines(down.stdout)).toEqual(
        NAMES.slice(1)
          .reverse()
          .map((name) => `Reverted ${name}`),
      )
      expect((await migrate('current')).stdout).toBe(`${first}\n`)

      // --to never applies: a pending target is an error, not a migration up.
      const pending = await migrate('down', '--to', LATEST)
      expect(pending).toMatchObject({ code: 1, stdout: '' })
      expect(lines(pending.stderr)).toEqual([
        expect.stringMatching(/^error \[validation_failed\]: .* is not applied/),
      ])
      expect((await migrate('current')).stdout).toBe(`${first}\n`)
      expect((await migrate('up')).code).toBe(0)
    })

    test('history --json lists every migration with the time it was applied', async () => {
      const run = await migrate('history', '--json')
      expect(run).toMatchObject({ code: 0, stderr: '' })
      const history = JSON.parse(run.stdout) as {
        migrations: { name: string; applied_at: string | null }[]
        unknown: string[]
      }
      expect(history.migrations.map((m) => m.name)).toEqual(NAMES)
      for (const m of history.migrations) {
        expect(new Date(m.applied_at!).toISOString()).toBe(m.applied_at)
      }
      expect(history.unknown).toEqual([])
      expect(lines((await migrate('history')).stdout)).toEqual(
        history.migrations.map((m) =>
          expect.stringMatching(new RegExp(`^${m.name} +${m.applied_at}$`)),
        ),
      )
    })

    test('a database migrated by a newer Chatkeep: status exits 1, up refuses', async () => {
      const future = '2999-01-01-01-from-the-future'
      const db = await openDatabase(resolveConfig({ database_url: database.database_url }))
      try {
        const now = new Date().toISOString()
        await sql`insert into chatkeep_migration (name, timestamp) values (${future}, ${now})`.execute(
          db.kysely,
        )
        // None of these writes, so they can run side by side.
        const [status, json, up] = await Promise.all([
          migrate('status'),
          migrate('status', '--json'),
          migrate('up'),
        ])
        expect(status.code).toBe(1)
        expect(status.stdout).toMatch(
          /^The database is newer than this code: .*2999-01-01-01-from-the-future/,
        )
        expect(json.code).toBe(1)
        expect(JSON.parse(json.stdout)).toMatchObject({
          state: 'newer_than_code',
          unknown: [future],
        })
        expect(up.code).toBe(1)
        expect(lines(up.stderr)).toEqual([expect.stringMatching(/^error \[schema_too_new\]: /)])
      } finally {
        await sql`delete from chatkeep_migration where name = ${future}`.execute(db.kysely)
        await db.close()
      }
    })

    test('a bad setting exits 1 with one line naming the variable', async () => {
      const run = await chatkeep(['migrate', 'status'], {
        DATABASE_URL: database.database_url,
        DATABASE_POOL_SIZE: 'abc',
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toBe('')
      expect(lines(run.stderr)).toEqual([
        'error [invalid_config]: DATABASE_POOL_SIZE must be a whole number (0 or more); got "abc".',
      ])
    })

    test('DATABASE_URL from the environment works, and --database-url overrides it', async () => {
      const fromEnv = await chatkeep(['migrate', 'current'], {
        DATABASE_URL: database.database_url,
      })
      expect(fromEnv).toEqual({ code: 0, stdout: `${LATEST}\n`, stderr: '' })
      const overridden = await chatkeep(
        ['migrate', 'current', '--database-url', database.database_url],
        { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing' },
      )
      expect(overridden).toEqual({ code: 0, stdout: `${LATEST}\n`, stderr: '' })
    })
  })
}
