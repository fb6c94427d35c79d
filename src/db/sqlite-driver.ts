import type BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
} from 'kysely'
import type { Mutex } from './mutex.js'

type Statement = BetterSqlite3.Statement<unknown[], unknown>

/** Prepared statements by SQL text: Kysely's own SQLite driver prepares every statement anew. */
export class StatementCache {
  readonly #db: BetterSqlite3.Database
  readonly #cache = new Map<string, Statement>()
  readonly #limit: number

  constructor(db: BetterSqlite3.Database, limit = 500) {
    this.#db = db
    this.#limit = limit
  }

  get(sql: string): Statement {
    let stmt = this.#cache.get(sql)
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql)
      if (this.#cache.size >= this.#limit) this.#cache.delete(this.#cache.keys().next().value!)
      this.#cache.set(sql, stmt)
    }
    return stmt
  }
}

export function runStatement<R>(stmt: Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (stmt.reader) return { rows: stmt.all(...parameters) as R[] }
  const { changes } = stmt.run(...parameters)
  return { numAffectedRows: BigInt(changes), rows: [] }
}

class SqliteConnection implements DatabaseConnection {
  constructor(readonly statements: StatementCache) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return Promise.resolve(runStatement<R>(this.statements.get(query.sql), query.parameters))
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only SELECT queries can be streamed')
    for (const row of this.statements.get(query.sql).iterate(...query.parameters)) {
      yield { rows: [row as R] }
    }
  }
}

/**
 * Kysely driver over one better-sqlite3 connection. Write transactions start with BEGIN IMMEDIATE
 * so that they take the write lock up front and never fail half-way with SQLITE_BUSY on upgrade.
 */
export class SqliteDriver implements Driver {
  readonly #connection: SqliteConnection
  readonly #mutex: Mutex
  readonly #close: () => void

  constructor(statements: StatementCache, mutex: Mutex, close: () => void) {
    this.#connection = new SqliteConnection(statements)
    this.#mutex = mutex
    this.#close = close
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock()
    return this.#connection
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock()
  }

  async destroy(): Promise<void> {
    this.#close()
  }
}
