import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  type TransactionSettings,
} from 'kysely'
import type { ChatkeepError } from '../errors.js'
import type { StatementContext } from './driver-errors.js'

/** How the database a driver serves turns a driver error into a ChatkeepError. */
export interface DriverErrorHandling {
  translate(error: unknown, context: StatementContext): ChatkeepError
  /** The answer before anything runs on a closed database; undefined while it is open. */
  closedError(): ChatkeepError | undefined
}

class TranslatingConnection implements DatabaseConnection {
  inTransaction = false

  constructor(
    readonly inner: DatabaseConnection,
    private readonly errors: DriverErrorHandling,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query)
    } catch (error) {
      const write = !SelectQueryNode.is(query.query)
      throw this.errors.translate(error, { may_have_committed: write && !this.inTransaction })
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number) {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize)
    } catch (error) {
      throw this.errors.translate(error, {})
    }
  }
}

/**
 * Wraps an engine's Kysely driver so that every statement's failure leaves as a ChatkeepError,
 * wherever the statement was built (repositories, migrations, operations): the one place driver
 * errors are translated for Kysely queries. A COMMIT, or a write outside a transaction, whose
 * connection is lost is reported as of unknown outcome.
 */
export class TranslatingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly errors: DriverErrorHandling,
  ) {}

  init(): Promise<void> {
    return this.inner.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const closed = this.errors.closedError()
    if (closed !== undefined) throw closed
    try {
      return new TranslatingConnection(await this.inner.acquireConnection(), this.errors)
    } catch (error) {
      throw this.errors.translate(error, {})
    }
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const c = connection as TranslatingConnection
    try {
      await this.inner.beginTransaction(c.inner, settings)
    } catch (error) {
      throw this.errors.translate(error, {})
    }
    c.inTransaction = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as TranslatingConnection
    try {
      await this.inner.commitTransaction(c.inner)
    } catch (error) {
      throw this.errors.translate(error, { may_have_committed: true })
    } finally {
      c.inTransaction = false
    }
  }

  /**
   * A rollback follows a failure, and that failure is the one to report: a rollback that fails
   * too (its connection is gone) is dropped. The server rolls back on its own when the
   * connection goes, and Kysely's PostgreSQL driver discards the connection.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as TranslatingConnection
    try {
      await this.inner.rollbackTransaction(c.inner)
    } catch {
      // the transaction's own failure is rethrown by Kysely
    } finally {
      c.inTransaction = false
    }
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as TranslatingConnection).inner)
  }

  destroy(): Promise<void> {
    return this.inner.destroy()
  }
}
