import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatkeepError, type NewMessage, openStore, type Store } from '../../src/index.js'
import {
  createTestDatabase,
  describeOnEngine,
  PG_ADMIN_URL,
  type TestDatabase,
} from '../support/engines.js'
import { countRows, expectChatkeepError, userWithConversation } from './helpers.js'

const turns = (n: number, size: number): NewMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `${i} ${'x'.repeat(size)}`,
  }))

/**
 * Appends batches until the database refuses one; returns the error and the messages stored.
 * The append that fails must fail as a whole.
 */
async function fillUp(store: Store, conversationId: string, size: number) {
  let stored = 0
  for (let round = 0; round < 1000; round++) {
    try {
      stored += (await store.messages.appendMany(conversationId, turns(50, size))).length
    } catch (error) {
      return { error, stored }
    }
  }
  return expect.fail('the database never filled up')
}

/**
 * A full disk is an expected failure: storage_full for writes, reads go on, nothing lost.
 * Returns how many messages the conversation holds (`before` of them were there already).
 */
async function expectFullAndReadable(
  store: Store,
  conversationId: string,
  size: number,
  before: number,
) {
  const filled = await fillUp(store, conversationId, size)
  const { error } = filled
  const stored = before + filled.stored
  expectChatkeepError(error)
  expect({ code: error.code, status: error.status, retriable: error.retriable }).toEqual({
    code: 'storage_full',
    status: 503,
    retriable: false,
  })
  expect(error.message).toMatch(/out of disk space/)
  // Reads still work, and everything acknowledged is there, counters included.
  const conversation = await store.conversations.get(conversationId)
  expect(conversation.message_count).toBe(stored)
  expect(await countRows(store, 'messages', { conversation_id: conversationId })).toBe(stored)
  const last = await store.messages.lastN(conversationId, 5)
  expect(last.at(-1)?.sequence).toBe(stored)
  return stored
}

describeOnEngine('a full disk', 'sqlite', (ctx) => {
  it('refuses writes with storage_full, keeps answering reads, and loses nothing', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'first' })
    // The database may grow by a few pages only: then it is full for real (SQLITE_FULL).
    const { rows } = await sql<{
      n: number
    }>`select page_count as n from pragma_page_count()`.execute(ctx.store.database.kysely)
    await sql.raw(`pragma max_page_count = ${rows[0]!.n + 20}`).execute(ctx.store.database.kysely)
    const stored = await expectFullAndReadable(ctx.store, conversation.id, 2000, 1)
    await sql.raw('pragma max_page_count = 1073741823').execute(ctx.store.database.kysely)
    const next = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'after',
    })
    expect(next.sequence).toBe(stored + 1)
  })
})

const MOUNT_POINT_PARENT = tmpdir()

/** Whether this process may mount a tmpfs (root on a machine that allows it). */
function canMount(): boolean {
  const dir = mkdtempSync(join(MOUNT_POINT_PARENT, 'ck-mount-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' })
    execFileSync('umount', [dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('a full disk [postgres]', () => {
  let database: TestDatabase
  let store: Store
  beforeAll(async () => {
    database = await createTestDatabase('postgres')
    store = await openStore({ database_url: database.database_url, migrate: true })
  })
  afterAll(async () => {
    await store?.close()
    await database?.drop()
  })

  const mountable = canMount()
  if (!mountable) {
    console.warn(
      'storage-full [postgres]: this process cannot mount a tmpfs, so the real full-disk case ' +
        'is not run here; the classification of a real 53100 is still tested.',
    )
  }

  it.runIf(mountable)(
    'refuses writes with storage_full when the tablespace volume is full, keeps answering reads, and loses nothing',
    async () => {
      const dir = mkdtempSync(join(MOUNT_POINT_PARENT, 'ck-full-'))
      const tablespace = `ck_full_${process.pid}`
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
      await admin.connect()
      let mounted = false
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir])
        mounted = true
        const { uid, gid } = pgOwner()
        chownSync(dir, uid, gid)
        await admin.query(`create tablespace ${tablespace} location '${dir}'`)
        const { conversation } = await userWithConversation(store)
        await store.messages.append(conversation.id, { role: 'user', content: 'first' })
        await sql
          .raw(`alter table messages set tablespace ${tablespace}`)
          .execute(store.database.kysely)
        const stored = await expectFullAndReadable(store, conversation.id, 1000, 1)
        execFileSync('mount', ['-o', 'remount,size=16m', dir])
        const next = await store.messages.append(conversation.id, {
          role: 'user',
          content: 'after',
        })
        expect(next.sequence).toBe(stored + 1)
      } finally {
        if (mounted) {
          execFileSync('mount', ['-o', 'remount,size=16m', dir])
          await sql`alter table messages set tablespace pg_default`.execute(store.database.kysely)
        }
        await admin.query(`drop tablespace if exists ${tablespace}`).catch(() => {})
        await admin.end()
        if (mounted) execFileSync('umount', ['-l', dir])
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )

  it('classifies a real 53100 as storage_full, and 53200 (out of memory) as not', async () => {
    const { conversation } = await userWithConversation(store)
    const db = store.database.kysely
    await sql`create function ck_refuse() returns trigger language plpgsql as $$
      begin
        if new.content = 'disk' then raise sqlstate '53100' using message = 'could not extend file: No space left on device'; end if;
        if new.content = 'memory' then raise sqlstate '53200' using message = 'out of memory'; end if;
        return new;
      end $$`.execute(db)
    await sql`create trigger ck_refuse before insert on messages for each row execute function ck_refuse()`.execute(
      db,
    )
    try {
      const attempt = async (content: string) => {
        try {
          await store.messages.append(conversation.id, { role: 'user', content })
        } catch (error) {
          return error as ChatkeepError
        }
        return expect.fail(`append of ${content} did not fail`)
      }
      const disk = await attempt('disk')
      expectChatkeepError(disk)
      expect({ code: disk.code, retriable: disk.retriable }).toEqual({
        code: 'storage_full',
        retriable: false,
      })
      const memory = await attempt('memory')
      expectChatkeepError(memory)
      expect(memory.code).toBe('unavailable')
      expect(await countRows(store, 'messages', { conversation_id: conversation.id })).toBe(0)
    } finally {
      await sql`drop trigger ck_refuse on messages`.execute(db)
      await sql`drop function ck_refuse()`.execute(db)
    }
  })
})

function pgOwner(): { uid: number; gid: number } {
  const [uid, gid] = execFileSync('sh', ['-c', 'id -u postgres; id -g postgres'])
    .toString()
    .trim()
    .split('\n')
    .map(Number)
  return { uid: uid!, gid: gid! }
}
