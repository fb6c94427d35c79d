import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Conversation, createStore, type Store, type Transcript } from '../../src/index.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import { buildApp } from '../../src/server/app.js'
import { describeEachEngine } from '../support/engines.js'
import { longConversation, parseCsv, sha256, TRICKY } from '../transcripts/fixtures.js'
import { type Caller, type TestApp, testApp } from './test-app.js'

describeEachEngine('transcripts over HTTP', (ctx) => {
  let t: TestApp
  let root: string
  let store: Store
  let chat: Conversation

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'chatkeep-http-transcripts-'))
    store = createStore(ctx.store.database, { transcript_dir: join(root, 'transcripts') })
    t = await testApp(store)
    chat = await store.forUser(t.users.alice.id).conversations.create({ title: 'HTTP export' })
    await store.messages.appendMany(chat.id, TRICKY)
  })
  afterAll(async () => {
    await t?.app.close()
    rmSync(root, { recursive: true, force: true })
  })

  const call = (
    caller: Caller,
    method: 'GET' | 'HEAD' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
  ) => t.app.inject({ method, url, headers: t.as(caller), ...(payload ? { payload } : {}) })
  const create = async (format: string) => {
    const response = await call('alice', 'POST', `/v1/conversations/${chat.id}/transcripts`, {
      format,
    })
    expect(response.statusCode, response.body).toBe(201)
    return response.json<Transcript>()
  }
  /** What a refusal tells its caller, with the ids it carried blanked out. */
  const refusal = (response: LightMyRequestResponse, ...ids: string[]) => {
    let body = response.body
    for (const id of ids) body = body.replaceAll(id, '<id>')
    return { status: response.statusCode, type: response.headers['content-type'], body }
  }

  it('creates (201), lists, gets and downloads a transcript with its media type', async () => {
    const transcript = await create('csv')
    expect(transcript).toMatchObject({
      conversation_id: chat.id,
      user_id: t.users.alice.id,
      format: 'csv',
      storage: 'fs',
      message_count: TRICKY.length,
    })
    const list = await call('alice', 'GET', `/v1/conversations/${chat.id}/transcripts?limit=5`)
    expect(list.statusCode).toBe(200)
    expect(list.json()).toMatchObject({ object: 'list', data: [transcript], has_more: false })
    const got = await call('alice', 'GET', `/v1/transcripts/${transcript.id}`)
    expect(got.json()).toEqual(transcript)

    const content = await call('alice', 'GET', `/v1/transcripts/${transcript.id}/content`)
    expect(content.statusCode).toBe(200)
    expect(content.headers['content-type']).toBe('text/csv; charset=utf-8; header=present')
    expect(content.headers['content-disposition']).toBe(
      `attachment; filename="transcript-${transcript.id}.csv"`,
    )
    expect(Number(content.headers['content-length'])).toBe(transcript.file_size_bytes)
    expect(sha256(content.rawPayload)).toBe(transcript.sha256)
    expect(parseCsv(content.body)).toHaveLength(TRICKY.length + 1)

    const head = await call('alice', 'HEAD', `/v1/transcripts/${transcript.id}/content`)
    expect(head.statusCode).toBe(200)
    expect(head.headers['content-type']).toBe('text/csv; charset=utf-8; header=present')
  })

  it('serves JSON and Markdown with theirs; json is the default format', async () => {
    const byDefault = await call('alice', 'POST', `/v1/conversations/${chat.id}/transcripts`, {})
    expect(byDefault.json<Transcript>().format).toBe('json')
    const json = await call('alice', 'GET', `/v1/transcripts/${byDefault.json().id}/content`)
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(json.json<{ messages: unknown[] }>().messages).toHaveLength(TRICKY.length)
    const markdown = await create('markdown')
    const md = await call('alice', 'GET', `/v1/transcripts/${markdown.id}/content`)
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8')
    expect(md.headers['content-disposition']).toContain('.md"')
    expect(md.body).toContain('# HTTP export')
  })

  it('refuses a bad format or an unknown field with 400 naming it, and writes nothing', async () => {
    const before = await ctx.store.database.kysely
      .selectFrom('transcripts')
      .select('id')
      .where('conversation_id', '=', chat.id)
      .execute()
    for (const [payload, field] of [
      [{ format: 'xml' }, '/format'],
      [{ format: 'csv', to: 's3' }, '/to'],
    ] as const) {
      const response = await call('alice', 'POST', `/v1/conversations/${chat.id}/transcripts`, {
        ...payload,
      })
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ code: 'validation_failed', field })
    }
    const after = await ctx.store.database.kysely
      .selectFrom('transcripts')
      .select('id')
      .where('conversation_id', '=', chat.id)
      .execute()
    expect(after).toEqual(before)
  })

  it("answers Bob on Alice's transcripts exactly as on ids that do not exist", async () => {
    const transcript = await create('json')
    const missing = uuid7()
    for (const [method, path] of [
      ['GET', '/v1/transcripts/:id'],
      ['GET', '/v1/transcripts/:id/content'],
      ['DELETE', '/v1/transcripts/:id'],
    ] as const) {
      const hers = await call('bob', method, path.replace(':id', transcript.id))
      const none = await call('bob', method, path.replace(':id', missing))
      expect(hers.statusCode).toBe(404)
      expect(refusal(hers, transcript.id)).toEqual(refusal(none, missing))
    }
    for (const [method, payload] of [
      ['POST', { format: 'csv' }],
      ['GET', undefined],
    ] as const) {
      const hers = await call('bob', method, `/v1/conversations/${chat.id}/transcripts`, payload)
      const none = await call('bob', method, `/v1/conversations/${missing}/transcripts`, payload)
      expect(hers.statusCode).toBe(404)
      expect(refusal(hers, chat.id)).toEqual(refusal(none, missing))
    }
    // Still there, and an admin reaches it.
    const admin = await call('admin', 'GET', `/v1/transcripts/${transcript.id}/content`)
    expect(sha256(admin.rawPayload)).toBe(transcript.sha256)
  })

  it('deletes (204) the file and the row; the id is then 404', async () => {
    const transcript = await create('markdown')
    const path = join(root, 'transcripts', transcript.storage_key)
    expect(existsSync(path)).toBe(true)
    const deleted = await call('alice', 'DELETE', `/v1/transcripts/${transcript.id}`)
    expect(deleted.statusCode).toBe(204)
    expect(existsSync(path)).toBe(false)
    expect((await call('alice', 'GET', `/v1/transcripts/${transcript.id}`)).statusCode).toBe(404)
  })

  it('audits exports, downloads and deletes', async () => {
    const transcript = await create('csv')
    await call('alice', 'GET', `/v1/transcripts/${transcript.id}/content`)
    await call('alice', 'DELETE', `/v1/transcripts/${transcript.id}`)
    const db = ctx.store.database
    const rows = await db.kysely
      .selectFrom('audit_events')
      .select(['action', 'target_type', 'target_id', 'user_id', 'details'])
      .where('target_id', 'in', [chat.id, transcript.id])
      .orderBy('id')
      .execute()
    const events = rows
      .map(({ details, ...event }) => ({
        ...event,
        details: db.codec.json<Record<string, unknown>>(details),
      }))
      .filter((e) => e.target_id === transcript.id || e.details.transcript_id === transcript.id)
    const as = { user_id: t.users.alice.id }
    expect(events).toEqual([
      {
        action: 'conversation.export',
        target_type: 'conversation',
        target_id: chat.id,
        details: { transcript_id: transcript.id, format: 'csv', storage: 'fs' },
        ...as,
      },
      {
        action: 'transcript.download',
        target_type: 'transcript',
        target_id: transcript.id,
        details: {},
        ...as,
      },
      {
        action: 'transcript.delete',
        target_type: 'transcript',
        target_id: transcript.id,
        details: {},
        ...as,
      },
    ])
  })

  it('never serves a damaged file as a good one', async () => {
    const damage = (transcript: Transcript) => {
      const path = join(root, 'transcripts', transcript.storage_key)
      const bytes = readFileSync(path)
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1
      writeFileSync(path, bytes)
    }
    // A small file is checked before the answer starts: a plain 500 problem.
    const small = await create('csv')
    damage(small)
    const refused = await call('alice', 'GET', `/v1/transcripts/${small.id}/content`)
    expect(refused.statusCode).toBe(500)
    expect(refused.json()).toMatchObject({ code: 'transcript_corrupt' })
    expect(refused.headers['content-disposition']).toBeUndefined()

    // A large one is streamed: the answer is cut off before its last chunk, never completed.
    const long = await longConversation(store, 3000, 100)
    const large = await store.transcripts.create(long.id, { format: 'json' })
    expect(large.file_size_bytes).toBeGreaterThan(1_000_000)
    damage(large)
    await expect(
      t.app.inject({ url: `/v1/transcripts/${large.id}/content`, headers: t.as('admin') }),
    ).rejects.toThrow(/destroyed before completion/)
  })

  it('answers 503 storage_failed and records nothing when the folder is unusable', async () => {
    const blocked = join(root, 'a-file')
    writeFileSync(blocked, 'x')
    const broken = createStore(ctx.store.database, { transcript_dir: join(blocked, 'sub') })
    const rows = () =>
      ctx.store.database.kysely
        .selectFrom('transcripts')
        .select('id')
        .where('conversation_id', '=', chat.id)
        .execute()
    const before = await rows()
    const app = await buildApp({ store: broken, auth: t.auth })
    try {
      const response = await app.inject({
        method: 'POST',
        url: `/v1/conversations/${chat.id}/transcripts`,
        headers: t.as('alice'),
        payload: { format: 'csv' },
      })
      expect(response.statusCode).toBe(503)
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(response.json()).toMatchObject({ code: 'storage_failed', status: 503 })
      // No path of the server's in the answer.
      expect(response.body).not.toContain(root)
    } finally {
      await app.close()
    }
    expect(await rows()).toEqual(before)
    expect(readFileSync(blocked, 'utf8')).toBe('x')
  })
})
