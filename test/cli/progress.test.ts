import { describe, expect, it } from 'vitest'
import { formatDuration } from '../../src/cli/format.js'
import { terminalProgress } from '../../src/cli/progress.js'

/** A terminal that keeps what was drawn, and a clock the test moves. */
function terminal(isTTY = true) {
  const written: string[] = []
  let now = 1_000_000
  return {
    stream: { isTTY, write: (text: string) => written.push(text) > 0 },
    clock: { now: () => now, advance: (ms: number) => (now += ms) },
    /** The line as it reads now: the last redraw, without the cursor controls. */
    line: () => (written.at(-1) ?? '').replace('\r\x1b[2K', ''),
    written,
  }
}

describe('progress lines', () => {
  it('show done / total, the share, the rate and the time left', () => {
    const t = terminal()
    const progress = terminalProgress(t.stream, 'export', 'rows', t.clock)
    progress.update(0, 5000)
    expect(t.line()).toBe('export [------------------------] 0% 0/5,000 rows')
    t.clock.advance(2000)
    progress.update(1000, 5000)
    expect(t.line()).toBe(
      'export [#####-------------------] 20% 1,000/5,000 rows, 500 rows/s, 8s left',
    )
    t.clock.advance(8000)
    progress.update(5000, 5000)
    expect(t.line()).toBe('export [########################] 100% 5,000/5,000 rows, 500 rows/s')
    progress.finish()
    expect(t.written.at(-1)).toBe('\n')
  })

  it('count bytes as sizes, and without a total show what is done and the rate', () => {
    const t = terminal()
    const progress = terminalProgress(t.stream, 'backup', 'bytes', t.clock)
    t.clock.advance(4000)
    progress.update(8 * 1024 * 1024)
    expect(t.line()).toBe('backup 8.0 MiB, 2.0 MiB/s')
  })

  it('wait a second before giving a rate, and redraw at most every 100 ms', () => {
    const t = terminal()
    const progress = terminalProgress(t.stream, 'import', 'rows', t.clock)
    progress.update(10, 100)
    t.clock.advance(50)
    progress.update(20, 100)
    expect(t.written).toHaveLength(1)
    expect(t.line()).toBe('import [##----------------------] 10% 10/100 rows')
  })

  it('draw nothing when the stream is not a terminal', () => {
    const t = terminal(false)
    const progress = terminalProgress(t.stream, 'export', 'rows', t.clock)
    progress.update(1, 2)
    progress.finish()
    expect(t.written).toEqual([])
  })

  it('say a time left in seconds, minutes or hours', () => {
    expect(formatDuration(42.4)).toBe('42s')
    expect(formatDuration(185)).toBe('3m 05s')
    expect(formatDuration(3 * 3600 + 120)).toBe('3h 02m')
  })
})
