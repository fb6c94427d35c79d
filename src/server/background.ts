import type { FastifyBaseLogger } from 'fastify'
import type { Store } from '../store.js'

/** How often a server sweeps: a quarter of the timeout, at least once every 10 s. */
export const sweepInterval = (timeout_ms: number) => Math.max(50, Math.min(timeout_ms / 4, 10_000))

/** How often a server seals the audit log's new rows onto its hash chain. */
export const AUDIT_SEAL_INTERVAL_MS = 5_000

/**
 * Runs `work` every `every_ms`, one run at a time. A run that fails (the database is away) is
 * logged and tried again at the next tick.
 */
function every(every_ms: number, work: () => Promise<void>, log: FastifyBaseLogger, what: string) {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    work()
      .catch((error: unknown) => log.warn({ err: error }, `${what} failed`))
      .finally(() => {
        running = false
      })
  }, every_ms)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}

/**
 * A server's own upkeep, on every instance: the stream sweeper (a live reply silent for
 * STREAM_TIMEOUT_MS is aborted by whichever instance sweeps first: the database lets exactly
 * one change it) and the audit sealer (one instance seals a row; the others find it sealed).
 */
export function startBackgroundWork(store: Store, sweep_ms: number, log: FastifyBaseLogger) {
  const jobs = [
    every(
      sweep_ms,
      async () => {
        const ids = await store.sweepStreams()
        if (ids.length > 0) log.info({ aborted: ids }, 'aborted silent live replies')
      },
      log,
      'the stream sweep',
    ),
    every(
      AUDIT_SEAL_INTERVAL_MS,
      async () => {
        await store.audit.seal()
      },
      log,
      'sealing the audit log',
    ),
  ]
  return { stop: () => jobs.forEach((job) => job.stop()) }
}
