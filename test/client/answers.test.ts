import { describe, expect, test } from 'vitest'
import { ChatkeepError } from '../../src/client/index.js'
import { errorFromAnswer } from '../../src/client/problem.js'
import { retryAfterMs } from '../../src/client/transport.js'
import { backoff } from '../../src/lib/backoff.js'

/** How the client reads answers it cannot get from a healthy server on cue. */

const answer = (status: number, headers: Record<string, string> = {}) =>
  new Response(null, { status, headers })

describe('errorFromAnswer', () => {
  test('takes code, field and detail from problem+json; a 5xx names its request id', () => {
    const bad = errorFromAnswer(answer(400), {
      type: 'urn:chatkeep:error:validation_failed',
      title: 'Invalid request',
      status: 400,
      code: 'validation_failed',
      detail: '/limit: must be at most 100.',
      field: '/query/limit',
    })
    expect(bad).toBeInstanceOf(ChatkeepError)
    expect(bad).toMatchObject({
      code: 'validation_failed',
      status: 400,
      field: '/query/limit',
      retriable: false,
      message: '/limit: must be at most 100.',
    })
    const failed = errorFromAnswer(answer(500, { 'x-request-id': 'req-42' }), {
      code: 'internal',
      detail: 'The server failed unexpectedly; the error is logged.',
    })
    expect(failed.message).toBe(
      'The server failed unexpectedly; the error is logged. (request req-42)',
    )
  })

  test("a code this client does not know keeps the status's code and shows the original", () => {
    const error = errorFromAnswer(answer(503), { code: 'brand_new', detail: 'Try later.' })
    expect(error).toMatchObject({ code: 'unavailable', status: 503, retriable: true })
    expect(error.message).toBe('Try later. [brand_new]')
  })

  test('an answer without a Chatkeep body (a proxy page) gets the code of its status', () => {
    const proxied = errorFromAnswer(answer(502), '<html>Bad Gateway</html>')
    expect(proxied).toMatchObject({ code: 'unavailable', status: 503, retriable: true })
    expect(proxied.message).toMatch(/^The server answered 502 without a Chatkeep error body/)
    expect(errorFromAnswer(answer(418), '')).toMatchObject({ code: 'validation_failed' })
    expect(errorFromAnswer(answer(501), '')).toMatchObject({ code: 'internal' })
    // Text that is problem+json is read as such.
    const text = JSON.stringify({ code: 'not_found', detail: 'Gone.', field: '/id' })
    expect(errorFromAnswer(answer(404), text)).toMatchObject({ code: 'not_found', field: '/id' })
  })
})

describe('retryAfterMs and backoff', () => {
  test('Retry-After is delta-seconds or an HTTP date; anything else is ignored', () => {
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(retryAfterMs('7', now)).toBe(7000)
    expect(retryAfterMs(' 0 ', now)).toBe(0)
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000)
    expect(retryAfterMs('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0)
    expect(retryAfterMs('soon', now)).toBeNull()
    expect(retryAfterMs(null, now)).toBeNull()
  })

  test('full jitter: anywhere from 0 to base · 2^attempt, capped', () => {
    const policy = { base_delay_ms: 100, max_delay_ms: 1000 }
    expect(backoff(policy, 0, () => 0)).toBe(0)
    expect(backoff(policy, 0, () => 0.5)).toBe(50)
    expect(backoff(policy, 2, () => 0.999)).toBeCloseTo(399.6)
    expect(backoff(policy, 10, () => 0.999)).toBeCloseTo(999)
  })
})
