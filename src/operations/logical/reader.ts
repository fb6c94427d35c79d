import type { Codec } from '../../db/codec.js'
import { MIGRATIONS } from '../../db/migrations/index.js'
import { ChatkeepError } from '../../errors.js'
import {
  badFile,
  type Counts,
  decodeValue,
  FORMAT,
  type Header,
  isTableName,
  specOf,
  TABLE_ORDER,
  type TableName,
  VERSION,
  zeroCounts,
} from './format.js'

/** One row of the file, its values already in the target engine's form. */
export interface RowRecord {
  table: TableName
  row: Record<string, unknown>
  /** Its line number, for messages. */
  line: number
  /** Characters of its line: batches are bounded in bytes as well as in rows. */
  size: number
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Reads an export line by line and checks it as it goes: the header first (a newer format or
 * schema is refused before anything is written), then rows in table order, then the trailer,
 * whose counts must match the rows read. A file that ends without its trailer is truncated.
 */
export class ExportReader {
  readonly #lines: AsyncIterator<string>
  readonly #codec: Codec
  #line = 0
  #header: Header | undefined

  constructor(lines: AsyncIterable<string>, codec: Codec) {
    this.#lines = lines[Symbol.asyncIterator]()
    this.#codec = codec
  }

  get line(): number {
    return this.#line
  }

  async header(): Promise<Header> {
    const text = await this.#next()
    if (text === undefined) throw badFile(1, 'the file is empty; it is not a Chatkeep export.')
    const value = this.#parse(text, false)
    if (!isObject(value) || value.format !== FORMAT) {
      throw badFile(1, 'this is not a Chatkeep export (its first line is not the export header).')
    }
    const { version, schema, engine, exported_at, rows } = value
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw badFile(1, 'the header has no valid format version.')
    }
    if (version > VERSION) {
      throw new ChatkeepError(
        'schema_too_new',
        `The export uses format version ${version}, newer than this Chatkeep reads (${VERSION}); ` +
          'upgrade Chatkeep to import it.',
      )
    }
    if (typeof schema !== 'string') throw badFile(1, 'the header names no schema.')
    if (!Object.hasOwn(MIGRATIONS, schema)) {
      throw new ChatkeepError(
        'schema_too_new',
        `The export comes from a database at migration ${schema}, which this version of ` +
          'Chatkeep does not know; upgrade Chatkeep to import it.',
      )
    }
    if (engine !== 'sqlite' && engine !== 'postgres') {
      throw badFile(1, 'the header names no engine (sqlite or postgres).')
    }
    if (typeof exported_at !== 'string') throw badFile(1, 'the header has no exported_at time.')
    this.#header = {
      format: FORMAT,
      version,
      schema,
      engine,
      exported_at,
      rows: typeof rows === 'number' ? rows : 0,
    }
    return this.#header
  }

  /** The rows, table after table; ends once the trailer has been read and checked. */
  async *rows(): AsyncGenerator<RowRecord> {
    if (this.#header === undefined) throw new Error('read the header first')
    const seen = zeroCounts()
    let order = -1
    for (let text = await this.#next(); text !== undefined; text = await this.#next()) {
      if (text.trim() === '') continue
      const value = this.#parse(text, true)
      if (!isObject(value)) throw badFile(this.#line, 'a line is not a JSON object.')
      if ('end' in value) {
        this.#checkTrailer(value.end, seen)
        await this.#expectNothingMore()
        return
      }
      const { table, row } = value
      if (!isTableName(table)) throw badFile(this.#line, `unknown table ${JSON.stringify(table)}.`)
      const position = TABLE_ORDER.indexOf(table)
      if (position < order) {
        throw badFile(this.#line, `rows of ${table} come after those of a table that refers to it.`)
      }
      order = position
      seen[table] += 1
      yield { table, row: this.#decode(table, row), line: this.#line, size: text.length }
    }
    throw badFile(
      this.#line,
      'the file ends without its last line (the row counts): it is truncated. ' +
        'Copy or download it again.',
    )
  }

  #decode(table: TableName, row: unknown): Record<string, unknown> {
    if (!isObject(row)) throw badFile(this.#line, `the row of ${table} is not an object.`)
    const spec = specOf(table)
    const decoded: Record<string, unknown> = {}
    for (const name of Object.keys(row)) {
      if (!Object.hasOwn(spec.columns, name)) {
        throw badFile(this.#line, `${table} has no column ${name}.`)
      }
    }
    for (const name of spec.names) {
      if (!Object.hasOwn(row, name)) throw badFile(this.#line, `${table}.${name} is missing.`)
      try {
        decoded[name] = decodeValue(spec.columns[name]!, row[name], this.#codec.bool)
      } catch (error) {
        throw badFile(this.#line, `${table}.${name} ${(error as Error).message}.`)
      }
    }
    return decoded
  }

  #checkTrailer(end: unknown, seen: Counts): void {
    const counts = isObject(end) ? end.counts : undefined
    if (!isObject(counts)) throw badFile(this.#line, 'the last line has no row counts.')
    for (const name of Object.keys(counts)) {
      if (!isTableName(name)) throw badFile(this.#line, `the counts name unknown table ${name}.`)
    }
    for (const table of TABLE_ORDER) {
      if (counts[table] !== seen[table]) {
        throw badFile(
          this.#line,
          `the file should hold ${String(counts[table])} rows of ${table} but holds ` +
            `${seen[table]}: it is damaged.`,
        )
      }
    }
  }

  async #expectNothingMore(): Promise<void> {
    for (let text = await this.#next(); text !== undefined; text = await this.#next()) {
      if (text.trim() !== '') throw badFile(this.#line, 'there is more after the last line.')
    }
  }

  /** A line that is not JSON: a cut-off last line means a truncated file. */
  #parse(text: string, rowsExpected: boolean): unknown {
    try {
      return JSON.parse(text)
    } catch (error) {
      throw badFile(
        this.#line,
        rowsExpected
          ? 'a line is not valid JSON; if it is the last one, the file is truncated.'
          : 'this is not a Chatkeep export (its first line is not JSON).',
        error,
      )
    }
  }

  async #next(): Promise<string | undefined> {
    let next: IteratorResult<string>
    try {
      next = await this.#lines.next()
    } catch (error) {
      throw readFailure(this.#line, error)
    }
    if (next.done === true) return undefined
    this.#line += 1
    return next.value
  }
}

/** zlib's errors mean a damaged or cut-off .gz file; anything else is the input failing. */
function readFailure(line: number, error: unknown): ChatkeepError {
  if (error instanceof ChatkeepError) return error
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return badFile(line, 'the gzip data is damaged or cut off: the file is truncated.', error)
  }
  return new ChatkeepError(
    'unavailable',
    `Reading the export failed after line ${line}: ${(error as Error).message}`,
    { cause: error },
  )
}
