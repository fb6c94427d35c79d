import { readFile } from 'node:fs/promises'
import { ChatkeepError } from '../../errors.js'
import { isRecord } from './fields.js'

/** One TinyDB document: its id within its table and its fields as stored. */
export interface TinyDbDocument {
  doc_id: string
  value: unknown
}

/** The tables Chatkeep imports; any other table (TinyDB's `_default`, say) is left alone. */
export const TINYDB_TABLES = [
  'users',
  'conversations',
  'messages',
  'sessions',
  'documents',
] as const
export type TinyDbTable = (typeof TINYDB_TABLES)[number]

export interface TinyDbFile {
  tables: Record<TinyDbTable, TinyDbDocument[]>
  /** Tables present but not imported. */
  ignored: string[]
}

/**
 * Reads a TinyDB JSON database: `{ "table": { "doc id": { …fields } } }`, as TinyDB's
 * JSONStorage writes it. TinyDB itself keeps the whole file in memory, so this does too: files
 * up to a few hundred megabytes (V8's string limit, about 512 MB, is the hard stop).
 * Documents come in doc-id order, which is the order TinyDB inserted them in.
 */
export async function readTinyDb(file: string): Promise<TinyDbFile> {
  let raw: string
  try {
    raw = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT') {
      throw new ChatkeepError(
        'not_found',
        `${file} does not exist; give the path of a TinyDB file.`,
      )
    }
    throw new ChatkeepError('validation_failed', `${file} cannot be read (${code ?? 'error'}).`, {
      cause: error,
    })
  }
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch (error) {
    throw new ChatkeepError(
      'validation_failed',
      `${file} is not a TinyDB database: it is not JSON (${(error as Error).message}).`,
      { cause: error },
    )
  }
  if (!isRecord(data)) {
    throw new ChatkeepError(
      'validation_failed',
      `${file} is not a TinyDB database: expected an object of tables at the top.`,
    )
  }
  const tables = Object.fromEntries(
    TINYDB_TABLES.map((t) => [t, [] as TinyDbDocument[]]),
  ) as Record<TinyDbTable, TinyDbDocument[]>
  const ignored: string[] = []
  for (const [name, table] of Object.entries(data)) {
    const known = (TINYDB_TABLES as readonly string[]).includes(name)
    if (!known || !isRecord(table)) {
      if (!(name === '_default' && isRecord(table) && Object.keys(table).length === 0)) {
        ignored.push(name)
      }
      continue
    }
    tables[name as TinyDbTable] = Object.entries(table)
      .map(([doc_id, value]) => ({ doc_id, value }))
      .sort((a, b) => docOrder(a.doc_id) - docOrder(b.doc_id))
  }
  return { tables, ignored }
}

/** TinyDB's doc ids are integers written as keys; anything else sorts last, in file order. */
const docOrder = (id: string): number => (/^[0-9]+$/.test(id) ? Number(id) : Infinity)
