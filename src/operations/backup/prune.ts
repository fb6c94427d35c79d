import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { PARTIAL } from './files.js'
import { checksumPath, manifestPath } from './manifest.js'

/** `chatkeep-20261125T123019123Z-1a2b3c4d.db.gz`: the time first, so names sort by age. */
export const BACKUP_NAME = /^chatkeep-\d{8}T\d{9}Z-[0-9a-f]{8}\.(db\.gz|dump|jsonl\.gz)$/

/** A leftover older than this cannot belong to a backup still being written. */
const STALE_MS = 24 * 60 * 60 * 1000

/** The stamp of a backup's name: `20261125T123019123Z` for 2026-11-25T12:30:19.123Z. */
export const stampOf = (iso: string): string => iso.replace(/[-:.]/g, '')

/** The complete backups of `dir` (a file and its manifest), oldest first, as paths. */
export async function listBackups(dir: string): Promise<string[]> {
  const names = new Set(await readdir(dir).catch(() => [] as string[]))
  return [...names]
    .filter((n) => BACKUP_NAME.test(n) && names.has(`${n}.json`))
    .sort()
    .map((n) => join(dir, n))
}

/**
 * Deletes the oldest complete backups of `dir` beyond the newest `keep` (never `exclude`): the
 * manifest first, so a prune cut short never leaves something that looks complete. Also
 * removes leftovers a killed backup left behind once they are a day old: `.partial` files,
 * and backup files (and checksums) whose manifest never came. Resolves to the backups deleted.
 */
export async function pruneBackups(dir: string, keep: number, exclude?: string): Promise<string[]> {
  const backups = await listBackups(dir)
  const doomed = backups.slice(0, Math.max(0, backups.length - keep)).filter((p) => p !== exclude)
  for (const path of doomed) {
    await rm(manifestPath(path), { force: true })
    await rm(path, { force: true })
    await rm(checksumPath(path), { force: true })
  }
  const complete = new Set(backups)
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name)
    const backup = name.replace(/\.sha256$/, '')
    const leftover =
      PARTIAL.test(name) || (BACKUP_NAME.test(backup) && !complete.has(join(dir, backup)))
    if (!leftover) continue
    const age = await stat(path).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    )
    if (age > STALE_MS) await rm(path, { force: true })
  }
  return doomed
}
