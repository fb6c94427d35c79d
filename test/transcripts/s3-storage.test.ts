import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createStore, type Store } from '../../src/index.js'
import { expectError } from '../conformance/helpers.js'
import { describeEachEngine } from '../support/engines.js'
import { type LocalS3, startS3 } from '../support/s3.js'
import { readAll, sha256, trickyConversation } from './fixtures.js'

describeEachEngine('transcripts in S3', (ctx) => {
  let s3: LocalS3
  let root: string
  /** Transcripts to the local S3 server; `dir` is its folder for transcripts made before S3. */
  let store: Store
  let dir: string

  beforeAll(async () => {
    s3 = await startS3(`transcripts-${ctx.engine}`)
    root = mkdtempSync(join(tmpdir(), 'chatkeep-s3-transcripts-'))
    dir = join(root, 'transcripts')
    store = createStore(ctx.store.database, { transcript_dir: dir, s3: s3.config })
  })
  afterAll(async () => {
    await s3?.dispose()
    rmSync(root, { recursive: true, force: true })
  })

  const rowsOf = (conversation_id: string) =>
    ctx.store.database.kysely
      .selectFrom('transcripts')
      .selectAll()
      .where('conversation_id', '=', conversation_id)
      .execute()

  it('uploads each format with its size, SHA-256 and content type, and reads it back', async () => {
    const { user_id, conversation, live } = await trickyConversation(ctx.store)
    const alice = store.forUser(user_id)
    for (const [format, extension, type] of [
      ['json', 'json', 'application/json; charset=utf-8'],
      ['csv', 'csv', 'text/csv; charset=utf-8; header=present'],
      ['markdown', 'md', 'text/markdown; charset=utf-8'],
    ] as const) {
      const transcript = await alice.transcripts.create(conversation.id, { format })
      const key = `${user_id}/${conversation.id}/${transcript.id}.${extension}`
      expect(transcript).toMatchObject({
        format,
        storage: 's3',
        storage_key: key,
        message_count: live.length,
      })
      expect(alice.transcripts.location(transcript)).toBe(`s3://${s3.config.bucket}/${key}`)
      const object = (await s3.objects()).get(key)
      expect(object?.content_type).toBe(type)
      expect(object?.body.length).toBe(transcript.file_size_bytes)
      expect(sha256(object!.body)).toBe(transcript.sha256)
      const file = await alice.transcripts.read(transcript.id)
      expect(await readAll(file.body)).toEqual(object!.body)
      expect(file.content_type).toBe(type)
    }
  })

  it('puts keys under S3_PREFIX and removes the object on delete', async () => {
    const { user_id, conversation } = await trickyConversation(ctx.store)
    const prefixed = createStore(ctx.store.database, {
      transcript_dir: dir,
      s3: { ...s3.config, prefix: 'chatkeep/' },
    })
    const transcript = await prefixed.forUser(user_id).transcripts.create(conversation.id)
    expect(transcript.storage_key).toBe(
      `chatkeep/${user_id}/${conversation.id}/${transcript.id}.json`,
    )
    expect((await s3.objects()).has(transcript.storage_key)).toBe(true)
    // The recorded key is the whole key: a store with another prefix still finds it.
    expect(sha256(await readAll((await store.transcripts.read(transcript.id)).body))).toBe(
      transcript.sha256,
    )
    await store.forUser(user_id).transcripts.delete(transcript.id)
    expect((await s3.objects()).has(transcript.storage_key)).toBe(false)
    expect(await rowsOf(conversation.id)).toEqual([])
  })

  it('keeps reading transcripts made in the folder before S3 was turned on', async () => {
    const { conversation } = await trickyConversation(ctx.store)
    const before = createStore(ctx.store.database, { transcript_dir: dir })
    const local = await before.transcripts.create(conversation.id, { format: 'csv' })
    expect(local.storage).toBe('fs')
    const bytes = await readAll((await store.transcripts.read(local.id)).body)
    expect(sha256(bytes)).toBe(local.sha256)
    // The other way round there is nowhere to read from: a clear error, not a crash.
    const remote = await store.transcripts.create(conversation.id)
    await expectError(before.transcripts.read(remote.id), 'storage_failed')
  })

  it('removes the uploaded object again when the row cannot be recorded', async () => {
    const { conversation } = await trickyConversation(ctx.store)
    const before = [...(await s3.objects()).keys()]
    await expectError(
      store.transcripts.create(
        conversation.id,
        { format: 'json' },
        {
          // Midway, the conversation is purged: the upload succeeds, the row cannot be written.
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
    expect([...(await s3.objects()).keys()]).toEqual(before)
  })

  it('fails with storage_failed, no row and no temporary file when S3 is down', async () => {
    const { conversation } = await trickyConversation(ctx.store)
    const down = await startS3(`down-${ctx.engine}`)
    const staging = mkdtempSync(join(tmpdir(), 'chatkeep-staging-'))
    const saved = process.env.TMPDIR
    try {
      await down.stop()
      const broken = createStore(ctx.store.database, { transcript_dir: dir, s3: down.config })
      // Temporary files go to TMPDIR: point it at an empty folder to see that none is left.
      process.env.TMPDIR = staging
      const error = await expectError(broken.transcripts.create(conversation.id), 'storage_failed')
      expect(error.message).toMatch(/^Could not upload the transcript to S3: ECONNREFUSED/)
      expect(readdirSync(staging)).toEqual([])
      expect(await rowsOf(conversation.id)).toEqual([])
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
      await down.dispose()
      rmSync(staging, { recursive: true, force: true })
    }
  })

  it('fails with storage_failed when the bucket does not exist', async () => {
    const { conversation } = await trickyConversation(ctx.store)
    const nowhere = createStore(ctx.store.database, {
      transcript_dir: dir,
      s3: { ...s3.config, bucket: 'no-such-bucket' },
    })
    const error = await expectError(nowhere.transcripts.create(conversation.id), 'storage_failed')
    expect(error.message).toContain('NoSuchBucket')
    expect(await rowsOf(conversation.id)).toEqual([])
  })
})
