import { ChatkeepError, type ErrorCode } from '../errors.js'

/** What a driver error means to Chatkeep, the same for better-sqlite3 and pg. */
export type DriverErrorKind =
  | 'unique_violation'
  | 'foreign_key_violation'
  | 'check_violation'
  | 'invalid_input'
  /** Another connection holds a lock this statement needs: nothing was written, try again. */
  | 'busy'
  /** A lock was waited for as long as allowed (SQLite's lock budget, PostgreSQL's lock_timeout). */
  | 'lock_timeout'
  /** A deadlock or serialization failure: the transaction was rolled back, run it again. */
  | 'transaction_conflict'
  /** The connection could not be made, or was lost. */
  | 'connection'
  /** The disk (or the database's size limit) is full. */
  | 'storage_full'
  /** The server is out of memory or another resource; not a reason to hammer it with retries. */
  | 'resources'
  /** The handle was closed: the store is closed. */
  | 'closed'
  | 'other'

interface RawDriverError {
  code?: unknown
  message?: unknown
}

const PG_KINDS: Record<string, DriverErrorKind> = {
  '23505': 'unique_violation',
  '23503': 'foreign_key_violation',
  '23514': 'check_violation',
  '23502': 'invalid_input', // not_null_violation
  '40001': 'transaction_conflict', // serialization_failure
  '40P01': 'transaction_conflict', // deadlock_detected
  '55P03': 'lock_timeout', // lock_not_available
  '57P01': 'connection', // admin_shutdown
  '57P02': 'connection', // crash_shutdown
  '57P03': 'connection', // cannot_connect_now
  '53300': 'connection', // too_many_connections
  '53100': 'storage_full', // disk_full
  '53000': 'resources', // insufficient_resources
  '53200': 'resources', // out_of_memory
  '53400': 'resources', // configuration_limit_exceeded
}

const SQLITE_KINDS: Record<string, DriverErrorKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique_violation',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique_violation',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key_violation',
  SQLITE_CONSTRAINT_CHECK: 'check_violation',
  SQLITE_CONSTRAINT_NOTNULL: 'invalid_input',
  SQLITE_FULL: 'storage_full',
}

const NODE_KINDS: Record<string, DriverErrorKind> = {
  ECONNREFUSED: 'connection',
  ECONNRESET: 'connection',
  EPIPE: 'connection',
  ETIMEDOUT: 'connection',
  EAI_AGAIN: 'connection',
  ENOSPC: 'storage_full',
}

const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i
/** better-sqlite3 on a closed handle (a TypeError), pg on an ended pool. */
const CLOSED_MESSAGES =
  /database connection is not open|Cannot use a pool after calling end on the pool/i

export function classifyDriverError(error: unknown): DriverErrorKind {
  if (error instanceof DatabaseError) return error.kind
  const { code, message } = (error ?? {}) as RawDriverError
  if (typeof code === 'string') {
    const known = PG_KINDS[code] ?? SQLITE_KINDS[code] ?? NODE_KINDS[code]
    if (known !== undefined) return known
    if (code.startsWith('22')) return 'invalid_input' // PostgreSQL's class 22, data exceptions
    if (code.startsWith('08')) return 'connection' // PostgreSQL's class 08, connection exceptions
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy'
  }
  if (typeof message === 'string') {
    if (CLOSED_MESSAGES.test(message)) return 'closed'
    if (CONNECTION_MESSAGES.test(message)) return 'connection'
  }
  return 'other'
}

/** Where a failed statement ran, which decides what its failure means to the caller. */
export interface StatementContext {
  /**
   * The statement was a COMMIT, or a write outside a transaction: had the connection been lost
   * after it was sent, it may have been applied although no answer came back.
   */
  may_have_committed?: boolean
  /**
   * The name of the unique constraint a violation is about, for a driver that names only the
   * columns (SQLite); PostgreSQL's errors carry it.
   */
  constraintOf?: (error: unknown) => string | undefined
}

/**
 * A ChatkeepError made from a driver error. `kind` and `constraint` are for Chatkeep's own
 * services (retries, which unique key was violated); callers see a ChatkeepError like any other.
 */
export class DatabaseError extends ChatkeepError {
  readonly kind: DriverErrorKind
  /** For a unique violation: the constraint or unique index, by its PostgreSQL name on both engines. */
  readonly constraint: string | undefined

