import { formatBytes, formatDuration } from './format.js'

/** Long work reports how far it got; on a terminal that is one line redrawn in place. */
export interface Progress {
  /** `done` units so far, out of `total` when known. Cheap to call on every row. */
  update(done: number, total?: number): void
  /** Ends the line; the work's own summary is printed by the command on stdout. */
  finish(): void
}

export const NO_PROGRESS: Progress = { update() {}, finish() {} }

const REDRAW_MS = 100
const BAR_WIDTH = 24
/** A rate (and so a time left) measured over less than this is noise, and not shown. */
const RATE_AFTER_MS = 1000

export interface ProgressOptions {
  /** The clock, in milliseconds; tests set it. */
  now?: () => number
}

/** Where a progress line goes: a terminal stream, or anything that looks like one in a test. */
export type ProgressStream = Pick<NodeJS.WriteStream, 'isTTY' | 'write'>

/**
 * A progress line on `stream` when it is a terminal, nothing otherwise (pipes, CI logs and
 * scripts get only the command's own output): done / total, a bar, the rate since the start
 * and, with a total, the time left at that rate.
 * @example
 * const progress = terminalProgress(process.stderr, 'export', 'rows')
 * // export [##########--------------] 42% 2,100/5,000 rows, 840 rows/s, 3s left
 */
export function terminalProgress(
  stream: ProgressStream,
  label: string,
  unit: string,
  options: ProgressOptions = {},
): Progress {
  if (!stream.isTTY) return NO_PROGRESS
  const now = options.now ?? Date.now
  const started = now()
  const amount = (n: number) =>
    unit === 'bytes' ? formatBytes(n) : `${n.toLocaleString('en-US')} ${unit}`
  let last = -Infinity
  let drawn = false
  const draw = (done: number, total: number | undefined, at: number) => {
    const parts: string[] = []
    if (total !== undefined && total > 0) {
      const share = Math.min(1, done / total)
      const filled = Math.round(share * BAR_WIDTH)
      parts.push(
        `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}%`,
      )
    }
    parts.push(
      total === undefined
        ? amount(done)
        : unit === 'bytes'
          ? `${formatBytes(done)}/${formatBytes(total)}`
          : `${done.toLocaleString('en-US')}/${amount(total)}`,
    )
    let line = `${label} ${parts.join(' ')}`
    const elapsed = at - started
    if (elapsed >= RATE_AFTER_MS && done > 0) {
      const perSecond = (done * 1000) / elapsed
      line += `, ${unit === 'bytes' ? formatBytes(perSecond) : `${amount(Math.round(perSecond))}`}/s`
      if (total !== undefined && total > done) {
        line += `, ${formatDuration((total - done) / perSecond)} left`
      }
    }
    stream.write(`\r\x1b[2K${line}`)
    drawn = true
  }
  return {
    update(done, total) {
      const at = now()
      if (at - last < REDRAW_MS && done !== total) return
      last = at
      draw(done, total, at)
    },
    finish() {
      if (drawn) stream.write('\n')
      drawn = false
    },
  }
}
