import { expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, missingId, uniqueName } from './helpers.js'

describeEachEngine('RAG provenance', (ctx) => {
  it('tells whether each cited chunk is current, changed or deleted', async () => {
    const user = await createUser(ctx.store)
    const other = await createUser(ctx.store, 'other')
    const asUser = ctx.store.forUser(user.id)
    const source = `https://docs.example/${uniqueName('rag')}`
    const doc = await asUser.documents.ingest({
      source_url: source,
      chunks: [{ content: 'kept' }, { content: 'replaced' }, { content: 'tampered' }],
    })
    const [kept, replaced, tampered] = doc.chunks
    const secret = await ctx.store
      .forUser(other.id)
      .documents.ingest({ chunks: [{ content: 's' }] })
    const chat = await asUser.conversations.create({})
    const answer = await asUser.messages.append(chat.id, {
      role: 'assistant',
      content: 'answer',
      context_documents: [
        { chunk_id: kept!.id, content_hash: kept!.content_hash, score: 0.91 },
        { chunk_id: replaced!.id, content_hash: replaced!.content_hash, score: 0.8 },
        { chunk_id: tampered!.id, content_hash: 'f'.repeat(64), score: 0.5 },
        { chunk_id: secret.chunks[0]!.id, content_hash: secret.chunks[0]!.content_hash },
        kept!.id,
        'not a uuid',
        42,
      ],
    })
    const before = await asUser.messages.citations(answer.id)
    expect(before.map((c) => c.status)).toEqual([
      'current',
      'current',
      'changed',
      'deleted', // another user's private chunk is never shown as present
      'current',
      'deleted',
    ])
    expect(before[0]).toEqual({
      chunk_id: kept!.id,
      content_hash: kept!.content_hash,
      score: 0.91,
      status: 'current',
      current_hash: kept!.content_hash,
      document_id: doc.document.id,
    })
    expect(before[3]).toMatchObject({ current_hash: null, document_id: null })

    // Re-ingest without the second chunk: it is gone, the first keeps its id.
    await asUser.documents.ingest({
      source_url: source,
      chunks: [{ content: 'kept' }, { content: 'new text' }, { content: 'tampered' }],
    })
    const after = await asUser.messages.citations(answer.id)
    expect(after.slice(0, 3).map((c) => c.status)).toEqual(['current', 'deleted', 'changed'])

    // Deleting the document makes every citation of it deleted at once.
    await asUser.documents.delete(doc.document.id)
    const gone = await asUser.messages.citations(answer.id)
    expect(gone.slice(0, 3).map((c) => c.status)).toEqual(['deleted', 'deleted', 'deleted'])

    await expectError(ctx.store.forUser(other.id).messages.citations(answer.id), 'not_found')
    await expectError(asUser.messages.citations(missingId()), 'not_found')
  })
})