  constructor(
    kind: DriverErrorKind,
    code: ErrorCode,
    message: string,
    options: { cause: unknown; retriable: boolean; constraint?: string | undefined },
  ) {
    super(code, message, { cause: options.cause, retriable: options.retriable })
    this.kind = kind
    this.constraint = options.constraint
  }
}

const OUTCOME_UNKNOWN =
  'The connection to the database was lost after the write was sent, so whether it was stored ' +
  'is unknown. Retry it: an append with the same request_id is stored once; otherwise read ' +
  'back before writing again.'

/**
 * Turns an error met where a statement ran into a ChatkeepError (a ChatkeepError passes as it
 * is). Constraint violations the services did not expect are conflicts; losing the database is
 * `unavailable`, a full disk `storage_full`, a closed handle `store_closed`.
 */
export function translateDriverError(
  error: unknown,
  context: StatementContext = {},
): ChatkeepError {
  if (error instanceof ChatkeepError) return error
  return driverError(classifyDriverError(error), error, context)
}

/** The ChatkeepError for a driver failure of `kind`, with the driver's error as its cause. */
export function driverError(
  kind: DriverErrorKind,
  cause: unknown,
  context: StatementContext = {},
): DatabaseError {
  const made = (code: ErrorCode, message: string, retriable: boolean, constraint?: string) =>
    new DatabaseError(kind, code, message, { cause, retriable, constraint })
  switch (kind) {
    case 'unique_violation': {
      const constraint = constraintName(cause) ?? context.constraintOf?.(cause)
      return made('conflict', 'A row with the same unique key already exists.', false, constraint)
    }
    case 'foreign_key_violation':
      return made('not_found', 'A referenced row does not exist; check the ids.', false)
    case 'check_violation':
    case 'invalid_input':
      return made('validation_failed', 'The database refused a value as invalid.', false)
    case 'busy':
      return made(
        'unavailable',
        'The database is busy: another connection holds the lock this needs. Retry shortly.',
        true,
      )
    case 'lock_timeout':
      return made(
        'unavailable',
        'The database stayed locked by another connection or process for as long as Chatkeep ' +
          'waits (SQLITE_BUSY_TIMEOUT_MS on SQLite); nothing was written. Retry later, and look ' +
          'for a long-running command holding the database.',
        true,
      )
    case 'transaction_conflict':
      return made(
        'unavailable',
        'The write collided with a concurrent one (deadlock or serialization failure) and was ' +
          'rolled back; nothing was written. Retry it.',
        true,
      )
    case 'connection':
      return made(
        'unavailable',
        context.may_have_committed === true
          ? OUTCOME_UNKNOWN
          : 'The database is unavailable; retry later, and check that it is running.',
        true,
      )
    case 'storage_full':
      return made(
        'storage_full',
        'The database is out of disk space (or at its size limit), so nothing was written; ' +
          'reads still work. Free space or grow the volume, then retry.',
        false,
      )
    case 'resources':
      return made(
        'unavailable',
        'The database server is out of memory or another resource; see its logs.',
        false,
      )
    case 'closed':
      return storeClosed(cause)
    case 'other':
      return made('internal', 'The database failed unexpectedly; see the logs.', false)
  }
}

/** The answer of any database call on a closed store. */
export function storeClosed(cause?: unknown): DatabaseError {
  return new DatabaseError(
    'closed',
    'store_closed',
    'The store is closed: it was closed with close() (or the server is shutting down). Open a ' +
      'new one with openStore() to go on.',
    { cause, retriable: false },
  )
}

/** pg names the violated constraint; better-sqlite3 does not. */
function constraintName(error: unknown): string | undefined {
  const { constraint } = (error ?? {}) as { constraint?: unknown }
  return typeof constraint === 'string' ? constraint : undefined
}

/**
 * The unique constraint (or unique index) a failed write violated, by name: the same name on
 * both engines (`messages_idempotency_key`, `users_username_key`, `users_pkey`). Undefined
 * when the error is no unique violation; an empty string when the name is not known.
 */
export function violatedUniqueKey(error: unknown): string | undefined {
  const translated = error instanceof DatabaseError ? error : undefined
  if (translated === undefined || translated.kind !== 'unique_violation') return undefined
  return translated.constraint ?? ''
}

/** True when `error` is a database failure of this kind (a translated one). */
export function isDriverError(error: unknown, kind: DriverErrorKind): boolean {
  return error instanceof DatabaseError && error.kind === kind
}
