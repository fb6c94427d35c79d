/**
 * `chatkeep backup` and `chatkeep restore` on both engines: a backup taken while another process
 * appends is one consistent moment of the database and restores to it; a damaged, newer or
 * foreign backup is refused and changes nothing; backup_logs records every backup, failed ones
 * included; pruning keeps BACKUP_KEEP; and a restore SIGKILLed midway leaves the old database
 * or the new one, never a mix.
 */
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { basename, join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TABLES } from '../../src/db/schema.js'
import { openStore, type Store } from '../../src/index.js'
import type { BackupManifest } from '../../src/operations/backup/manifest.js'
import { specOf } from '../../src/operations/logical/format.js'
import { expectConsistent, readConversation, startAppendWorker } from '../support/appends.js'
import { runChatkeep } from '../support/cli.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'
import { mountTmpfs, tmpfsUnavailable } from '../support/tmpfs.js'
import { startWorker } from '../support/workers.js'
import { testApp } from '../server/test-app.js'

type Loose = Kysely<Record<string, Record<string, unknown>>>

/** Every table but backup_logs, which a restore keeps across on purpose. */
const DATA_TABLES = TABLES.filter((t) => t !== 'backup_logs')

/** The audit rows the commands under test write of themselves (via cli), after their work. */
const CLI_ROWS = ['backup.create', 'backup.restore']

const isCliRow = (row: Record<string, unknown>) => {
  const details = (
    typeof row.details === 'string' ? JSON.parse(row.details) : row.details
  ) as Record<string, unknown>
  return details.via === 'cli' && CLI_ROWS.includes(row.action as string)
}

/**
 * Every row of every data table, in key order: two equal results mean two equal databases. The
 * audit rows that `chatkeep backup` and `chatkeep restore` add once they are done are left out:
 * a restore brings back the database as it was, and then records that it did.
 */
async function contents(store: Store): Promise<Record<string, unknown[]>> {
  const db = store.database.kysely as unknown as Loose
  const out: Record<string, unknown[]> = {}
  for (const table of DATA_TABLES) {
    const rows = await db.selectFrom(table).selectAll().orderBy(specOf(table).key).execute()
    out[table] = table === 'audit_events' ? rows.filter((row) => !isCliRow(row)) : rows
  }
  return out
}

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex')

async function contentsOf(url: string): Promise<Record<string, unknown[]>> {
  const store = await openStore({ database_url: url })
  try {
    return await contents(store)
  } finally {
    await store.close()
  }
}

/** Users, conversations (one soft-deleted), messages with JSON, a document with chunks. */
async function seed(store: Store, tag: string, messages = 12): Promise<string[]> {
  const user = await store.users.create({
    username: `${tag}_${Math.random().toString(36).slice(2, 8)}`,
  })
  const ids: string[] = []
  for (let c = 0; c < 3; c++) {
    const conversation = await store.conversations.create({
      user_id: user.id,
      title: `${tag} ${c}`,
      metadata: { tags: ['backup', tag], n: c },
    })
    ids.push(conversation.id)
    await store.messages.appendMany(
      conversation.id,
      Array.from({ length: messages }, (_, i) => ({
        role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: `${tag} conversation ${c} message ${i} ✓`,
        tokens_used: i + 1,
        metadata: { latency_ms: i * 10 },
      })),
    )
  }
  await store.conversations.delete(ids[2]!)
  await store.documents.ingest({
    user_id: user.id,
    title: `${tag} doc`,
    chunks: [{ content: `${tag} chunk one` }, { content: `${tag} chunk two` }],
  })
  return ids
}

/**
 * Conversations of messages that do not compress much (hex digests): the bulk of the file is
 * then data, not schema, and copying it takes many steps.
 */
async function bulk(store: Store, conversations: number, messages: number): Promise<void> {
  const user = await store.users.create({
    username: `bulk_${Math.random().toString(36).slice(2, 8)}`,
  })
  const noise = () => createHash('sha512').update(Math.random().toString()).digest('hex')
  for (let c = 0; c < conversations; c++) {
    const { id } = await store.conversations.create({ user_id: user.id })
    for (let done = 0; done < messages; done += 100) {
      await store.messages.appendMany(
        id,
        Array.from({ length: Math.min(100, messages - done) }, () => ({
          role: 'user' as const,
          content: noise().repeat(12),
          tokens_used: 3,
        })),
      )
    }
  }
}

