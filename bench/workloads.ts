import { performance } from 'node:perf_hooks'
import type { Store } from '../src/index.js'
import { checkAll, type SequenceCheck } from './check.js'
import {
  bySide,
  interleave,
  Recorder,
  repeat,
  type Side,
  type Sides,
  summarize,
  type Summary,
  timeConcurrent,
} from './measure.js'
import type { Counts, EngineName, WorkloadId } from './options.js'
import { message } from './payloads.js'
import {
  analyze,
  createConversations,
  createUsers,
  fillConversation,
  onEachDatabase,
  seedConversations,
} from './seed.js'
import type { Subject, Target } from './subject.js'

/**
 * What every workload gets. Each side has a Chatkeep store on its database, for setup and checks:
 * on SQLite each side has a file of its own (so that each pays for its own WAL checkpoints), on
 * PostgreSQL both share one database and one store.
 */
export interface WorkloadContext {
  stores: Sides<Store>
  subjects: Sides<Subject>
  counts: Counts
  /** Owner of the conversations of W1, W2 and W4, on each side's database. */
  users: Sides<string>
}

export interface Measured {
  summaries: Sides<Summary>
  /** What was checked afterwards, per side. */
  checks?: Sides<SequenceCheck>
  /** Said beside the figures: a run cut short, say. */
  note?: string
}

export interface Workload {
  id: WorkloadId
  title: (counts: Counts) => string
  /** The ratio Chatkeep ÷ baseline (ops/s) that BENCH.md asks for. */
  target: (engine: EngineName) => number
  run: (ctx: WorkloadContext) => Promise<Measured>
}

const SIDES: Side[] = ['baseline', 'chatkeep']

const summaries = (recorders: Sides<Recorder>): Sides<Summary> =>
  bySide((side) => summarize(recorders[side]))

/** Fresh conversations for each side (never shared: each side appends to its own). */
async function conversationsEach(ctx: WorkloadContext, count: number): Promise<Sides<Target[]>> {
  return {
    chatkeep: await createConversations(ctx.stores.chatkeep, ctx.users.chatkeep, count),
    baseline: await createConversations(ctx.stores.baseline, ctx.users.baseline, count),
  }
}

/** W1: appends one after another, each its own transaction, dealt round-robin over conversations. */
const w1: Workload = {
  id: 'W1',
  title: (c) => `append ${c.w1_conversations}×${c.w1_messages}`,
  target: () => 0.85,
  async run(ctx) {
    const { subjects, counts } = ctx
    const n = counts.w1_conversations
    // One more conversation per side, for the warm-up.
    const targets = await conversationsEach(ctx, n + 1)
    for (const side of SIDES) {
      await repeat(counts.warmup, (i) => subjects[side].append(targets[side][n]!, message(i)))
    }
    // Each pass appends to its share of the conversations, round-robin, until each has them all.
    const recorders = { chatkeep: new Recorder(), baseline: new Recorder() }
    const share = Math.ceil(n / counts.passes)
    const deadline = performance.now() + counts.w1_budget_s * 1000
    let reached = 0
    for (
      let first = 0;
      first < n && (first === 0 || performance.now() < deadline);
      first += share
    ) {
      const mine = bySide((side) => targets[side].slice(first, Math.min(first + share, n)))
      const m = mine.chatkeep.length
      await interleave(
        recorders,
        m * counts.w1_messages,
        bySide(
          (side) => (i) => subjects[side].append(mine[side][i % m]!, message(Math.floor(i / m))),
        ),
      )
      reached = first + m
    }
    const check = (side: Side) =>
      checkAll(
        ctx.stores[side],
        targets[side]
          .slice(0, reached)
          .map((t) => ({ conversation_id: t.conversation_id, messages: counts.w1_messages })),
      )
    return {
      summaries: summaries(recorders),
      checks: { chatkeep: await check('chatkeep'), baseline: await check('baseline') },
      ...(reached < n
        ? {
            note: `stopped after ${reached} of ${n} conversations per side: the ${counts.w1_budget_s} s budget ran out`,
          }
        : {}),
    }
  },
}

