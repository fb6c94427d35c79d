/**
 * Deletes, restores and user administration audited in the same transaction as the change
 * (issue 17 item 5): with an actor, the row and the change commit together, or neither does.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { createStore } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, missingId, userWithConversation } from './helpers.js'

describeEachEngine('changes audited in their own transaction', (ctx) => {
  const actor = (user_id: string) => ({ user_id, ip_address: '10.0.0.1', user_agent: 'test' })

  it('a conversation delete and restore with an actor leave their rows', async () => {
    const admin = await createUser(ctx.store, 'admin')
    const { user, conversation } = await userWithConversation(ctx.store)
    await ctx.store.conversations.delete(conversation.id, actor(admin.id))
    await ctx.store.conversations.restore(conversation.id, actor(admin.id))
    const { data } = await ctx.store.audit.list({ target_id: conversation.id })
    expect(data.map((e) => e.action).sort()).toEqual([
      'conversation.delete',
      'conversation.restore',
    ])
    expect(data.find((e) => e.action === 'conversation.restore')).toMatchObject({
      user_id: admin.id,
      ip_address: '10.0.0.1',
      details: { owner_id: user.id },
    })
  })

  it('an audit row that cannot be written undoes the change it records', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    // An actor that does not exist: the audit insert fails on its foreign key, midway.
    const ghost = actor(missingId())
    await expect(ctx.store.conversations.delete(conversation.id, ghost)).rejects.toThrow()
    expect((await ctx.store.conversations.get(conversation.id)).deleted_at).toBeNull()
    await expect(ctx.store.users.update(user.id, { role: 'admin' }, ghost)).rejects.toThrow()
    expect((await ctx.store.users.get(user.id)).role).toBe('user')
    await expect(ctx.store.users.delete(user.id, ghost)).rejects.toThrow()
    expect((await ctx.store.users.get(user.id)).id).toBe(user.id)
    const { data } = await ctx.store.audit.list({ target_id: user.id })
    expect(data).toEqual([])
  })

  it('user administration writes one row per kind of change; self-deletion keeps the actor', async () => {
    const admin = await createUser(ctx.store, 'admin')
    const user = await createUser(ctx.store)
    await ctx.store.users.update(
      user.id,
      { role: 'admin', is_active: false, display_name: 'Ada' },
      actor(admin.id),
    )
    const changes = await ctx.store.audit.list({ target_id: user.id })
    expect(changes.data.map((e) => [e.action, e.details]).sort()).toEqual([
      ['user.deactivate', {}],
      ['user.role_change', { role: 'admin' }],
      ['user.update', { fields: ['display_name'] }],
    ])
    await ctx.store.users.delete(admin.id, actor(admin.id))
    await expectError(ctx.store.users.get(admin.id), 'not_found')
    const gone = await ctx.store.audit.list({ action: 'user.delete', target_id: admin.id })
    expect(gone.data[0]).toMatchObject({ user_id: null, details: { deleted_actor_id: admin.id } })
  })
})

describeEachEngine('transcript exports audited in their own transaction', (ctx) => {
  it('an export whose audit row cannot be written records nothing and keeps no file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chatkeep-audited-transcripts-'))
    const store = createStore(ctx.store.database, { transcript_dir: root })
    try {
      const { user, conversation } = await userWithConversation(store)
      await store.messages.append(conversation.id, { role: 'user', content: 'keep me' })
      const ghost = { user_id: missingId() }
      await expect(
        store.transcripts.create(conversation.id, { format: 'json' }, { actor: ghost }),
      ).rejects.toThrow()
      expect((await store.transcripts.list(conversation.id)).data).toEqual([])
      expect(
        readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith('.json')),
      ).toEqual([])

      const made = await store.transcripts.create(
        conversation.id,
        {},
        { actor: { user_id: user.id } },
      )
      await store.transcripts.delete(made.id, { user_id: user.id })
      const { data } = await store.audit.list({ user_id: user.id })
      expect(data.map((e) => [e.action, e.target_id]).sort()).toEqual([
        ['conversation.export', conversation.id],
        ['transcript.delete', made.id],
      ])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
