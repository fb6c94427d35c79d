/**
 * A separate OS process that appends to one conversation, for the multi-process conformance
 * tests (started by `startAppendWorker` in ./appends.ts):
 *
 *   node --import tsx test/support/append-worker.ts --url URL --conversation ID
 *     [--stores 1] [--appenders 4] [--appends 50 | 0 = until killed] [--batch 1] [--pause 0]
 *
 * Opens `stores` stores on the database, prints `ready`, waits for a line `go` on stdin, then
 * runs `appenders` concurrent appenders on each store. Appender 0 of each store uses
 * appendMany with `batch` messages per call; the others append one at a time. After a call has
 * returned — never before — it prints one line per message it stored:
 *
 *   ack <id> <sequence> <tokens_used>
 *
 * and `done` when every appender has finished. With `pause`, each appender waits a random 0 to
 * `pause` milliseconds between calls, as an application would: it leaves other processes room
 * to take the write lock (SQLite's busy wait is not first come, first served). A failed append prints `error <code> <message>`
 * and exits 1.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { type NewMessage, openStore, type Store } from '../../src/index.js'
import { readyThenGo, say } from './worker-protocol.js'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    conversation: { type: 'string' },
    stores: { type: 'string', default: '1' },
    appenders: { type: 'string', default: '4' },
    appends: { type: 'string', default: '50' },
    batch: { type: 'string', default: '1' },
    pause: { type: 'string', default: '0' },
  },
})
if (values.url === undefined || values.conversation === undefined) {
  throw new Error('append-worker: --url and --conversation are required')
}
const url = values.url
const conversationId = values.conversation
const storeCount = Number(values.stores)
const appenderCount = Number(values.appenders)
/** Calls per appender; 0 runs until the process is killed. */
const calls = Number(values.appends)
const batch = Number(values.batch)
const pause = Number(values.pause)

const stores: Store[] = []
for (let i = 0; i < storeCount; i++) {
  // A small pool: the appends of one store to one conversation go through one queue anyway.
  stores.push(await openStore({ database_url: url, pool_size: 2, max_overflow: 0 }))
}

await readyThenGo()

const message = (store: number, appender: number, call: number, k: number): NewMessage => ({
  role: (call + k) % 2 === 0 ? 'user' : 'assistant',
  content: `pid ${process.pid} store ${store} appender ${appender} call ${call} #${k}`,
  tokens_used: (call * 7 + appender * 3 + k) % 41,
})

async function appender(store: Store, s: number, a: number): Promise<void> {
  for (let call = 0; calls === 0 || call < calls; call++) {
    if (pause > 0 && call > 0) await sleep(Math.random() * pause)
    if (a === 0 && batch > 1) {
      const inputs = Array.from({ length: batch }, (_, k) => message(s, a, call, k))
      const stored = await store.messages.appendMany(conversationId, inputs)
      await say(stored.map((m) => `ack ${m.id} ${m.sequence} ${m.tokens_used}`).join('\n'))
    } else {
      const m = await store.messages.append(conversationId, message(s, a, call, 0))
      await say(`ack ${m.id} ${m.sequence} ${m.tokens_used}`)
    }
  }
}

try {
  await Promise.all(
    stores.flatMap((store, s) =>
      Array.from({ length: appenderCount }, (_, a) => appender(store, s, a)),
    ),
  )
  await say('done')
} catch (error) {
  const { code, message: text } = error as { code?: string; message?: string }
  await say(`error ${code ?? 'unknown'} ${String(text ?? error).replace(/\s+/g, ' ')}`)
  process.exitCode = 1
} finally {
  for (const store of stores) await store.close()
}
