import { ChatkeepError } from '../errors.js'
import { backoff, sleep } from '../lib/backoff.js'
import { isDriverError } from './driver-errors.js'

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number
  /** The first backoff; each later one doubles, capped at `max_delay_ms`. */
  base_delay_ms: number
  max_delay_ms: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, base_delay_ms: 20, max_delay_ms: 1000 }

/**
 * Runs a write, retrying the failures a ChatkeepError marks `retriable`. A lock already waited
 * for as long as allowed is not waited for again.
 */
export async function withRetry<T>(policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const again =
        attempt < policy.retries &&
        error instanceof ChatkeepError &&
        error.retriable &&
        !isDriverError(error, 'lock_timeout')
      if (!again) throw error
      await sleep(backoff(policy, attempt))
    }
  }
}
