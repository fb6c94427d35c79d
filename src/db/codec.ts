/**
 * The few places where the engines hand back different shapes for the same value. Repositories
 * decode rows through this, so that data objects look the same on both engines.
 */
export interface Codec {
  /** A JSON column as it comes back: text on SQLite, already parsed on PostgreSQL. */
  json<T>(raw: unknown): T
  /** A boolean as bound to a statement: SQLite has no boolean type. */
  bool(value: boolean): boolean | number
}

export const sqliteCodec: Codec = {
  json: <T>(raw: unknown) => (typeof raw === 'string' ? (JSON.parse(raw) as T) : (raw as T)),
  bool: (value) => (value ? 1 : 0),
}

export const postgresCodec: Codec = {
  json: <T>(raw: unknown) => raw as T,
  bool: (value) => value,
}

/** JSON as written to a JSON column on either engine. */
export const encodeJson = (value: unknown): string => JSON.stringify(value)
