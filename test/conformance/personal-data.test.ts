/**
 * A person's rights over their data: everything of a user as one checked archive that imports
 * back to the same conversations, and an erasure that leaves nothing of theirs — rows, transcript
 * files, cached responses — unless a legal hold stops it, and that a failure part-way cannot
 * leave half done.
 */
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { PassThrough } from 'node:stream'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  createStore,
  importDatabase,
  openStore,
  ResponseCache,
  type Store,
} from '../../src/index.js'
import { openUserArchive } from '../../src/operations/personal-data/archive.js'
import { AuthService } from '../../src/services/auth.js'
import { conversationDigest } from '../../src/operations/personal-data/digest.js'
import { createTestDatabase, describeEachEngine } from '../support/engines.js'
import { countRows, createUser, expectError, uniqueName } from './helpers.js'

const PROMPT = { model: 'gpt-4o', prompt: 'What is a tree?', parameters: {} }

describeEachEngine('per-user export and erasure', (ctx) => {
  let root: string
  let store: Store
  let auth: AuthService

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'chatkeep-privacy-'))
    store = createStore(ctx.store.database, { transcript_dir: join(root, 'transcripts') })
    auth = await AuthService.open(store, {
      access_token_ttl_s: 3600,
      refresh_token_ttl_s: 86_400,
      jwt_secret: 'test-secret-of-at-least-thirty-two-characters',
    })
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  /** A user with a login, an API key, a branched conversation, feedback, a document, a transcript and a cached answer. */
  async function person() {
    const username = uniqueName('ada')
    const login = await auth.register({ username, password: 'correct horse battery' })
    const user = login.user
    await auth.createApiKey(user.id, 'user', { name: 'laptop' })
    const mine = store.forUser(user.id)
    const chat = await mine.conversations.create({ title: 'Trees' })
    const question = await mine.messages.append(chat.id, {
      role: 'user',
      content: 'What is a tree?',
    })
    const first = await mine.messages.append(chat.id, { role: 'assistant', content: 'A plant.' })
    await mine.messages.regenerate(first.id, { content: 'A connected graph without cycles.' })
    await mine.messages.setFeedback(first.id, -1, 'wrong sense')
    await mine.messages.edit(question.id, { content: 'What is a tree in graph theory?' })
    const second = await mine.conversations.create({ title: 'Second' })
    await mine.messages.append(second.id, { role: 'user', content: 'hello' })
    const { document } = await store.documents.ingest({
      user_id: user.id,
      title: 'notes',
      chunks: [{ content: 'trees have leaves' }, { content: 'graphs have edges' }],
    })
    const transcript = await mine.transcripts.create(chat.id, { format: 'markdown' })
    const responses = new ResponseCache(store.cache)
    await responses.store(user.id, { ...PROMPT, response: { text: 'cached' } })
    return {
      user,
      chat,
      document,
      transcript,
      file: store.transcripts.location(transcript),
      responses,
    }
  }

  async function exportToFile(user_id: string): Promise<string> {
    const path = join(root, `${user_id}.zip`)
    const out = createWriteStream(path)
    await store.privacy.export(user_id, out)
    out.end()
    await finished(out)
    return path
  }

  it("exports everything of the user and nothing of anyone else's, with no secrets, and it imports back into an empty database", async () => {
    const ada = await person()
    const other = await person()
    const path = await exportToFile(ada.user.id)
    const archive = await openUserArchive(path)
    const { manifest } = archive

    expect(manifest).toMatchObject({
      format: 'chatkeep-user-export',
      user_id: ada.user.id,
      username: ada.user.username,
      engine: ctx.engine,
    })
    expect(manifest.counts).toMatchObject({
      users: 1,
      conversations: 2,
      messages: 5,
      documents: 1,
      document_chunks: 2,
      transcripts: 1,
      api_keys: 0,
      refresh_tokens: 0,
    })
    expect(manifest.counts.auth_sessions).toBeGreaterThanOrEqual(1)
    expect(manifest.conversations.map((c) => c.messages).sort()).toEqual([1, 4])

    const chunks: Buffer[] = []
    for await (const chunk of archive.rows()) chunks.push(chunk)
    const text = Buffer.concat(chunks).toString('utf8')
    expect(text).toContain('A connected graph without cycles.')
    expect(text).toContain('wrong sense')
    expect(text).not.toContain(other.user.id)
    expect(text).not.toContain('"password_hash":"')
    expect(text).not.toContain('"key_hash"')
    expect(text).not.toContain('"token_hash"')

    const empty = await createTestDatabase(ctx.engine)
    const copy = await openStore({ database_url: empty.database_url, migrate: true })
    try {
      const summary = await importDatabase(copy.database, archive.rows())
      expect(summary.tables.messages.inserted).toBe(5)
      for (const expected of manifest.conversations) {
        const conversation = await copy.conversations.get(expected.id)
        const digest = await conversationDigest(
          copy.database,
          async (query) => (await copy.database.kysely.executeQuery(query)).rows as never,
          null,
          conversation,
        )
        expect(digest).toEqual({ messages: expected.messages, sha256: expected.sha256 })
      }
      const path = await copy.messages.path(ada.chat.id)
      expect(path.map((m) => m.content)).toEqual(['What is a tree in graph theory?'])
      expect((await copy.users.get(ada.user.id)).username).toBe(ada.user.username)
    } finally {
      await copy.close()
      await empty.drop()
    }
  })

  it('refuses a damaged archive before importing a row of it', async () => {
    const ada = await person()
    const path = await exportToFile(ada.user.id)
    const bytes = readFileSync(path)
    // A byte inside chatkeep.jsonl's stored data: its name ends the first local header.
    const at = bytes.indexOf('chatkeep.jsonl') + 'chatkeep.jsonl'.length + 40
    const tampered = Buffer.from(bytes)
    tampered[at] = tampered[at]! ^ 0x01
    writeFileSync(join(root, 'tampered.zip'), tampered)
    await expectError(openUserArchive(join(root, 'tampered.zip')), 'validation_failed')
    writeFileSync(join(root, 'cut.zip'), bytes.subarray(0, bytes.length - 100))
    await expectError(openUserArchive(join(root, 'cut.zip')), 'validation_failed')
  })

  it('an export whose output breaks part-way fails, and the database goes on', async () => {
    const ada = await person()
    const out = new PassThrough({ highWaterMark: 16 })
    out.once('data', () => out.destroy(new Error('client went away')))
    await expect(store.privacy.export(ada.user.id, out)).rejects.toThrow()
    await store.messages.append(ada.chat.id, { role: 'user', content: 'still writable' })
    await expectError(store.privacy.export(randomUUID(), new PassThrough()), 'not_found')
  })

  it('erasure removes every row, transcript file and cached copy of the user, and reports it', async () => {
    const admin = await createUser(store, 'admin')
    const ada = await person()
    const bob = await person()
    expect(existsSync(ada.file)).toBe(true)

    const report = await store.privacy.erase(ada.user.id, { user_id: admin.id })
    expect(report).toMatchObject({
      user_id: ada.user.id,
      username: ada.user.username,
      requested_by: admin.id,
      counts: {
        conversations: 2,
        messages: 5,
        documents: 1,
        document_chunks: 2,
        transcripts: 1,
        api_keys: 1,
        refresh_tokens: 1,
      },
    })
    for (const table of [
      'conversations',
      'messages',
      'documents',
      'transcripts',
      'auth_sessions',
      'api_keys',
    ]) {
      expect(await countRows(store, table, { user_id: ada.user.id })).toBe(0)
    }
    expect(await countRows(store, 'users', { id: ada.user.id })).toBe(0)
    expect(await countRows(store, 'document_chunks', { document_id: ada.document.id })).toBe(0)
    expect(existsSync(ada.file)).toBe(false)
    expect((await ada.responses.lookup(ada.user.id, PROMPT)).hit).toBe(false)
    await expectError(store.users.get(ada.user.id), 'not_found')

    // Nothing of anyone else's went with it.
    expect(existsSync(bob.file)).toBe(true)
    expect((await bob.responses.lookup(bob.user.id, PROMPT)).hit).toBe(true)
    expect(await countRows(store, 'messages', { user_id: bob.user.id })).toBe(5)

    const [audit] = (await store.audit.list({ action: 'user.erased', target_id: ada.user.id })).data
    expect(audit).toMatchObject({ user_id: admin.id, details: { counts: report.counts } })
    await expectError(store.privacy.erase(ada.user.id), 'not_found')
  })

  it('a legal hold on the user or one of their conversations refuses erasure and removes nothing', async () => {
    const ada = await person()
    for (const target of [{ user_id: ada.user.id }, { conversation_id: ada.chat.id }]) {
      const hold = await store.legalHolds.create({ ...target, reason: 'Case 7' })
      await expectError(store.privacy.erase(ada.user.id), 'legal_hold')
      expect(existsSync(ada.file)).toBe(true)
      expect(await countRows(store, 'messages', { user_id: ada.user.id })).toBe(5)
      expect((await ada.responses.lookup(ada.user.id, PROMPT)).hit).toBe(true)
      await store.legalHolds.release(hold.id)
    }
    await store.privacy.erase(ada.user.id)
    expect(await countRows(store, 'users', { id: ada.user.id })).toBe(0)
    // The released holds went with the user; the audit log keeps that they were there.
    expect(await countRows(store, 'legal_holds', { user_id: ada.user.id })).toBe(0)
  })

  it('an erasure that fails part-way leaves every row, and erasing again finishes it', async () => {
    const ada = await person()
    // The transcript file cannot be removed: nothing of the database has been touched.
    await rm(ada.file)
    await mkdir(join(ada.file, 'blocker'), { recursive: true })
    await expectError(store.privacy.erase(ada.user.id), 'storage_failed')
    expect(await countRows(store, 'messages', { user_id: ada.user.id })).toBe(5)
    await rm(ada.file, { recursive: true })

    // The transaction fails after the files went: the rows stay, all of them.
    await failDeletesOfUsers(store, true)
    try {
      await expect(store.privacy.erase(ada.user.id)).rejects.toThrow()
    } finally {
      await failDeletesOfUsers(store, false)
    }
    expect(await countRows(store, 'users', { id: ada.user.id })).toBe(1)
    expect(await countRows(store, 'messages', { user_id: ada.user.id })).toBe(5)
    expect(await countRows(store, 'transcripts', { user_id: ada.user.id })).toBe(1)
    expect(
      await countRows(store, 'audit_events', { action: 'user.erased', target_id: ada.user.id }),
    ).toBe(0)

    const report = await store.privacy.erase(ada.user.id)
    expect(report.counts.messages).toBe(5)
    expect(await countRows(store, 'users', { id: ada.user.id })).toBe(0)
  })
})

/** A trigger that makes any delete from users fail, on either engine. */
async function failDeletesOfUsers(store: Store, on: boolean): Promise<void> {
  const k = store.database.kysely
  if (store.database.engine === 'sqlite') {
    if (on) {
      await sql`create trigger test_refuse_user_delete before delete on users
        begin select raise(abort, 'refused by the test'); end`.execute(k)
    } else {
      await sql`drop trigger if exists test_refuse_user_delete`.execute(k)
    }
    return
  }
  if (on) {
    await sql`create or replace function test_refuse_user_delete() returns trigger
      language plpgsql as $$ begin raise exception 'refused by the test'; end $$`.execute(k)
    await sql`create trigger test_refuse_user_delete before delete on users
      for each row execute function test_refuse_user_delete()`.execute(k)
  } else {
    await sql`drop trigger if exists test_refuse_user_delete on users`.execute(k)
    await sql`drop function if exists test_refuse_user_delete()`.execute(k)
  }
}
