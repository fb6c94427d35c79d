/**
 * Another process holding a SQLite file's write lock, as a CLI command or a second server does:
 *
 *   node --import tsx test/support/hold-write-lock.ts FILE [--exec SQL] [--seconds 30]
 *
 * Opens FILE, runs BEGIN IMMEDIATE (and SQL inside the transaction, uncommitted), prints
 * `locked`, and on a line `release` on stdin (or stdin closing, or after --seconds) rolls back
 * and prints `released`, then exits 0. Killed meanwhile, it leaves only its lock behind, which
 * SQLite lets go with the process.
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import BetterSqlite3 from 'better-sqlite3'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { exec: { type: 'string' }, seconds: { type: 'string', default: '30' } },
})
const file = positionals[0]
if (file === undefined) throw new Error('hold-write-lock: FILE is required')

const db = new BetterSqlite3(file, { timeout: 5000 })
db.exec('begin immediate')
if (values.exec !== undefined) db.exec(values.exec)
process.stdout.write('locked\n')

const lines = createInterface({ input: process.stdin })
await new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, Number(values.seconds) * 1000)
  const done = () => {
    clearTimeout(timer)
    resolve()
  }
  lines.on('line', (line) => line.trim() === 'release' && done())
  lines.on('close', done)
})
db.exec('rollback')
db.close()
process.stdout.write('released\n')
lines.close()
process.stdin.destroy()
