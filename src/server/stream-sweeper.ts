import type { FastifyBaseLogger } from 'fastify'
import type { Store } from '../store.js'

/** How often a server sweeps: a quarter of the timeout, at least once every 10 s. */
export const sweepInterval = (timeout_ms: number) => Math.max(50, Math.min(timeout_ms / 4, 10_000))

/**
 * Runs the store's sweeper every `every_ms`: a live reply silent for STREAM_TIMEOUT_MS is
 * aborted by whichever instance sweeps first (the database lets exactly one change it). A sweep
 * that fails (the database is away) is logged and tried again at the next tick.
 */
export function startStreamSweeper(store: Store, every_ms: number, log: FastifyBaseLogger) {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    store
      .sweepStreams()
      .then((ids) => {
        if (ids.length > 0) log.info({ aborted: ids }, 'aborted silent live replies')
      })
      .catch((error: unknown) => log.warn({ err: error }, 'the stream sweep failed'))
      .finally(() => {
        running = false
      })
  }, every_ms)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
