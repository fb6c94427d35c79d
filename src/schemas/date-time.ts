import { ChatkeepError } from '../errors.js'

/**
 * The one reader of times given as input (search's created_after, the audit log's since, a
 * metric's timestamp, …), so that every route and the library take and refuse the same text.
 */

/** RFC 3339: a date, a time, an optional fraction and a zone, `T` and `Z` in either case. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/**
 * The range every time is kept in once in UTC: SQLite stores times as text ordered as text, so
 * a year needs exactly four digits, and PostgreSQL has no year 0. Both engines store and
 * compare every time in it alike.
 */
export const EARLIEST_TIME = '0001-01-01T00:00:00.000Z'
export const LATEST_TIME = '9999-12-31T23:59:59.999Z'
const EARLIEST_MS = Date.parse(EARLIEST_TIME)
const LATEST_MS = Date.parse(LATEST_TIME)

export const DATE_TIME_EXPECTED =
  'must be an ISO-8601 date-time with a time zone, like 2026-11-25T12:00:00Z'

/**
 * Milliseconds since the epoch of an RFC 3339 date-time with a zone, or undefined when it is
 * not one. Strict where Date.parse is lenient: February 30, 24:00, a day without a time or a
 * time without a zone are refused, not rolled over or guessed at.
 */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  // setUTCFullYear, unlike Date.UTC, takes years before 100 as they are.
  const lastDay = new Date(0)
  lastDay.setUTCFullYear(year, month, 0)
  if (month < 1 || month > 12 || day < 1 || day > lastDay.getUTCDate()) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  const ms = Number(`${m[7] ?? ''}000`.slice(0, 3))
  let offset = 0
  if (m[8] === undefined) {
    const hours = Number(m[10])
    const minutes = Number(m[11])
    if (hours > 23 || minutes > 59) return undefined
    offset = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000
  }
  const utc = new Date(0)
  utc.setUTCFullYear(year, month - 1, day)
  utc.setUTCHours(hour, minute, second, ms)
  return utc.getTime() - offset
}

/**
 * A time given as input, in milliseconds: `validation_failed` naming `field` (a JSON pointer)
 * when it is not an RFC 3339 date-time, or falls outside EARLIEST_TIME … LATEST_TIME in UTC.
 */
export function readTime(text: string, field: string): number {
  const ms = parseDateTime(text)
  if (ms === undefined) {
    throw new ChatkeepError('validation_failed', `${field}: ${DATE_TIME_EXPECTED}.`, { field })
  }
  if (ms < EARLIEST_MS || ms > LATEST_MS) {
    throw new ChatkeepError(
      'validation_failed',
      `${field}: must be between ${EARLIEST_TIME} and ${LATEST_TIME} (in UTC).`,
      { field },
    )
  }
  return ms
}

/** A time given as input, as stored: ISO-8601 in UTC with milliseconds, so text compares in order. */
export function readInstant(text: string, field: string): string {
  return new Date(readTime(text, field)).toISOString()
}
