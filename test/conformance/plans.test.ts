import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importChatGpt, openStore, type Store } from '../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../support/engines.js'
import { createUser } from './helpers.js'

/**
 * PostgreSQL plans the hot statements well however the tables grew: read straight after 20,000
 * messages landed in one conversation (statistics still those of the empty tables, as after a
 * burst of appends that autovacuum has not caught up with), and again once an import has
 * refreshed them. Each statement is the one the store runs, captured on its way to the server,
 * and explained both as planned for its parameters and as the generic plan a prepared statement
 * may switch to after five runs.
 */

const GROWN = 20_000
const OTHER_USERS = 100
const CONVERSATIONS_EACH = 20
const MESSAGES_EACH = 10

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Parent Relationship'?: string
  Plans?: PlanNode[]
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)]

/** A scan that reads `table` row by row, whatever the index: what must not meet a whole table. */
const scans = (plan: PlanNode, table: string) =>
  nodes(plan).filter((n) => n['Relation Name'] === table)

const describePlan = (plan: PlanNode): string[] =>
  nodes(plan).map(
    (n) =>
      `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}` +
      `${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`,
  )

/** The nodes whose rows flow into `plan`'s, leaving out the subplans it only looks values up in. */
const feeding = (plan: PlanNode): PlanNode[] => [
  plan,
  ...(plan.Plans ?? [])
    .filter(
      (c) => c['Parent Relationship'] !== 'InitPlan' && c['Parent Relationship'] !== 'SubPlan',
    )
    .flatMap(feeding),
]

/**
 * Sorts fed by a scan of messages: a sort of (part of) a conversation. Sorting a statement's
 * own few rows (the path's window, read from its CTE) is not one.
 */
const sortsOfMessages = (plan: PlanNode): PlanNode[] =>
  nodes(plan).filter(
    (n) =>
      n['Node Type'] === 'Sort' &&
      feeding(n).some((f) => f !== n && f['Relation Name'] === 'messages'),
  )

interface Captured {
  text: string
  values: unknown[]
}

/** The statements the store sends while `work` runs, with their parameters. */
async function capture(work: () => Promise<unknown>): Promise<Captured[]> {
  const captured: Captured[] = []
  const query = pg.Client.prototype.query
  // Recorded on the way through, then passed on unchanged: the server still runs everything.
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, values] = args as [unknown, unknown]
    if (typeof config === 'string') {
      captured.push({ text: config, values: Array.isArray(values) ? values : [] })
    } else if (typeof config === 'object' && config !== null && 'text' in config) {
      const c = config as { text: string; values?: unknown[] }
      captured.push({ text: c.text, values: c.values ?? [] })
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof query
  try {
    await work()
  } finally {
    pg.Client.prototype.query = query
  }
  return captured.filter((c) => /^\s*(select|with|insert|update|delete)\b/i.test(c.text))
}

