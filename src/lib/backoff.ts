// Waiting between attempts: exponential backoff with full jitter, and a sleep that an abort ends.
// Uses nothing but timers, so the browser client loads it too.

export interface BackoffPolicy {
  /** The first backoff's ceiling; each later one doubles, capped at `max_delay_ms`. */
  base_delay_ms: number
  max_delay_ms: number
}

/**
 * A random wait between 0 and min(max, base · 2^attempt): callers who failed together do not
 * come back together in step (full jitter).
 */
export function backoff(policy: BackoffPolicy, attempt: number, random = Math.random): number {
  return random() * Math.min(policy.max_delay_ms, policy.base_delay_ms * 2 ** attempt)
}

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const done = () => {
      signal?.removeEventListener('abort', abort)
      resolve()
    }
    const timer = setTimeout(done, ms)
    const abort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', abort, { once: true })
  })
}
