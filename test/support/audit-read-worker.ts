/**
 * A separate OS process that records the audit rows of reads as the server does, for the test
 * that kills it midway (test/conformance/read-audit-commits.test.ts):
 *
 *   node --import tsx test/support/audit-read-worker.ts --url URL --user ID [--readers 8]
 *
 * Prints `ready`, then runs `readers` concurrent loops of `store.audit.recordRead`, forever.
 * After a call has resolved — never before — it prints `ack <event id>`.
 */
import { parseArgs } from 'node:util'
import { openStore } from '../../src/index.js'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    user: { type: 'string' },
    readers: { type: 'string', default: '8' },
  },
})
if (values.url === undefined || values.user === undefined) {
  throw new Error('audit-read-worker: --url and --user are required')
}
const store = await openStore({ database_url: values.url })
const user_id = values.user
console.log('ready')
let n = 0
await Promise.all(
  Array.from({ length: Number(values.readers) }, async () => {
    for (;;) {
      const event = await store.audit.recordRead({
        action: 'message.list',
        user_id,
        target_type: 'conversation',
        target_id: `read-${n++}`,
      })
      console.log(`ack ${event.id}`)
    }
  }),
)