/** Messages that do not compress (random base64): a backup is about as big as the data. */
async function incompressible(store: Store, messages: number): Promise<void> {
  const user = await store.users.create({
    username: `noise_${Math.random().toString(36).slice(2, 8)}`,
  })
  const { id } = await store.conversations.create({ user_id: user.id })
  for (let done = 0; done < messages; done += 100) {
    await store.messages.appendMany(
      id,
      Array.from({ length: Math.min(100, messages - done) }, () => ({
        role: 'user' as const,
        content: randomBytes(1200).toString('base64'),
      })),
    )
  }
}

const lines = (text: string) => text.trimEnd().split('\n')

/** A full disk needs a file system of its own: a tmpfs, which only root may mount. */
const NO_TMPFS = tmpfsUnavailable()
if (NO_TMPFS !== undefined) {
  console.warn(
    `backup.test.ts: cannot mount a tmpfs (${NO_TMPFS}), so the full-disk backups are not ` +
      'tested here; run the suite as root to test them.',
  )
}

/** The backup files (not manifests or checksums) directly in `dir`. */
const backupFiles = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).filter((n) => /^chatkeep-.*\.(gz|dump)$/.test(n)) : []

const readManifest = (file: string) =>
  JSON.parse(readFileSync(`${file}.json`, 'utf8')) as BackupManifest

/** A copy of a backup (and its manifest) under another name in the same folder. */
function copyBackup(file: string, suffix: string, edit?: (bytes: Buffer) => Buffer): string {
  const name = file.replace(/(\.db\.gz|\.dump|\.jsonl\.gz)$/, `-${suffix}$1`)
  const bytes = readFileSync(file)
  writeFileSync(name, edit ? edit(Buffer.from(bytes)) : bytes)
  const manifest = readManifest(file)
  writeFileSync(`${name}.json`, JSON.stringify({ ...manifest, file: basename(name) }))
  return name
}

function rehash(file: string): void {
  const bytes = readFileSync(file)
  const manifest = readManifest(file)
  manifest.sha256 = createHash('sha256').update(bytes).digest('hex')
  manifest.file_size_bytes = bytes.length
  writeFileSync(`${file}.json`, JSON.stringify(manifest))
}

/**
 * PostgreSQL finishes what a killed client already sent; wait until no connection of the given
 * application name is left on the database, so nothing lands while the test looks.
 */
