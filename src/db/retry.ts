import { classifyDriverError } from './driver-errors.js'

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number
  /** The first backoff; each later one doubles, capped at `max_delay_ms`. */
  base_delay_ms: number
  max_delay_ms: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, base_delay_ms: 20, max_delay_ms: 1000 }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs a write, retrying driver failures that left nothing written, with exponential backoff and
 * full jitter so that writers who collided do not collide again in step.
 */
export async function withRetry<T>(policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt >= policy.retries || classifyDriverError(error) !== 'retriable') throw error
      const ceiling = Math.min(policy.max_delay_ms, policy.base_delay_ms * 2 ** attempt)
      await sleep(Math.random() * ceiling)
    }
  }
}
