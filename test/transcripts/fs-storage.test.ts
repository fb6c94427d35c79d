import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createStore, type Store, type Transcript } from '../../src/index.js'
import { expectError, MALFORMED_IDS, missingId } from '../conformance/helpers.js'
import { describeEachEngine } from '../support/engines.js'
import { filesUnder, longConversation, readAll, sha256, trickyConversation } from './fixtures.js'

describeEachEngine('transcripts in the transcript folder', (ctx) => {
  let root: string
  let dir: string
  /** A store over the suite's database whose transcripts go to `dir`. */
  let store: Store

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'chatkeep-transcripts-'))
    dir = join(root, 'transcripts')
    store = createStore(ctx.store.database, { transcript_dir: dir })
  })
  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
  })

  const rowsOf = (conversation_id: string) =>
    ctx.store.database.kysely
      .selectFrom('transcripts')
      .selectAll()
      .where('conversation_id', '=', conversation_id)
      .execute()

  it('stores each format as a file with the recorded size, SHA-256 and message count', async () => {
    const { user_id, conversation, live } = await trickyConversation(ctx.store)
    const alice = store.forUser(user_id)
    for (const [format, extension] of [
      ['json', 'json'],
      ['csv', 'csv'],
      ['markdown', 'md'],
    ] as const) {
      const transcript = await alice.transcripts.create(conversation.id, { format })
      expect(transcript).toMatchObject({
        conversation_id: conversation.id,
        user_id,
        format,
        storage: 'fs',
        storage_key: `${user_id}/${conversation.id}/${transcript.id}.${extension}`,
        message_count: live.length,
      })
      const path = join(dir, transcript.storage_key)
      expect(alice.transcripts.location(transcript)).toBe(path)
      const bytes = readFileSync(path)
      expect(transcript.file_size_bytes).toBe(bytes.length)
      expect(transcript.sha256).toBe(sha256(bytes))
      expect(await alice.transcripts.get(transcript.id)).toEqual(transcript)
      const file = await alice.transcripts.read(transcript.id)
      expect(await readAll(file.body)).toEqual(bytes)
      expect(file.filename).toBe(`transcript-${transcript.id}.${extension}`)
      expect(bytes.toString('utf8')).not.toContain('SOFT-DELETED')
    }
    expect(filesUnder(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    // The default format is JSON.
    expect((await alice.transcripts.create(conversation.id)).format).toBe('json')
    expect(await rowsOf(conversation.id)).toHaveLength(4)
  })

  it('lists a conversation’s transcripts newest first, a page at a time', async () => {
    const { user_id, conversation } = await trickyConversation(ctx.store)
    const alice = store.forUser(user_id)
    const made: Transcript[] = []
    for (const format of ['json', 'csv', 'markdown'] as const) {
      made.push(await alice.transcripts.create(conversation.id, { format }))
    }
    const newest = [...made].reverse().map((t) => t.id)
    const all = await alice.transcripts.list(conversation.id)
    expect(all.data.map((t) => t.id)).toEqual(newest)
    const first = await alice.transcripts.list(conversation.id, { limit: 2 })
    expect(first).toMatchObject({ has_more: true, first_id: newest[0], last_id: newest[1] })
    const rest = await alice.transcripts.list(conversation.id, { after: first.last_id! })
    expect(rest.data.map((t) => t.id)).toEqual([newest[2]])
    const back = await alice.transcripts.list(conversation.id, { before: newest[2]! })
    expect(back.data.map((t) => t.id)).toEqual(newest.slice(0, 2))
    await expectError(
      alice.transcripts.list(conversation.id, { after: 'nope' }),
      'validation_failed',
      '/after',
    )
  })

  it('renders a long conversation through every page', async () => {
    const long = await longConversation(ctx.store, 1050, 40)
    const transcript = await store.transcripts.create(long.id, { format: 'csv' })
    expect(transcript.message_count).toBe(1050)
    const text = readFileSync(join(dir, transcript.storage_key), 'utf8')
    expect(text.trimEnd().split('\r\n')).toHaveLength(1051)
  })

  it('writes each page to the file as it goes, holding none of it back', async () => {
    const long = await longConversation(ctx.store, 1000, 1000)
    const folder = join(dir, long.user_id, long.id)
    const written: number[] = []
    const transcript = await store.transcripts.create(
      long.id,
      { format: 'markdown' },
      {
        progress: () => {
          const [staging] = readdirSync(folder).filter((name) => name.endsWith('.tmp'))
          written.push(statSync(join(folder, staging!)).size)
        },
      },
    )
    // One look per page of 100; each finds the pages so far on disk already.
    expect(written).toHaveLength(10)
    written.forEach((size, i) => {
      expect(size).toBeGreaterThan(((i + 1) * transcript.file_size_bytes * 0.9) / 10)
      expect(size).toBeLessThan(((i + 1) * transcript.file_size_bytes * 1.1) / 10)
    })
  })

  it('deletes the file and the row; a second delete is not_found', async () => {
    const { user_id, conversation } = await trickyConversation(ctx.store)
    const alice = store.forUser(user_id)
    const transcript = await alice.transcripts.create(conversation.id, { format: 'markdown' })
    const path = join(dir, transcript.storage_key)
    await alice.transcripts.delete(transcript.id)
    expect(readdirSync(dirname(path))).toEqual([])
    expect(await rowsOf(conversation.id)).toEqual([])
    await expectError(alice.transcripts.get(transcript.id), 'not_found')
    await expectError(alice.transcripts.delete(transcript.id), 'not_found')
  })

  it('answers another user exactly as a missing id, and changes nothing of the owner’s', async () => {
    const { user_id, conversation } = await trickyConversation(ctx.store)
    const other = await trickyConversation(ctx.store)
    const alice = store.forUser(user_id)
    const bob = store.forUser(other.user_id)
    const transcript = await alice.transcripts.create(conversation.id)
    const path = join(dir, transcript.storage_key)
    const before = readFileSync(path)
    const errorOf = async (work: () => Promise<unknown>) => {
      const error = await expectError(work, 'not_found')
      return { code: error.code, status: error.status, field: error.field }
    }
    const missing = missingId()
    const calls: [string, (id: string) => Promise<unknown>][] = [
      ['get', (id) => bob.transcripts.get(id)],
      ['read', (id) => bob.transcripts.read(id)],
      ['delete', (id) => bob.transcripts.delete(id)],
    ]
    const onConversation: [string, (id: string) => Promise<unknown>][] = [
      ['create', (id) => bob.transcripts.create(id)],
      ['list', (id) => bob.transcripts.list(id)],
    ]
    for (const [name, call] of calls) {
      const hers = await errorOf(() => call(transcript.id))
      expect({ name, ...hers }).toEqual({ name, ...(await errorOf(() => call(missing))) })
    }
    for (const [name, call] of onConversation) {
      const hers = await errorOf(() => call(conversation.id))
      expect({ name, ...hers }).toEqual({ name, ...(await errorOf(() => call(missing))) })
    }
    for (const id of MALFORMED_IDS) {
      await expectError(alice.transcripts.get(id), 'not_found')
      await expectError(alice.transcripts.create(id), 'not_found')
    }
    expect(readFileSync(path)).toEqual(before)
    expect(await rowsOf(conversation.id)).toHaveLength(1)
    // Not for want of a row: the owner and the admin reach it.
    expect((await alice.transcripts.get(transcript.id)).id).toBe(transcript.id)
    expect(await readAll((await store.transcripts.read(transcript.id)).body)).toEqual(before)
  })

  it('hides the transcripts of a soft-deleted conversation until it is restored', async () => {
    const { user_id, conversation } = await trickyConversation(ctx.store)
    const alice = store.forUser(user_id)
    const transcript = await alice.transcripts.create(conversation.id)
    await alice.conversations.delete(conversation.id)
    await expectError(alice.transcripts.get(transcript.id), 'not_found')
    await expectError(alice.transcripts.list(conversation.id), 'not_found')
    await expectError(alice.transcripts.create(conversation.id), 'not_found')
    await alice.conversations.restore(conversation.id)
    expect((await alice.transcripts.get(transcript.id)).id).toBe(transcript.id)
  })

  it('refuses a file changed, cut short or gone since it was written', async () => {
    const { conversation } = await trickyConversation(ctx.store)
    const transcript = await store.transcripts.create(conversation.id, { format: 'csv' })
    const path = join(dir, transcript.storage_key)
    const original = readFileSync(path)
    const flipped = Buffer.from(original)
    flipped[10] = flipped[10]! ^ 1
    writeFileSync(path, flipped)
    await expectError(
      async () => readAll((await store.transcripts.read(transcript.id)).body),
      'transcript_corrupt',
    )
    writeFileSync(path, original.subarray(0, original.length - 1))
    await expectError(
      async () => readAll((await store.transcripts.read(transcript.id)).body),
      'transcript_corrupt',
    )
    rmSync(path)
    await expectError(store.transcripts.read(transcript.id), 'storage_failed')
    // A delete of a transcript whose file is gone still goes through.
    await store.transcripts.delete(transcript.id)
    await expectError(store.transcripts.get(transcript.id), 'not_found')
  })

  it('fails with storage_failed and leaves no row and no file when the folder is unusable', async () => {
    const { conversation } = await trickyConversation(ctx.store)
    const blocked = join(root, `not-a-folder-${ctx.engine}`)
    writeFileSync(blocked, 'a file where the folder should be')
    const broken = createStore(ctx.store.database, { transcript_dir: join(blocked, 'sub') })
    await expectError(broken.transcripts.create(conversation.id), 'storage_failed')
    expect(await rowsOf(conversation.id)).toEqual([])
    expect(readFileSync(blocked, 'utf8')).toBe('a file where the folder should be')
  })

  it('removes the temporary file and records nothing when the file cannot be put in place', async () => {
    const { conversation } = await trickyConversation(ctx.store)
    const folder = join(dir, conversation.user_id, conversation.id)
    const error = await expectError(
      store.transcripts.create(
        conversation.id,
        { format: 'json' },
        {
          // Midway, something takes the final name: a folder that is not empty.
          progress: () => {
            const [staging] = readdirSync(folder).filter((name) => name.endsWith('.tmp'))
            const final = staging!.replace(/\.[0-9a-f]{12}\.tmp$/, '')
            mkdirSync(join(folder, final))
            writeFileSync(join(folder, final, 'squatter'), 'x')
          },
        },
      ),
      'storage_failed',
    )
    expect(error.message).toContain('transcript folder')
    expect(await rowsOf(conversation.id)).toEqual([])
    expect(filesUnder(folder).filter((f) => !f.endsWith('squatter'))).toEqual([])
  })

  it('removes the stored file again when the row cannot be recorded', async () => {
    const { conversation } = await trickyConversation(ctx.store)
    const folder = join(dir, conversation.user_id, conversation.id)
    // Midway, the conversation is purged: the file gets stored, but the row has nothing to
    // belong to.
    await expectError(
      store.transcripts.create(
        conversation.id,
        { format: 'markdown' },
        {
          progress: async () => {
            await ctx.store.database.kysely
              .deleteFrom('conversations')
              .where('id', '=', conversation.id)
              .execute()
          },
        },
      ),
      'not_found',
    )
    expect(await rowsOf(conversation.id)).toEqual([])
    expect(filesUnder(folder)).toEqual([])
  })
})
