/**
 * Another process holding SQLite's write lock, as a CLI command or a second server would:
 *
 *   node --import tsx test/support/lock-holder.ts --path FILE
 *
 * Opens the file, runs BEGIN IMMEDIATE and prints `locked`; on a line `release` on stdin it
 * commits, prints `released` and exits.
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import BetterSqlite3 from 'better-sqlite3'

const { values } = parseArgs({ options: { path: { type: 'string' } } })
if (values.path === undefined) throw new Error('lock-holder: --path is required')
const db = new BetterSqlite3(values.path)
db.exec('begin immediate')
process.stdout.write('locked\n')
const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (line.trim() !== 'release') return
  db.exec('commit')
  db.close()
  process.stdout.write('released\n')
  lines.close()
})
