import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { beforeAll, expect, it } from 'vitest'
import { OPERATIONS_ENV_NAMES, SERVER_ENV_NAMES, STORE_ENV_NAMES } from '../../src/config/env.js'
import type { Message, NewMessage, Store } from '../../src/index.js'
import { userWithConversation } from '../conformance/helpers.js'
import { chatkeep, ROOT, runChatkeep } from '../support/cli.js'
import { describeEachEngine } from '../support/engines.js'

const K1 = randomBytes(32).toString('base64')
const K2 = randomBytes(32).toString('base64')
const K3 = randomBytes(32).toString('base64')
const RING_K1 = `k1:${K1}`
const RING_K2_K1 = `k2:${K2},k1:${K1}`

type KeyCount = Record<string, number>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeEachEngine('chatkeep keys rotate', (ctx) => {
  let k1: Store
  let k2k1: Store
  let k2: Store
  const env = (keys: string) => ({
    DATABASE_URL: ctx.database.database_url,
    ENCRYPTION_KEYS: keys,
  })
  beforeAll(async () => {
    k1 = await ctx.open({ encryption_keys: RING_K1 })
    k2k1 = await ctx.open({ encryption_keys: RING_K2_K1 })
    k2 = await ctx.open({ encryption_keys: `k2:${K2}` })
  })

  /** Messages by key_id over the whole table (`plain` for null). */
  async function keyCounts(): Promise<KeyCount> {
    const rows = await ctx.store.database.kysely
      .selectFrom('messages')
      .select(['key_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('key_id')
      .execute()
    return Object.fromEntries(rows.map((r) => [r.key_id ?? 'plain', Number(r.n)]))
  }

  async function ciphertexts(): Promise<Map<string, string>> {
    const rows = await ctx.store.database.kysely
      .selectFrom('messages')
      .select(['id', 'encrypted_content'])
      .execute()
    return new Map(rows.map((r) => [r.id, r.encrypted_content?.toString('hex') ?? '']))
  }

  /** Every message of the conversation, read with `store`, as id → content. */
  async function contents(store: Store, conversationId: string): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    let after: string | undefined
    for (;;) {
      const page = await store.messages.list(conversationId, {
        limit: 200,
        ...(after ? { after } : {}),
      })
      for (const m of page.data) out.set(m.id, m.content)
      if (!page.has_more || page.last_id === null) return out
      after = page.last_id
    }
  }

  async function seed(store: Store, n: number, tag: string) {
    const { user, conversation } = await userWithConversation(ctx.store)
    const expected = new Map<string, string>()
    for (let start = 0; start < n; start += 1000) {
      const inputs: NewMessage[] = Array.from({ length: Math.min(1000, n - start) }, (_, i) => ({
        role: i % 2 === 0 ? 'user' : 'assistant',
        content: `${tag} message ${start + i}`,
      }))
      for (const m of await store.messages.appendMany(conversation.id, inputs)) {
        expected.set(m.id, m.content)
      }
    }
    return { user, conversation, expected }
  }

  /** Starts from an empty messages table, so the counts of one test are its own. */
  async function empty() {
    await ctx.store.database.kysely.deleteFrom('messages').execute()
  }

  it('re-encrypts every message under the active key; contents unchanged; a rerun is a no-op', async () => {
    await empty()
    const { conversation, expected } = await seed(k1, 23, 'rotate')
    const deleted = [...expected.keys()][3]!
    await k1.messages.delete(deleted)
    expect(await keyCounts()).toEqual({ k1: 23 })

    const dry = await runChatkeep(['keys', 'rotate', '--dry-run'], env(RING_K2_K1))
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('Messages by key — k1: 23.')
    expect(dry.stdout).toContain('23 message(s) would be re-encrypted under key k2.')
    expect(await keyCounts()).toEqual({ k1: 23 })

    const run = await runChatkeep(['keys', 'rotate', '--batch-size', '5'], env(RING_K2_K1))
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Re-encrypted 23 message(s) under key k2.')
    expect(run.stdout).toContain('No message is under k1 any more')
    expect(await keyCounts()).toEqual({ k2: 23 })
    // Readable with k2 alone, the deleted message too once restored.
    await k2.messages.restore(deleted)
    expect(await contents(k2, conversation.id)).toEqual(expected)

    const before = await ciphertexts()
    const again = await runChatkeep(['keys', 'rotate'], env(RING_K2_K1))
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('Nothing to do: every encrypted message is under key k2.')
    expect(await ciphertexts()).toEqual(before)
  })

  it('leaves plain-text messages alone unless --encrypt-plaintext, which takes them out of search', async () => {
    await empty()
    const { user, conversation } = await userWithConversation(ctx.store)
    const word = `okapi${Math.random().toString(36).slice(2, 8)}`
    const plain = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: `plain ${word}`,
    })
    await k1.messages.append(conversation.id, { role: 'user', content: 'sealed' })
    const found = async () =>
      (await ctx.store.forUser(user.id).search.search({ q: word })).data.map((h) => h.id)
    expect(await found()).toEqual([plain.id])

    const run = await runChatkeep(['keys', 'rotate'], env(RING_K2_K1))
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('1 message(s) stored in plain text stay so; --encrypt-plaintext')
    expect(await keyCounts()).toEqual({ k2: 1, plain: 1 })

    const all = await runChatkeep(['keys', 'rotate', '--encrypt-plaintext'], env(RING_K2_K1))
    expect(all.code).toBe(0)
    expect(all.stdout).toContain('Re-encrypted 1 message(s) under key k2.')
    expect(await keyCounts()).toEqual({ k2: 2 })
    expect(await found()).toEqual([])
    expect([...(await contents(k2, conversation.id)).values()]).toEqual([`plain ${word}`, 'sealed'])
  })

  it('refuses to start without a ring, with a bad batch size, or with a key in use missing', async () => {
    await empty()
    await seed(k1, 3, 'refuse')
    const none = await runChatkeep(['keys', 'rotate'], { DATABASE_URL: ctx.database.database_url })
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^error \[invalid_config\]: ENCRYPTION_KEYS is not set/)

    const bad = await runChatkeep(['keys', 'rotate', '--batch-size', '0'], env(RING_K2_K1))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--batch-size must be a whole number from 1 to 10000')
    expect((await runChatkeep(['keys', 'spin'], env(RING_K2_K1))).code).toBe(2)

    const malformed = await runChatkeep(['keys', 'rotate'], env(`k2:${K2.slice(4)}`))
    expect(malformed.code).toBe(1)
    expect(malformed.stderr).toMatch(/error \[invalid_config\]: ENCRYPTION_KEYS entry 1 \(key k2\)/)
    expect(malformed.stderr).not.toContain(K2.slice(4))

    // k1 dropped from the ring too early: nothing is touched, the error names the key.
    const missing = await runChatkeep(['keys', 'rotate'], env(`k3:${K3},k2:${K2}`))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/error \[decryption_failed\]: .*3 under key k1/)
    expect(await keyCounts()).toEqual({ k1: 3 })

    const help = await runChatkeep(['keys', '--help'], {})
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: chatkeep keys rotate')
  })

  it('a rotation that fails midway leaves every message readable, and a rerun finishes it', async () => {
    await empty()
    const { conversation, expected } = await seed(k1, 30, 'fail')
    const ids = [...expected.keys()].sort()
    // The 13th message by id is damaged: batches of 5 commit ids 1–10, then stop in 11–15.
    const damaged = ids[12]!
    const row = await ctx.store.database.kysely
      .selectFrom('messages')
      .select('encrypted_content')
      .where('id', '=', damaged)
      .executeTakeFirstOrThrow()
    const good = Buffer.from(row.encrypted_content!)
    const broken = Buffer.from(good)
    broken[20] = broken[20]! ^ 0xff
    const setBytes = (bytes: Buffer) =>
      ctx.store.database.kysely
        .updateTable('messages')
        .set({ encrypted_content: bytes })
        .where('id', '=', damaged)
        .execute()
    await setBytes(broken)

    const run = await runChatkeep(['keys', 'rotate', '--batch-size', '5'], env(RING_K2_K1))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`error [decryption_failed]: Message ${damaged}`)
    expect(run.stderr).toContain('The rotation stopped there: 10 messages were re-encrypted')
    expect(await keyCounts()).toEqual({ k1: 20, k2: 10 })

    // Every other message reads with the ring; the damaged one fails clearly, never as text.
    await setBytes(good)
    expect(await contents(k2k1, conversation.id)).toEqual(expected)
    await setBytes(broken)
    await expect(k2k1.messages.get(damaged)).rejects.toMatchObject({ code: 'decryption_failed' })

    await setBytes(good)
    const rerun = await runChatkeep(['keys', 'rotate', '--batch-size', '5'], env(RING_K2_K1))
    expect(rerun.code).toBe(0)
    expect(rerun.stdout).toContain('Re-encrypted 20 message(s) under key k2.')
    expect(await contents(k2, conversation.id)).toEqual(expected)
  })

  it('a rotation killed midway leaves every message readable, and a rerun finishes it', async () => {
    await empty()
    const { conversation, expected } = await seed(k1, 600, 'kill')
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', `${ROOT}src/cli/main.ts`, 'keys', 'rotate', '--batch-size', '1'],
      { cwd: ROOT, env: { ...process.env, ...blankEnv(), ...env(RING_K2_K1) }, stdio: 'ignore' },
    )
    const exited = new Promise((resolve) => child.on('exit', resolve))
    let counts = await keyCounts()
    while ((counts.k2 ?? 0) < 20 && child.exitCode === null) {
      await sleep(10)
      counts = await keyCounts()
    }
    child.kill('SIGKILL')
    await exited
    counts = await keyCounts()
    expect(counts.k1).toBeGreaterThan(0)
    expect(counts.k2).toBeGreaterThan(0)
    expect(counts.k1! + counts.k2!).toBe(600)
    expect(await contents(k2k1, conversation.id)).toEqual(expected)

    const rerun = await runChatkeep(['keys', 'rotate'], env(RING_K2_K1))
    expect(rerun.code).toBe(0)
    expect(await keyCounts()).toEqual({ k2: 600 })
    expect(await contents(k2, conversation.id)).toEqual(expected)
  })

  it('appends running during a rotation lose nothing and mix nothing up', async () => {
    await empty()
    const seeded = await seed(k1, 600, 'live')
    const other = await userWithConversation(ctx.store)
    const rotation = chatkeep(['keys', 'rotate', '--batch-size', '3'], env(RING_K2_K1))
    let running = true
    void rotation.finally(() => {
      running = false
    })
    const acked: Message[] = []
    // One server already on the new ring, one still on the old: both keep appending.
    const appender = async (store: Store, conversationId: string, tag: string) => {
      for (let i = 0; running; i++) {
        acked.push(
          await store.messages.append(conversationId, {
            role: 'user',
            content: `${tag} ${i}`,
          }),
        )
        await sleep(2)
      }
    }
    await Promise.all([
      appender(k2k1, seeded.conversation.id, 'new ring'),
      appender(k1, seeded.conversation.id, 'old ring'),
      appender(k2k1, other.conversation.id, 'other'),
    ])
    const run = await rotation
    expect(run.code, run.stderr).toBe(0)
    expect(acked.length).toBeGreaterThan(3)

    // What an old-ring server wrote late is picked up by a rerun.
    const rerun = await runChatkeep(['keys', 'rotate'], env(RING_K2_K1))
    expect(rerun.code).toBe(0)
    const total = 600 + acked.length
    expect(await keyCounts()).toEqual({ k2: total })

    const expected = new Map(seeded.expected)
    const expectedOther = new Map<string, string>()
    for (const m of acked) {
      ;(m.conversation_id === other.conversation.id ? expectedOther : expected).set(m.id, m.content)
    }
    expect(await contents(k2, seeded.conversation.id)).toEqual(expected)
    expect(await contents(k2, other.conversation.id)).toEqual(expectedOther)
    const page = await k2.messages.lastN(seeded.conversation.id, 10_000)
    expect(page.map((m) => m.sequence)).toEqual(page.map((_, i) => i + 1))
    expect((await k2.conversations.get(seeded.conversation.id)).message_count).toBe(expected.size)
  })
})

/** Every variable Chatkeep reads, empty (unset), so the runner's environment cannot leak in. */
function blankEnv(): Record<string, string> {
  return Object.fromEntries(
    [...STORE_ENV_NAMES, ...SERVER_ENV_NAMES, ...OPERATIONS_ENV_NAMES].map((name) => [name, '']),
  )
}
