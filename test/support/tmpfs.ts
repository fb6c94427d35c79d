import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A small file system of its own (tmpfs), for filling a disk on purpose. */
export interface Tmpfs {
  readonly dir: string
  unmount(): void
}

/** Mounts a tmpfs of `bytes` (rounded up to whole pages) on a new temporary folder. */
export function mountTmpfs(bytes: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' })
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Why a tmpfs cannot be mounted here (mounting needs root, or CAP_SYS_ADMIN in a container), or
 * undefined when it can: tried once, for real.
 */
export function tmpfsUnavailable(): string | undefined {
  try {
    mountTmpfs(4096).unmount()
    return undefined
  } catch (error) {
    const said = (error as { stderr?: Buffer }).stderr?.toString().trim()
    return said || (error as Error).message
  }
}