describe('plans of the hot statements on a grown table [postgres]', () => {
  let database: TestDatabase
  let store: Store
  let admin: pg.Client
  let dir: string
  const hot: Record<'last_n' | 'list' | 'append' | 'search', Captured> = {} as never

  /** The plan for these parameters, and the generic one a prepared statement may settle on. */
  async function plans(statement: Captured): Promise<PlanNode[]> {
    const literal = (v: unknown) =>
      v === null || v === undefined ? 'null' : admin.escapeLiteral(String(v))
    const custom = await admin.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `explain (format json) ${statement.text}`,
      statement.values,
    )
    await admin.query('set plan_cache_mode = force_generic_plan')
    try {
      await admin.query(`prepare hot as ${statement.text}`)
      const generic = await admin.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `explain (format json) execute hot(${statement.values.map(literal).join(', ')})`,
      )
      return [custom.rows[0]!['QUERY PLAN'][0]!.Plan, generic.rows[0]!['QUERY PLAN'][0]!.Plan]
    } finally {
      await admin.query('deallocate all')
      await admin.query('reset plan_cache_mode')
    }
  }

  async function captureHot(userId: string, conversationId: string): Promise<void> {
    const mine = store.forUser(userId)
    const one = async (work: () => Promise<unknown>, match: RegExp) => {
      const found = (await capture(work)).filter((c) => match.test(c.text))
      expect(found).toHaveLength(1)
      return found[0]!
    }
    hot.last_n = await one(() => mine.messages.lastPage(conversationId, 20), /with recursive path/)
    hot.list = await one(() => mine.conversations.list({ limit: 20 }), /from "conversations"/)
    hot.append = await one(
      () => mine.messages.append(conversationId, { role: 'user', content: 'one more' }),
      /insert into "messages"/,
    )
    hot.search = await one(
      () => mine.search.search({ q: 'lisbon', scope: 'messages' }),
      /with hits as/,
    )
  }

  function expectGoodPlans(plan: Record<keyof typeof hot, PlanNode>): void {
    for (const [name, p] of Object.entries(plan)) {
      const seq = nodes(p).filter((n) => n['Node Type'] === 'Seq Scan')
      expect({ name, seq: seq.map((n) => n['Relation Name']) }).toEqual({ name, seq: [] })
    }
    // Search sorts its matches by rank, as it must; nothing else sorts messages.
    for (const name of ['last_n', 'list', 'append'] as const) {
      expect({ name, sorts: sortsOfMessages(plan[name]).length }).toEqual({ name, sorts: 0 })
    }
    // The path walks parent_id up the primary key, and finds the leaf by the conversation's row.
    const lastN = describePlan(plan.last_n)
    expect(lastN).toContain('Index Scan on messages using messages_pkey')
    expect(lastN).toContain('Index Scan on conversations using conversations_pkey')
    expect(
      scans(plan.last_n, 'messages').every(
        (n) => n['Node Type'] === 'Index Scan' || n['Node Type'] === 'Index Only Scan',
      ),
    ).toBe(true)
    // A user's conversations come in index order: no sort at all.
    expect(describePlan(plan.list)).toContain(
      'Index Scan on conversations using conversations_user_recent_idx',
    )
    expect(nodes(plan.list).some((n) => n['Node Type'] === 'Sort')).toBe(false)
    // An append locks and bumps the conversation's row by its key; it reads no message.
    expect(describePlan(plan.append)).toContain(
      'Index Scan on conversations using conversations_pkey',
    )
    expect(scans(plan.append, 'messages').filter((n) => n['Node Type'] !== 'ModifyTable')).toEqual(
      [],
    )
    // Search reads messages through an index: the full-text one, or the user's messages by
    // messages_user_created_idx when the user owns much of the table (the planner's choice).
    expect(scans(plan.search, 'messages').map((n) => n['Node Type'])).not.toContain('Seq Scan')
  }

  async function explainHot(): Promise<void> {
    // One after the other: each takes the admin connection's plan_cache_mode for its own.
    const lastN = await plans(hot.last_n)
    const list = await plans(hot.list)
    const append = await plans(hot.append)
    const search = await plans(hot.search)
    for (const i of [0, 1]) {
      expectGoodPlans({ last_n: lastN[i]!, list: list[i]!, append: append[i]!, search: search[i]! })
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgres')
    store = await openStore({ database_url: database.database_url, migrate: true })
    admin = new pg.Client({ connectionString: database.database_url })
    await admin.connect()
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-plans-'))
  })

  afterAll(async () => {
    await admin?.end()
    await store?.close()
    await database?.drop()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('a migration leaves the planner statistics of every table', async () => {
    const { rows } = await admin.query<{ relname: string }>(
      `select relname from pg_stat_user_tables where last_analyze is null and relname in ('messages', 'conversations')`,
    )
    expect(rows).toEqual([])
  })

  it('plans the hot statements by their indexes right after 20,000 messages land in one conversation', async () => {
    // Autovacuum would analyze the grown tables on its own, sooner or later: off, so that this
    // reads the plans of tables that grew since their statistics were taken.
    await admin.query('alter table messages set (autovacuum_enabled = false)')
    await admin.query('alter table conversations set (autovacuum_enabled = false)')
    const user = await createUser(store, 'grown')
    const conversation = await store.forUser(user.id).conversations.create({ title: 'grown' })
    // Other users' conversations and messages, so that neither table is one user's alone.
    await admin.query(
      `insert into users (id, username, created_at, updated_at)
        select md5('user' || u)::uuid, 'plans_user_' || u, now(), now()
        from generate_series(1, $1::int) u`,
      [OTHER_USERS],
    )
    await admin.query(
      `insert into conversations (id, short_id, user_id, title, created_at, updated_at, last_activity)
        select md5('conversation' || u || ':' || k)::uuid, substr(md5('short' || u || ':' || k), 1, 10),
          md5('user' || u)::uuid, 'other', now(), now(), now() - k * interval '1 minute'
        from generate_series(1, $1::int) u, generate_series(1, $2::int) k`,
      [OTHER_USERS, CONVERSATIONS_EACH],
    )
    await admin.query(
      `insert into messages (id, conversation_id, user_id, sequence, parent_id, role, content, created_at)
        select md5('m' || c.id || ':' || g)::uuid, c.id, c.user_id, g,
          case when g > 1 then md5('m' || c.id || ':' || (g - 1))::uuid end,
          case when g % 2 = 0 then 'assistant' else 'user' end, 'other message ' || g, now()
        from conversations c, generate_series(1, $2::int) g where c.user_id <> $1::uuid`,
      [user.id, MESSAGES_EACH],
    )
    // The grown conversation, as appends would have left it: a chain of parents, the last one
    // its active leaf, a word to search for now and then.
    await admin.query(
      `insert into messages (id, conversation_id, user_id, sequence, parent_id, role, content, created_at)
        select md5($1 || ':' || g)::uuid, $1::uuid, $2::uuid, g,
          case when g > 1 then md5($1 || ':' || (g - 1))::uuid end,
          case when g % 2 = 0 then 'assistant' else 'user' end,
          'message ' || g || case when g % 1000 = 0 then ' about lisbon' else '' end,
          now() - ($3 - g) * interval '1 second'
        from generate_series(1, $3::int) g`,
      [conversation.id, user.id, GROWN],
    )
    await admin.query(
      `update conversations set message_count = $2, active_leaf_id = md5($3)::uuid,
        last_activity = now() where id = $1::uuid`,
      [conversation.id, GROWN, `${conversation.id}:${GROWN}`],
    )
    const window = await store.forUser(user.id).messages.lastPage(conversation.id, 20)
    expect(window.data.map((m) => m.sequence)).toEqual(
      Array.from({ length: 20 }, (_, i) => GROWN - 19 + i),
    )
    await captureHot(user.id, conversation.id)
    await explainHot()
  })

  it('an import refreshes the statistics, and the plans stay the same', async () => {
    const before = await admin.query<{ reltuples: number }>(
      `select reltuples from pg_class where relname = 'messages'`,
    )
    const file = join(dir, 'conversations.json')
    const at = 1_700_000_000
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: 'conv-plans',
          title: 'Imported',
          create_time: at,
          update_time: at + 1,
          current_node: 'q1',
          mapping: {
            q1: {
              id: 'q1',
              parent: null,
              children: [],
              message: {
                id: 'q1',
                author: { role: 'user' },
                create_time: at + 1,
                content: { content_type: 'text', parts: ['Lisbon in a day?'] },
                metadata: {},
                recipient: 'all',
              },
            },
          },
        },
      ]),
    )
    const importer = await createUser(store, 'importer')
    await importChatGpt(store, file, { user_id: importer.id })
    const after = await admin.query<{ reltuples: number }>(
      `select reltuples from pg_class where relname = 'messages'`,
    )
    expect(Number(before.rows[0]!.reltuples)).toBeLessThan(GROWN)
    expect(Number(after.rows[0]!.reltuples)).toBeGreaterThan(GROWN)
    await explainHot()
  })
})
