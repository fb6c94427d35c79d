import type { Message } from '../schemas/data.js'
import type { Renderer } from './render.js'

/** The columns, in order: one row a message, after a header row. */
export const CSV_COLUMNS = [
  'sequence',
  'id',
  'created_at',
  'role',
  'content',
  'tokens_used',
  'model_version',
  'request_id',
  'parent_id',
  'feedback',
  'metadata',
  'context_documents',
  'status',
] as const

/**
 * Free text a user or a model wrote: a spreadsheet would run such a cell as a formula when it
 * starts with = + - @ (or a tab or carriage return), so it is defused with a leading `'`. A cell
 * that starts with `'` gets one more, so the rule undoes exactly: drop one leading `'` from any
 * cell of these columns that starts with one.
 */
export const GUARDED_COLUMNS: ReadonlySet<string> = new Set([
  'content',
  'model_version',
  'request_id',
])

const FORMULA_START = /^[=+\-@\t\r']/

/** One field per RFC 4180: quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

export function guardFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value
}

function cell(column: (typeof CSV_COLUMNS)[number], message: Message): string {
  const value = message[column]
  if (value === null) return ''
  if (typeof value === 'object') return csvField(JSON.stringify(value))
  const text = String(value)
  return csvField(GUARDED_COLUMNS.has(column) ? guardFormula(text) : text)
}

/**
 * RFC 4180: CRLF after every record, the header included; UTF-8 without a byte-order mark.
 * metadata and context_documents are JSON text; null is an empty field.
 */
export const csvRenderer: Renderer = {
  extension: 'csv',
  content_type: 'text/csv; charset=utf-8; header=present',
  head: () => `${CSV_COLUMNS.join(',')}\r\n`,
  message: (message) => `${CSV_COLUMNS.map((column) => cell(column, message)).join(',')}\r\n`,
  tail: () => '',
}
