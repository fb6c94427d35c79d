import { ChatkeepError } from '../errors.js'

/** What a driver error means to Chatkeep, the same for better-sqlite3 and pg. */
export type DriverErrorKind =
  | 'unique_violation'
  | 'foreign_key_violation'
  | 'check_violation'
  | 'invalid_input'
  /** Failed before anything was written: safe to retry any write. */
  | 'retriable'
  | 'other'

interface DriverError {
  code?: unknown
  message?: unknown
}

const PG_RETRIABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
])
const NODE_RETRIABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'])
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i

export function classifyDriverError(error: unknown): DriverErrorKind {
  const { code, message } = (error ?? {}) as DriverError
  if (typeof code === 'string') {
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'unique_violation'
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique_violation'
    if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key_violation'
    if (code === '23514' || code === 'SQLITE_CONSTRAINT_CHECK') return 'check_violation'
    if (code === '22P02' || code === '22001' || code === '22003') return 'invalid_input'
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'retriable'
    if (PG_RETRIABLE.has(code) || NODE_RETRIABLE.has(code)) return 'retriable'
  }
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return 'retriable'
  return 'other'
}

/**
 * Turns a driver error that reached the caller into a ChatkeepError. Constraint violations the
 * services did not expect are conflicts; losing the database is `unavailable`.
 */
export function translateDriverError(error: unknown): ChatkeepError {
  if (error instanceof ChatkeepError) return error
  switch (classifyDriverError(error)) {
    case 'unique_violation':
      return new ChatkeepError('conflict', 'A row with the same unique key already exists.', {
        cause: error,
      })
    case 'foreign_key_violation':
      return new ChatkeepError('not_found', 'A referenced row does not exist; check the ids.', {
        cause: error,
      })
    case 'check_violation':
    case 'invalid_input':
      return new ChatkeepError('validation_failed', 'The database refused a value as invalid.', {
        cause: error,
      })
    case 'retriable':
      return new ChatkeepError(
        'unavailable',
        'The database is unavailable or busy; retry later, and check that it is running.',
        { cause: error },
      )
    case 'other':
      return new ChatkeepError('internal', 'The database failed unexpectedly; see the logs.', {
        cause: error,
      })
  }
}

/**
 * The constraint or columns a unique violation names: pg gives the constraint, SQLite the
 * columns (`UNIQUE constraint failed: users.username`). Services match on a column name.
 */
export function violatedUniqueKey(error: unknown): string | undefined {
  const raw = error instanceof ChatkeepError ? error.cause : error
  if (classifyDriverError(raw) !== 'unique_violation') return undefined
  const { constraint, message } = raw as { constraint?: unknown; message?: unknown }
  if (typeof constraint === 'string') return constraint
  return typeof message === 'string' ? message : ''
}
