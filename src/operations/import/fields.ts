import { parseTimestamp } from './timestamps.js'

/** Reading loosely typed records (TinyDB documents, export JSON) one field at a time. */

export type JsonRecord = Record<string, unknown>

export const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The first of `names` the record has a non-null value for. */
export function field(record: JsonRecord, names: readonly string[]): unknown {
  for (const name of names) {
    const value = record[name]
    if (value !== undefined && value !== null) return value
  }
  return undefined
}

/** Text, or a number written as text (ids are often either). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** A whole number ≥ 0, else 0: token counts are a nicety, not a reason to drop a message. */
export const count = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0

/** Text cut to `max` characters (code points), or null for anything that is not text. */
export function clipped(value: unknown, max: number): string | null {
  const t = text(value)
  if (t === undefined || t.trim() === '') return null
  const chars = [...t]
  return chars.length > max ? chars.slice(0, max).join('') : t
}

/**
 * A time field: absent (undefined), a time, or a reason to skip the record. A time that is
 * there but cannot be read is never guessed at.
 */
export type TimeField = { time: string | undefined } | { problem: string }

export function timeField(record: JsonRecord, names: readonly string[]): TimeField {
  for (const name of names) {
    const value = record[name]
    if (value === undefined || value === null || value === '') continue
    const time = parseTimestamp(value)
    if (time === undefined) {
      return { problem: `unparseable timestamp in ${name}: ${JSON.stringify(value).slice(0, 80)}` }
    }
    return { time }
  }
  return { time: undefined }
}
