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

/**
 * A progress line on `stream` when it is a terminal, nothing otherwise (pipes, CI logs and
 * scripts get only the command's own output).
 * @example
 * const progress = terminalProgress(process.stderr, 'export', 'rows')
 */
export function terminalProgress(
  stream: NodeJS.WriteStream,
  label: string,
  unit: string,
): Progress {
  if (!stream.isTTY) return NO_PROGRESS
  let last = 0
  let drawn = false
  const draw = (done: number, total?: number) => {
    const count = `${done.toLocaleString('en-US')}${total === undefined ? '' : `/${total.toLocaleString('en-US')}`} ${unit}`
    let bar = ''
    if (total !== undefined && total > 0) {
      const filled = Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH))
      bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor((done / total) * 100)}% `
    }
    stream.write(`\r\x1b[2K${label} ${bar}${count}`)
    drawn = true
  }
  return {
    update(done, total) {
      const now = Date.now()
      if (now - last < REDRAW_MS && done !== total) return
      last = now
      draw(done, total)
    },
    finish() {
      if (drawn) stream.write('\n')
      drawn = false
    },
  }
}