async function backendsGone(store: Store, application: string): Promise<void> {
  if (store.engine !== 'postgres') return
  for (const deadline = Date.now() + 20_000; ;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${application}`.execute(
      store.database.kysely,
    )
    if (rows[0]!.n === 0) return
    if (Date.now() > deadline) throw new Error(`${application} connections are still open`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

for (const engine of ENGINES) {
  describe(`chatkeep backup and restore [${engine}]`, () => {
    const opened: { database: TestDatabase; store: Store }[] = []
    let root: string

    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'chatkeep-backups-'))
    })
    afterAll(async () => {
      for (const { database, store } of opened) {
        await store.close()
        await database.drop()
      }
      rmSync(root, { recursive: true, force: true })
    })

    /** A new migrated database with a store on it, dropped after the block. */
    async function fresh(): Promise<{ database: TestDatabase; store: Store }> {
      const database = await createTestDatabase(engine)
      const store = await openStore({ database_url: database.database_url, migrate: true })
      opened.push({ database, store })
      return { database, store }
    }

    /** An empty database (no schema at all), dropped after the block. */
    async function empty(): Promise<TestDatabase> {
      const database = await createTestDatabase(engine)
      opened.push({ database, store: { close: async () => {} } as Store })
      return database
    }

    let folders = 0
    const folder = () => join(root, `dir-${++folders}`)

    const env = (database: TestDatabase, dir: string, extra: Record<string, string> = {}) => ({
      DATABASE_URL: database.database_url,
      BACKUP_DIR: dir,
      ...extra,
    })

    async function backup(
      database: TestDatabase,
      dir: string,
      args: string[] = [],
      extra: Record<string, string> = {},
      /** What stderr says: nothing, unless the schema is not this Chatkeep's. */
      stderr = '',
    ): Promise<{ path: string; manifest: BackupManifest }> {
      const run = await runChatkeep(['backup', '--json', ...args], env(database, dir, extra))
      expect(run.stderr).toBe(stderr)
      expect(run.code).toBe(0)
      return JSON.parse(run.stdout) as { path: string; manifest: BackupManifest }
    }

    test('a backup taken while another process appends restores to one consistent moment', async () => {
      const { database, store } = await fresh()
      const user = await store.users.create({ username: 'busy' })
      const conversations = [
        (await store.conversations.create({ user_id: user.id })).id,
        (await store.conversations.create({ user_id: user.id })).id,
      ]
      const app = 'chatkeep_backup_appender'
      const url =
        engine === 'postgres'
          ? `${database.database_url}?application_name=${app}`
          : database.database_url
      const workers = conversations.map((conversation_id) =>
        startAppendWorker({
          database_url: url,
          conversation_id,
          appenders: 3,
          batch: 3,
          appends: 0,
          pause: 2,
        }),
      )
      let path: string
      const before: number[] = []
      try {
        await Promise.all(workers.map((w) => w.ready))
        workers.forEach((w) => w.go())
        await Promise.all(workers.map((w) => w.acked(40)))
        before.push(...workers.map((w) => w.acks.length))
        path = (await backup(database, folder())).path
        // The backup ran in this process: acks of appends its snapshot already held may still
        // be on their way. Past those, 40 more acks are appends made after the backup.
        await sleep(200)
        const after = workers.map((w) => w.acks.length)
        await Promise.all(workers.map((w, i) => w.acked(after[i]! + 40)))
      } finally {
        workers.forEach((w) => w.kill())
      }
      await Promise.all(workers.map((w) => w.exited))
      await backendsGone(store, app)
      const live = await Promise.all(conversations.map((id) => readConversation(store, id)))

      const run = await runChatkeep(['restore', path, '--yes'], env(database, folder()))
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/^Safety backup of the database as it was: /m)
      for (const [i, id] of conversations.entries()) {
        const restored = await readConversation(store, id)
        // Counters and rows from the same instant: message_count = the rows, sequences 1..n.
        expectConsistent(restored)
        // Everything acknowledged before the backup began is in it ...
        expect(restored.rows.length).toBeGreaterThanOrEqual(before[i]!)
        // ... and the backup is the live conversation as it was then: a prefix of it.
        expect(restored.rows).toEqual(live[i]!.rows.slice(0, restored.rows.length))
        expect(restored.rows.length).toBeLessThan(live[i]!.rows.length)
      }
    })

    for (const format of ['native', 'logical'] as const) {
      test(`a ${format} backup restores into an empty database identical to the source`, async () => {
        const { database, store } = await fresh()
        await seed(store, format)
        const source = await contents(store)
        const dir = folder()
        const { path, manifest } = await backup(database, dir, ['--format', format])
        expect(manifest.kind).toBe(
          format === 'logical' ? 'logical' : engine === 'sqlite' ? 'sqlite' : 'pg_dump',
        )
        expect(manifest.engine).toBe(engine)

        const target = await empty()
        const run = await runChatkeep(['restore', path, '--yes'], env(target, folder()))
        expect(run.stderr).toBe('')
        expect(run.code).toBe(0)
        expect(run.stdout).toContain('The database was empty: no safety backup was needed.')
        expect(digest(await contentsOf(target.database_url))).toBe(digest(source))
        expect(await contentsOf(target.database_url)).toEqual(source)

        // The restored database's log shows the backup it came from as completed.
        const restored = await openStore({ database_url: target.database_url })
        try {
          const row = await restored.database.kysely
            .selectFrom('backup_logs')
            .selectAll()
            .where('id', '=', manifest.backup_log_id!)
            .executeTakeFirstOrThrow()
          expect(row).toMatchObject({
            status: 'completed',
            sha256: manifest.sha256,
            file_size_bytes: manifest.file_size_bytes,
          })
        } finally {
          await restored.close()
        }

        // In place: the source moves on, and the restore brings it back, after a safety backup.
        await seed(store, `${format}_later`, 4)
        const again = await runChatkeep(['restore', path, '--yes'], env(database, dir))
        expect(again.stderr).toBe('')
        expect(again.code).toBe(0)
        expect(backupFiles(join(dir, 'safety'))).toHaveLength(1)
        expect(await contents(store)).toEqual(source)
      })
    }

    describe('a backup that cannot be trusted is refused and changes nothing', () => {
      let database: TestDatabase
      let store: Store
      let path: string
      let dir: string
      let before: string

      beforeAll(async () => {
        ;({ database, store } = await fresh())
        await seed(store, 'kept', 30)
        await bulk(store, 1, 300)
        dir = folder()
        path = (await backup(database, dir)).path
        // The live database moves on after the backup, so a restore would show.
        await seed(store, 'later', 3)
        before = digest(await contents(store))
      })

      const restore = async (file: string) => {
        const run = await runChatkeep(['restore', file, '--yes'], env(database, dir))
        expect(run.code, run.stdout + run.stderr).toBe(1)
        expect(run.stdout).toBe('')
        expect(lines(run.stderr)).toHaveLength(1)
        expect(digest(await contents(store))).toBe(before)
        expect(backupFiles(join(dir, 'safety')), 'no safety backup was taken').toEqual([])
        return run.stderr
      }

      test('a flipped byte', async () => {
        const file = copyBackup(path, 'flipped', (b) => {
          b[Math.floor(b.length / 2)]! ^= 0x20
          return b
        })
        expect(await restore(file)).toMatch(
          /^error \[backup_corrupt\]: .*does not match its manifest/,
        )
      })

      test('a truncated file', async () => {
        const file = copyBackup(path, 'truncated')
        truncateSync(file, Math.floor(readManifest(file).file_size_bytes * 0.7))
        expect(await restore(file)).toMatch(/^error \[backup_corrupt\]: .*does not match/)
      })

      test('a manifest whose checksum is wrong', async () => {
        const file = copyBackup(path, 'wrongsum')
        const manifest = readManifest(file)
        writeFileSync(`${file}.json`, JSON.stringify({ ...manifest, sha256: 'ab'.repeat(32) }))
        expect(await restore(file)).toMatch(/^error \[backup_corrupt\]: .*does not match/)
      })

      test('a damaged file whose manifest was rewritten to match it', async () => {
        const file = copyBackup(path, 'damaged', (b) => {
          // Inside the compressed data (pg_dump's table of contents is plain text at the start:
          // damage there is caught only by the restore itself, which then rolls back).
          const at = Math.floor(b.length * 0.9)
          for (let i = at; i < at + 16; i++) b[i] = b[i]! ^ 0xff
          return b
        })
        rehash(file)
        expect(await restore(file)).toMatch(/^error \[backup_corrupt\]: /)
      })

      test('a file without its manifest', async () => {
        const file = copyBackup(path, 'nomanifest')
        rmSync(`${file}.json`)
        expect(await restore(file)).toMatch(/^error \[backup_corrupt\]: The manifest of /)
      })

      test('a file that is not there', async () => {
        expect(await restore(join(dir, 'chatkeep-missing.db.gz'))).toMatch(/^error \[not_found\]/)
      })

      test('a backup of the other engine, pointing to export and import', async () => {
        const file = copyBackup(path, 'foreign')
        const manifest = readManifest(file)
        const other = engine === 'sqlite' ? 'postgres' : 'sqlite'
        writeFileSync(
          `${file}.json`,
          JSON.stringify({
            ...manifest,
            engine: other,
            kind: other === 'sqlite' ? 'sqlite' : 'pg_dump',
          }),
        )
        const error = await restore(file)
        expect(error).toMatch(/^error \[validation_failed\]: /)
        expect(error).toContain('chatkeep export')
        expect(error).toContain('chatkeep import')
      })

      test('without --yes: exit 2, and --check verifies without changing anything', async () => {
        const refused = await runChatkeep(['restore', path], env(database, dir))
        expect(refused.code).toBe(2)
        expect(refused.stderr).toMatch(/pass --yes to go ahead/)
        const checked = await runChatkeep(['restore', path, '--check'], env(database, dir))
        expect(checked.stderr).toBe('')
        expect(checked.code).toBe(0)
        expect(checked.stdout).toMatch(/verified, nothing changed/)
        expect(digest(await contents(store))).toBe(before)
        expect(backupFiles(join(dir, 'safety'))).toEqual([])
      })

      test('the intact backup then restores, after a safety backup of the current state', async () => {
        const run = await runChatkeep(['restore', path, '--yes'], env(database, dir))
        expect(run.stderr).toBe('')
        expect(run.code).toBe(0)
        expect(digest(await contents(store))).not.toBe(before)
        const [safety] = backupFiles(join(dir, 'safety'))
        expect(safety).toBeDefined()
        // The safety backup holds the state the restore replaced: restoring it brings it back.
        const back = await runChatkeep(
          ['restore', join(dir, 'safety', safety!), '--yes'],
          env(database, folder()),
        )
        expect(back.code, back.stderr).toBe(0)
        expect(digest(await contents(store))).toBe(before)
      })
    })

    test('a backup from a newer schema is refused, by its manifest or by its content', async () => {
      const { database, store } = await fresh()
      await seed(store, 'future')
      const db = store.database.kysely
      const future = '2999-01-01-01-from-the-future'
      await sql`insert into chatkeep_migration (name, timestamp) values (${future}, ${new Date().toISOString()})`.execute(
        db,
      )
      const dir = folder()
      const { path, manifest } = await backup(
        database,
        dir,
        [],
        {},
        // A newer Chatkeep's database is not written to, not even its audit log.
        "note: backup.create is not in the audit log: the database is not at this Chatkeep's schema (run `chatkeep migrate up` first to have it recorded).\n",
      )
      expect(manifest.schema).toBe(future)
      await sql`delete from chatkeep_migration where name = ${future}`.execute(db)
      const before = digest(await contents(store))

      const run = await runChatkeep(['restore', path, '--yes'], env(database, dir))
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/^error \[schema_too_new\]: .*upgrade Chatkeep/)

      // A manifest edited to claim a known schema: the file itself still says otherwise.
      const known = copyBackup(path, 'claims-known')
      writeFileSync(
        `${known}.json`,
        JSON.stringify({ ...readManifest(known), schema: '2026-11-25-01-data-model' }),
      )
      const second = await runChatkeep(['restore', known, '--yes'], env(database, dir))
      expect(second.code).toBe(1)
      expect(second.stderr).toMatch(/^error \[schema_too_new\]: .*2999-01-01-01-from-the-future/)
      expect(digest(await contents(store))).toBe(before)
      expect(backupFiles(join(dir, 'safety'))).toEqual([])
    })

    test('backup_logs: completed with path, size and SHA-256; pruning keeps BACKUP_KEEP', async () => {
      const { database, store } = await fresh()
      await seed(store, 'logs')
      const dir = folder()
      const made: { path: string; manifest: BackupManifest }[] = []
      for (let i = 0; i < 3; i++) made.push(await backup(database, dir, [], { BACKUP_KEEP: '2' }))

      const rows = await store.database.kysely
        .selectFrom('backup_logs')
        .selectAll()
        .orderBy('id')
        .execute()
      expect(rows).toHaveLength(3)
      for (const [i, row] of rows.entries()) {
        const { path, manifest } = made[i]!
        expect(row).toMatchObject({
          id: manifest.backup_log_id,
          backup_type: engine === 'sqlite' ? 'sqlite' : 'pg_dump',
          status: 'completed',
          file_path: path,
          file_size_bytes: manifest.file_size_bytes,
          sha256: manifest.sha256,
          error_message: null,
        })
        expect(row.completed_at! >= row.started_at).toBe(true)
      }
      // The newest two are kept, with their manifests and checksums; the log keeps all three.
      expect(backupFiles(dir).sort()).toEqual(made.slice(1).map((m) => basename(m.path)))
      expect(existsSync(`${made[0]!.path}.json`)).toBe(false)
      expect(existsSync(`${made[0]!.path}.sha256`)).toBe(false)
      for (const { path, manifest } of made.slice(1)) {
        const bytes = readFileSync(path)
        expect(bytes.length).toBe(manifest.file_size_bytes)
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256)
        expect(readFileSync(`${path}.sha256`, 'utf8')).toBe(
          `${manifest.sha256}  ${basename(path)}\n`,
        )
      }
    })

    test('GET /v1/admin/backups pages through the log, newest first, for admins only', async () => {
      const { database, store } = await fresh()
      const dir = folder()
      const first = await backup(database, dir)
      const second = await backup(database, dir)
      const blocked = join(root, `blocked-${engine}`)
      writeFileSync(blocked, '')
      expect((await runChatkeep(['backup'], env(database, join(blocked, 'x')))).code).toBe(1)

      const { app, as } = await testApp(store)
      try {
        const list = (query: string, caller: 'admin' | 'alice' = 'admin') =>
          app.inject({ method: 'GET', url: `/v1/admin/backups${query}`, headers: as(caller) })
        expect((await list('', 'alice')).statusCode).toBe(403)
        const page = await list('?limit=2')
        expect(page.statusCode).toBe(200)
        const body = page.json()
        expect(body).toMatchObject({ object: 'list', has_more: true })
        expect(body.data).toHaveLength(2)
        expect(body.data[0]).toMatchObject({ status: 'failed', file_path: null })
        expect(body.data[0].error_message).toMatch(/BACKUP_DIR/)
        expect(body.data[1]).toMatchObject({
          id: second.manifest.backup_log_id,
          status: 'completed',
          file_size_bytes: second.manifest.file_size_bytes,
          sha256: second.manifest.sha256,
        })
        const rest = (await list(`?after=${body.last_id}`)).json()
        expect(rest).toMatchObject({ has_more: false })
        expect(rest.data.map((r: { id: string }) => r.id)).toEqual([first.manifest.backup_log_id])
        expect((await list('?after=nope')).statusCode).toBe(400)
      } finally {
        await app.close()
      }
    })

    test('a backup that fails is logged as failed and leaves no file', async () => {
      const { database, store } = await fresh()
      await seed(store, 'fails')
      const blocker = join(root, `not-a-folder-${engine}`)
      writeFileSync(blocker, 'a file where BACKUP_DIR should be')
      const dir = join(blocker, 'backups')
      const run = await runChatkeep(['backup'], env(database, dir))
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/^error \[backup_failed\]: .*BACKUP_DIR/)

      const patterns: RegExp[] = [/BACKUP_DIR/]
      if (engine === 'postgres') {
        // A pg_dump that starts writing, then fails: its partial output must not survive.
        const script = join(root, 'failing-pg_dump')
        writeFileSync(
          script,
          `#!/bin/sh
if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 99.0"; exit 0; fi
head -c 100000 /dev/urandom
echo "pg_dump: error: connection lost midway" >&2
exit 1
`,
        )
        chmodSync(script, 0o755)
        const out = folder()
        const failed = await runChatkeep(['backup'], env(database, out, { PG_DUMP: script }))
        expect(failed.code).toBe(1)
        expect(failed.stderr).toMatch(/^error \[backup_failed\]: .*connection lost midway/)
        expect(readdirSync(out), 'nothing left in BACKUP_DIR').toEqual([])
        patterns.push(/connection lost midway/)
      }
      const rows = await store.database.kysely
        .selectFrom('backup_logs')
        .selectAll()
        .orderBy('id')
        .execute()
      expect(rows).toHaveLength(patterns.length)
      for (const [i, row] of rows.entries()) {
        expect(row.status).toBe('failed')
        expect(row.error_message).toMatch(patterns[i]!)
        expect(row.completed_at).not.toBeNull()
        expect(row.file_path).toBeNull()
        expect(row.sha256).toBeNull()
      }
    })

    if (engine === 'postgres') {
      test('an archive damaged where only pg_restore notices is backup_corrupt and changes nothing', async () => {
        const { database, store } = await fresh()
        await seed(store, 'toc')
        const dir = folder()
        const { path } = await backup(database, dir)
        await seed(store, 'toc_later', 3)
        const before = digest(await contents(store))
        // The archive's table of contents is plain text: a statement spoiled there still reads
        // back whole, and the manifest is made to match, so only the restore itself can tell.
        const file = copyBackup(path, 'toc', (b) => {
          const at = b.indexOf('CREATE TABLE public.messages (')
          expect(at).toBeGreaterThan(0)
          b.write('CREATE TABLX', at)
          return b
        })
        rehash(file)
        const checked = await runChatkeep(['restore', file, '--check'], env(database, dir))
        expect(checked.code, checked.stderr).toBe(0)

        const run = await runChatkeep(['restore', file, '--yes'], env(database, dir))
        expect(run.code, run.stdout + run.stderr).toBe(1)
        expect(lines(run.stderr)).toEqual([
          expect.stringMatching(
            /^error \[backup_corrupt\]: chatkeep-.*-toc\.dump reads whole but does not restore \(pg_restore failed: .*TABLX.*\): it is damaged\. The restore rolled back: nothing changed\./,
          ),
        ])
        expect(digest(await contents(store))).toBe(before)
      })
    }

    describe.skipIf(NO_TMPFS !== undefined)(
      `a backup into a full folder${NO_TMPFS === undefined ? '' : ` (not run: cannot mount a tmpfs: ${NO_TMPFS})`}`,
      () => {
        let database: TestDatabase
        let store: Store
        beforeAll(async () => {
          ;({ database, store } = await fresh())
          await incompressible(store, 400)
        })

        /** A backup into BACKUP_DIR on a tmpfs of `bytes`: refused, logged, nothing left. */
        async function fillsUp(bytes: number, args: string[] = []): Promise<void> {
          const disk = mountTmpfs(bytes)
          try {
            const dir = join(disk.dir, 'backups')
            const run = await runChatkeep(['backup', ...args], env(database, dir))
            expect(run.code, run.stdout + run.stderr).toBe(1)
            expect(lines(run.stderr)).toEqual([
              expect.stringMatching(
                /^error \[backup_failed\]: The backup failed and nothing was kept: .*The disk holding BACKUP_DIR .* is full/,
              ),
            ])
            expect(readdirSync(dir), 'nothing left in BACKUP_DIR').toEqual([])
          } finally {
            disk.unmount()
          }
          const [row] = await store.database.kysely
            .selectFrom('backup_logs')
            .selectAll()
            .orderBy('id', 'desc')
            .limit(1)
            .execute()
          expect(row).toMatchObject({ status: 'failed', file_path: null, sha256: null })
          expect(row!.error_message).toMatch(/is full/)
        }

        test(`with no room for the ${engine === 'sqlite' ? 'snapshot' : 'dump'}`, async () => {
          await fillsUp(40 * 1024)
        })

        if (engine === 'sqlite') {
          test('with room for the snapshot but not for the compressed copy beside it', async () => {
            const [{ pages, size }] = (
              await sql<{ pages: number; size: number }>`select
                (select page_count from pragma_page_count()) -
                (select freelist_count from pragma_freelist_count()) as pages,
                (select page_size from pragma_page_size()) as size`.execute(store.database.kysely)
            ).rows as [{ pages: number; size: number }]
            await fillsUp(Math.ceil(pages * size * 1.2))
          })
        } else {
          test('through the logical fallback', async () => {
            await fillsUp(40 * 1024, ['--format', 'logical'])
          })
        }
      },
    )

    test('a restore killed midway leaves the old database or the new one, never a mix', async () => {
      const { database, store } = await fresh()
      // Enough pages (SQLite) or archive bytes (pg_dump) for the copy to take many steps.
      await bulk(store, 4, 600)
      const dir = folder()
      const { path } = await backup(database, dir)
      const backedUp = digest(await contents(store))
      // The live database then changes: a new user, more messages, a deleted conversation.
      const later = await seed(store, 'after_backup', 5)
      await store.conversations.delete(later[0]!)
      const current = digest(await contents(store))
      expect(current).not.toBe(backedUp)

      const app = 'chatkeep_killed_restore'
      const url =
        engine === 'postgres'
          ? `${database.database_url}?application_name=${app}`
          : database.database_url
      const worker = startWorker('restore-worker.ts', [
        '--url',
        url,
        '--file',
        path,
        '--dir',
        dir,
        '--slow',
        '150',
      ])
      try {
        // Well inside the copy: some of it done, more to come.
        await worker.waitForLines(/^progress [1-9]\d* \d+$/, 2)
        worker.kill()
      } finally {
        worker.kill()
      }
      const exit = await worker.exited
      expect(exit.signal, exit.stdout + exit.stderr).toBe('SIGKILL')
      expect(exit.stdout).toMatch(/^stage restoring$/m)
      expect(exit.stdout).not.toMatch(/^(done|error)/m)
      // pg_restore, left alone, reads a cut-off archive and rolls back; wait for it to go.
      await backendsGone(store, 'pg_restore')

      const after = await openStore({ database_url: database.database_url })
      try {
        if (engine === 'sqlite') {
          const [check] = await sql<{ integrity_check: string }>`pragma integrity_check`
            .execute(after.database.kysely)
            .then((r) => r.rows)
          expect(check!.integrity_check).toBe('ok')
        }
        const state = digest(await contents(after))
        expect([current, backedUp]).toContain(state)
        // The old state, in practice: the copy commits only at its very end.
        expect(state).toBe(current)
      } finally {
        await after.close()
      }

      // Run again to the end, the restore completes.
      const run = await runChatkeep(['restore', path, '--yes'], env(database, dir))
      expect(run.code, run.stderr).toBe(0)
      expect(digest(await contentsOf(database.database_url))).toBe(backedUp)
    })
  })
}
