/**
 * A separate OS process that opens a store with `migrate: true` and uses it, for the
 * migration race of the conformance suite:
 *
 *   node --import tsx test/support/open-worker.ts --url URL --username NAME
 *
 * Prints `started`, waits for a line `open` on stdin (so that several workers open at the same
 * moment), opens the store, creates a user and a conversation, appends one message and prints
 * `ok <sequence>`. A failure prints `error <code> <message>` and exits 1.
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { openStore } from '../../src/index.js'

const { values } = parseArgs({
  options: { url: { type: 'string' }, username: { type: 'string' } },
})
if (values.url === undefined || values.username === undefined) {
  throw new Error('open-worker: --url and --username are required')
}
const say = (line: string) => process.stdout.write(`${line}\n`)

const lines = createInterface({ input: process.stdin })
say('started')
await new Promise<void>((resolve) =>
  lines.on('line', (line) => {
    if (line.trim() === 'open') resolve()
  }),
)
lines.close()
process.stdin.destroy()

try {
  const store = await openStore({ database_url: values.url, migrate: true, pool_size: 2 })
  try {
    const user = await store.users.create({ username: values.username })
    const chat = await store.conversations.create({ user_id: user.id })
    const message = await store.messages.append(chat.id, { role: 'user', content: 'hello' })
    say(`ok ${message.sequence}`)
  } finally {
    await store.close()
  }
} catch (error) {
  const { code, message } = error as { code?: string; message?: string }
  say(`error ${code ?? 'unknown'} ${String(message ?? error).replace(/\s+/g, ' ')}`)
  process.exitCode = 1
}
