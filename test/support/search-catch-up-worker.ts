/**
 * A separate OS process that writes messages with deferred message search and catches up on
 * them at the same time, for the kill test of catch-up (test/conformance/message-search-kill):
 *
 *   node --import tsx test/support/search-catch-up-worker.ts --url URL --conversation ID --word W
 *
 * Opens a store with `message_search: 'deferred'` (no background catch-up: this process runs
 * it), prints `ready`, waits for `go` on stdin, then runs an appender (batches of 7 messages,
 * each holding W and its own number) beside a loop of `store.search.catchUp()`. After a call has
 * returned it prints `ack <id>` per message stored and `indexed <n>` per catch-up. Runs until
 * killed; a failure prints `error <code> <message>` and exits 1.
 */
import { setImmediate } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { openStore } from '../../src/index.js'
import { readyThenGo, say } from './worker-protocol.js'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    conversation: { type: 'string' },
    word: { type: 'string' },
  },
})
if (values.url === undefined || values.conversation === undefined || values.word === undefined) {
  throw new Error('search-catch-up-worker: --url, --conversation and --word are required')
}
const conversationId = values.conversation
const word = values.word

const store = await openStore({
  database_url: values.url,
  message_search: 'deferred',
  message_search_interval_ms: 3_600_000,
})
await readyThenGo()

let n = 0
async function appender(): Promise<never> {
  for (;;) {
    const inputs = Array.from({ length: 7 }, () => ({
      role: 'user' as const,
      content: `${word} n${n++}`,
    }))
    const stored = await store.messages.appendMany(conversationId, inputs)
    await say(stored.map((m) => `ack ${m.id}`).join('\n'))
    // SQLite runs an append without a hop through the event loop: yield, as between requests.
    await setImmediate()
  }
}

async function indexer(): Promise<never> {
  for (;;) {
    await say(`indexed ${await store.search.catchUp()}`)
    await setImmediate()
  }
}

try {
  await Promise.all([appender(), indexer()])
} catch (error) {
  const { code, message: text } = error as { code?: string; message?: string }
  await say(`error ${code ?? 'unknown'} ${String(text ?? error).replace(/\s+/g, ' ')}`)
  process.exitCode = 1
} finally {
  await store.close()
}
