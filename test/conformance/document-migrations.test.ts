/**
 * The document and search migrations on a populated database: down to before them and up again
 * keeps every document and chunk, and the full-text indexes made on the way up cover the rows
 * written before them.
 */
import { expect, it } from 'vitest'
import { createMigrator, schemaStatus, unwrap } from '../../src/db/migrator.js'
import { describeEachEngine } from '../support/engines.js'
import { countRows, createUser } from './helpers.js'

const BEFORE = '2026-11-25-02-api-keys-prefix'

describeEachEngine('document migrations', (ctx) => {
  it('keeps documents and chunks down and up, and indexes the rows already there', async () => {
    const user = await createUser(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    const doc = await asUser.documents.ingest({
      source_url: 'https://docs.example/migrate',
      chunks: [{ content: 'capybara one', embedding: [1, 0] }, { content: 'capybara two' }],
    })
    const chat = await asUser.conversations.create({})
    await asUser.messages.append(chat.id, { role: 'user', content: 'capybara question' })
    const db = ctx.store.database

    unwrap(await createMigrator(db).migrateTo(BEFORE))
    expect((await schemaStatus(db)).current).toBe(BEFORE)
    expect(await countRows(ctx.store, 'document_chunks', { document_id: doc.document.id })).toBe(2)

    unwrap(await createMigrator(db).migrateToLatest())
    expect((await schemaStatus(db)).pending).toEqual([])
    const got = await asUser.documents.get(doc.document.id)
    expect(got.chunks.map((c) => c.id)).toEqual(doc.chunks.map((c) => c.id))
    expect(got.chunks[0]!.embedding_dimensions).toBe(2)
    const chunks = await asUser.search.search({ q: 'capybara', scope: 'documents' })
    expect(chunks.data).toHaveLength(2)
    expect((await asUser.search.search({ q: 'capybara' })).data).toHaveLength(1)
    // And new writes are indexed as before.
    await asUser.messages.append(chat.id, { role: 'assistant', content: 'capybara answer' })
    expect((await asUser.search.search({ q: 'capybara' })).data).toHaveLength(2)
  })
})
