import { performance } from 'node:perf_hooks'
import { type NewMessage, openStore } from '../src/index.js'
import { createBenchDatabase } from './databases.js'
import { bySide, interleave, Recorder, repeat, summarize } from './measure.js'
import type { BenchOptions, EngineName } from './options.js'
import type { ReportRow } from './report.js'

const SIZE = 10_000
const BRANCHES = 100

/**
 * W7, a branched conversation: the last 20 messages of the active path of a conversation of
 * 10,000 messages with 100 branches (side answers kept aside with `activate: false`), beside the
 * same read of a linear conversation of 10,000 (W2's read) on the same database, operation by
 * operation in turn. The target is about that ratio: a path read costs no more than 1.3 × a
 * read by sequence (≥ 0.77 ×).
 */
export async function runTree(engine: EngineName, options: BenchOptions): Promise<ReportRow> {
  const reads = options.counts.w2_reads
  const started = performance.now()
  const database = await createBenchDatabase(engine, options.pg_admin_url)
  const store = await openStore({ database_url: database.url, migrate: true })
  try {
    const user = await store.users.create({ username: 'bench-tree' })
    const turn = (i: number): NewMessage => ({
      role: i % 2 === 0 ? 'user' : 'assistant',
      content: `message ${i} of a long conversation, about as long as a chat turn is`,
      tokens_used: 12,
    })
    const linear = await store.conversations.create({ user_id: user.id })
    for (let i = 0; i < SIZE; i += 1000) {
      await store.messages.appendMany(
        linear.id,
        Array.from({ length: 1000 }, (_, k) => turn(i + k)),
      )
    }
    const tree = await store.conversations.create({ user_id: user.id })
    const main = SIZE - BRANCHES
    const step = main / BRANCHES
    for (let b = 0; b < BRANCHES; b++) {
      const line = await store.messages.appendMany(
        tree.id,
        Array.from({ length: step }, (_, k) => turn(b * step + k)),
      )
      // A regenerated answer beside the middle of this stretch, kept aside.
      await store.messages.append(tree.id, {
        ...turn(1),
        parent_id: line[Math.floor(step / 2)]!.id,
        activate: false,
      })
    }
    const ops = {
      chatkeep: async () => {
        if ((await store.messages.lastN(tree.id, 20)).length !== 20) throw new Error('short path')
      },
      baseline: async () => {
        if ((await store.messages.lastN(linear.id, 20)).length !== 20) throw new Error('short')
      },
    }
    await repeat(50, ops.chatkeep)
    await repeat(50, ops.baseline)
    const recorders = bySide(() => new Recorder())
    const passes = options.quick ? 1 : 3
    for (let pass = 0; pass < passes; pass++) await interleave(recorders, reads, ops)
    return {
      id: 'W7',
      title: `tree: last 20 of the path, ${SIZE} msgs, ${BRANCHES} branches`,
      target: 0.77,
      seconds: (performance.now() - started) / 1000,
      summaries: {
        chatkeep: summarize(recorders.chatkeep),
        baseline: summarize(recorders.baseline),
      },
      note: 'baseline: the same lastN(20) of a linear conversation of as many messages (W2); target = 1 / 1.3',
    }
  } finally {
    await store.close()
    await database.drop()
  }
}
