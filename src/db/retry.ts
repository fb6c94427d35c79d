import { ChatkeepError } from '../errors.js'
import { isDriverError } from './driver-errors.js'

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number
  /** The first backoff; each later one doubles, capped at `max_delay_ms`. */
  base_delay_ms: number
  max_delay_ms: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, base_delay_ms: 20, max_delay_ms: 1000 }

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Exponential backoff with full jitter: writers who collided do not collide again in step. */
export function backoff(policy: Omit<RetryPolicy, 'retries'>, attempt: number): number {
  return Math.random() * Math.min(policy.max_delay_ms, policy.base_delay_ms * 2 ** attempt)
}

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
