/**
 * A separate OS process that restores a backup, for the test that SIGKILLs a restore midway:
 *
 *   node --import tsx test/support/restore-worker.ts --url URL --file FILE --dir DIR [--slow MS]
 *
 * Prints `stage <name>` as each step of the restore begins and `progress <done> <total>` as the
 * restoring step goes, then `done`. With `slow`, each progress report blocks the process that
 * many milliseconds, as a slow disk would: the kill then lands inside the restoring step.
 */
import { parseArgs } from 'node:util'
import { resolveConfig } from '../../src/config/store-config.js'
import { openDatabase } from '../../src/db/open.js'
import { restoreBackup } from '../../src/operations/backup/restore.js'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    file: { type: 'string' },
    dir: { type: 'string' },
    slow: { type: 'string', default: '0' },
  },
})
if (values.url === undefined || values.file === undefined || values.dir === undefined) {
  throw new Error('restore-worker: --url, --file and --dir are required')
}
const slow = Number(values.slow)
const pause = new Int32Array(new SharedArrayBuffer(4))

const db = await openDatabase(resolveConfig({ database_url: values.url }))
try {
  await restoreBackup(db, values.file, {
    backup_dir: values.dir,
    keep: 5,
    onStage: (stage) => process.stdout.write(`stage ${stage}\n`),
    onProgress: (done, total) => {
      process.stdout.write(`progress ${done} ${total}\n`)
      if (slow > 0) Atomics.wait(pause, 0, 0, slow)
    },
  })
  process.stdout.write('done\n')
} catch (error) {
  process.stdout.write(`error ${String((error as Error).message).replace(/\s+/g, ' ')}\n`)
  process.exitCode = 1
} finally {
  await db.close()
}
