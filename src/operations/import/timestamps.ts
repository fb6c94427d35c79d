/**
 * Times as old systems wrote them, read into Chatkeep's one form (ISO-8601 UTC with ms and Z).
 *
 * Understood:
 * - ISO-8601 text: `2024-03-01T12:00:00Z`, with or without seconds, a fraction of any length
 *   (cut to milliseconds), a space instead of `T` (Python's `str(datetime)`), a zone (`Z`,
 *   `+02:00`, `+0200`, `+02`, ` UTC`) or none. Text without a zone is taken as UTC, as Python's
 *   `datetime.utcnow().isoformat()` writes it. A date alone is midnight UTC.
 * - Epoch numbers, or digits as text: below 10^11 they are seconds (fractions kept to the
 *   millisecond), below 10^14 milliseconds, below 10^17 microseconds. 10^11 seconds is the year
 *   5138 and 10^11 milliseconds is 1973, so the ranges cannot be mistaken for one another for
 *   any time after 1973.
 * Anything else, and any time outside the years 1970 to 9999, is not a time (undefined).
 */
export function parseTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number') return fromEpoch(value)
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (/^[0-9]+(?:\.[0-9]+)?$/.test(text)) return fromEpoch(Number(text))
  return fromIso(text)
}

const MIN_MS = 0
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

function fromEpoch(n: number): string | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined
  const ms = n < 1e11 ? n * 1000 : n < 1e14 ? n : n < 1e17 ? n / 1000 : NaN
  return inRange(Math.round(ms))
}

const ISO =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?)?\s*(Z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?$/i

function fromIso(text: string): string | undefined {
  const m = ISO.exec(text)
  if (m === null) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = ''] = m
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number]
  const [year, month, day, hour, minute, second] = parts
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'))
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms)
  const check = new Date(local)
  // Date.UTC rolls 2024-02-30 over to March; a date that does not exist is no time.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined
  }
  const offset = zoneMinutes(zone)
  return offset === undefined ? undefined : inRange(local - offset * 60_000)
}

/** Minutes east of UTC; none, `Z`, `UTC` and `GMT` are 0. */
function zoneMinutes(zone: string): number | undefined {
  if (zone === '' || /^(?:z|utc|gmt)$/i.test(zone)) return 0
  const m = /^([+-])([0-9]{2}):?([0-9]{2})?$/.exec(zone)
  if (m === null) return undefined
  const hours = Number(m[2])
  const minutes = Number(m[3] ?? '0')
  if (hours > 23 || minutes > 59) return undefined
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes)
}

function inRange(ms: number): string | undefined {
  return Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS
    ? new Date(ms).toISOString()
    : undefined
}