/** W2: the context window, the last 20 of a long conversation, read over and over. */
const w2: Workload = {
  id: 'W2',
  title: (c) => `last ${c.w2_window} of ${c.w2_messages.toLocaleString('en')}`,
  target: () => 0.85,
  async run({ stores, subjects, counts, users }) {
    const targets = await onEachDatabase(stores, async (store, side) => {
      const [target] = await createConversations(store, users[side], 1)
      await fillConversation(store, target!, counts.w2_messages)
      await analyze(store)
      return target!
    })
    const read = (side: Side) => async () => {
      const rows = await subjects[side].lastN(targets[side], counts.w2_window)
      if (rows.length !== counts.w2_window) throw new Error(`${side} read ${rows.length} rows`)
    }
    for (const side of SIDES) await repeat(counts.warmup, read(side))
    const recorders = { chatkeep: new Recorder(), baseline: new Recorder() }
    for (let pass = 0; pass < counts.passes; pass++) {
      await interleave(recorders, counts.w2_reads, bySide(read))
    }
    return { summaries: summaries(recorders) }
  },
}

/** W3: one user's most recently active live conversations, among many users' (10% deleted). */
const w3: Workload = {
  id: 'W3',
  title: (c) => `list ${c.w3_page} of ${c.w3_conversations.toLocaleString('en')}`,
  target: () => 0.85,
  async run({ stores, subjects, counts }) {
    const users = await onEachDatabase(stores, async (store) => {
      const ids = await createUsers(store, 'w3', counts.w3_users)
      await seedConversations(store, ids, counts.w3_conversations)
      await analyze(store)
      return ids
    })
    const list = (side: Side) => async (i: number) => {
      const mine = users[side]
      const rows = await subjects[side].listRecent(mine[i % mine.length]!, counts.w3_page)
      if (rows.length !== counts.w3_page) throw new Error(`${side} listed ${rows.length} rows`)
    }
    for (const side of SIDES) await repeat(counts.warmup, list(side))
    const recorders = { chatkeep: new Recorder(), baseline: new Recorder() }
    for (let pass = 0; pass < counts.passes; pass++) {
      await interleave(recorders, counts.w3_lists, bySide(list))
    }
    return { summaries: summaries(recorders) }
  },
}

/** W4: many callers append to the same conversation at once; sequences must stay 1..n. */
const w4: Workload = {
  id: 'W4',
  title: (c) => `${c.w4_clients} clients, ${c.w4_messages.toLocaleString('en')} appends`,
  target: (engine) => (engine === 'sqlite' ? 2 : 4),
  async run(ctx) {
    const { subjects, counts } = ctx
    const runs = counts.w4_runs
    // One more conversation per side, for the warm-up.
    const targets = await conversationsEach(ctx, runs + 1)
    const burst = (side: Side, target: Target) => (i: number) =>
      subjects[side].append(target, message(i))
    for (const side of SIDES) {
      await timeConcurrent(
        null,
        counts.w4_clients,
        counts.warmup / 4,
        burst(side, targets[side][runs]!),
      )
    }
    // Too few operations to take turns one by one: whole runs take turns, A B B A.
    const recorders = { chatkeep: new Recorder(), baseline: new Recorder() }
    for (let run = 0; run < runs; run++) {
      for (const side of run % 2 === 0 ? SIDES : [...SIDES].reverse()) {
        const target = targets[side][run]!
        await timeConcurrent(
          recorders[side],
          counts.w4_clients,
          counts.w4_messages,
          burst(side, target),
        )
      }
    }
    const check = (side: Side) =>
      checkAll(
        ctx.stores[side],
        targets[side]
          .slice(0, runs)
          .map((t) => ({ conversation_id: t.conversation_id, messages: counts.w4_messages })),
      )
    return {
      summaries: summaries(recorders),
      checks: { chatkeep: await check('chatkeep'), baseline: await check('baseline') },
      note: `${runs} runs per side, A B B A…, each on a fresh conversation`,
    }
  },
}

export const WORKLOADS: readonly Workload[] = [w1, w2, w3, w4]
