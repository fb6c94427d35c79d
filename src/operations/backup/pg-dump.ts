import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, delimiter, dirname, join } from 'node:path'
import { type Readable, Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { sql } from 'kysely'
import type { PostgresDatabase } from '../../db/postgres.js'
import { KEY_STORE_SCHEMA } from '../../db/user-key-store.js'
import { ChatkeepError } from '../../errors.js'

export type PgToolName = 'pg_dump' | 'pg_restore'

/** A PostgreSQL client program that answered `--version`. */
export interface PgTool {
  path: string
  /** What `--version` printed: `pg_dump (PostgreSQL) 15.20 (Debian …)`. */
  version: string
  major: number
}

export interface FindPgTool {
  /** A path the operator gave (option or PG_DUMP / PG_RESTORE): it must work, or it is an error. */
  explicit?: string | undefined
  /** A folder to look in first (pg_restore next to the pg_dump that was chosen). */
  near?: string | undefined
  /** The oldest major version that will do: pg_dump refuses a server newer than itself. */
  min_major: number
  /** The PATH to search; `process.env.PATH` by default. */
  path?: string | undefined
}

/** Where Debian and Ubuntu keep each installed version's programs, newest first. */
async function versionedFolders(): Promise<string[]> {
  const root = '/usr/lib/postgresql'
  const versions = await readdir(root).catch(() => [] as string[])
  return versions
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'))
}

/**
 * Finds `name` whose major version is at least `min_major`: the explicit path when given (an
 * error when it does not run or is too old), else the first that fits of the `near` folder,
 * PATH and /usr/lib/postgresql/N/bin. Resolves to why none fits otherwise.
 */
export async function findPgTool(
  name: PgToolName,
  options: FindPgTool,
): Promise<{ tool: PgTool } | { reason: string }> {
  if (options.explicit !== undefined) {
    let tool: PgTool
    try {
      tool = await probe(options.explicit)
    } catch (error) {
      throw new ChatkeepError(
        'invalid_config',
        `${name} at ${options.explicit} does not run (${(error as Error).message}); fix PG_DUMP / PG_RESTORE or the --${name.replace('_', '-')} option.`,
        { cause: error },
      )
    }
    if (tool.major < options.min_major) {
      throw new ChatkeepError(
        'invalid_config',
        `${options.explicit} is ${name} ${tool.major}, too old for PostgreSQL ${options.min_major}; give a ${name} of version ${options.min_major} or later.`,
      )
    }
    return { tool }
  }
  const folders = [
    ...(options.near === undefined ? [] : [options.near]),
    ...(options.path ?? process.env.PATH ?? '').split(delimiter).filter(Boolean),
    ...(await versionedFolders()),
  ]
  const seen: string[] = []
  for (const folder of new Set(folders)) {
    const path = join(folder, name)
    if (
      !(await stat(path).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      continue
    const tool = await probe(path).catch(() => undefined)
    if (tool === undefined) continue
    if (tool.major >= options.min_major) return { tool }
    seen.push(`${path} is version ${tool.major}`)
  }
  return {
    reason:
      seen.length === 0
        ? `no ${name} was found on PATH`
        : `no ${name} of version ${options.min_major} or later was found (${seen.join(', ')})`,
  }
}

async function probe(path: string): Promise<PgTool> {
  const { stdout } = await run(path, ['--version'], {})
  const version = stdout.trim()
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(version)
  if (match === null) throw new Error(`unexpected --version output: ${version.slice(0, 100)}`)
  return { path, version, major: Number(match[1]) }
}

/** The server's major version (15 for 15.4). */
export async function serverMajor(db: PostgresDatabase): Promise<number> {
  const { rows } = await sql<{ server_version_num: string }>`show server_version_num`.execute(
    db.kysely,
  )
  return Math.floor(Number(rows[0]!.server_version_num) / 10_000)
}

/** The folder a tool lives in, to look for its sibling there first. */
export const folderOf = (tool: PgTool): string => dirname(tool.path)

/**
 * How a client program reaches the database: the URL without its password on the command line
 * (where `ps` would show it), the password in PGPASSWORD.
 */
function connection(url: string): { dbname: string; env: Record<string, string> } {
  const parsed = new URL(url)
  const password = decodeURIComponent(parsed.password)
  parsed.password = ''
  return { dbname: parsed.toString(), env: password === '' ? {} : { PGPASSWORD: password } }
}

/**
 * `pg_dump --format=custom` (compressed, one consistent snapshot) into `out`. The key store's
 * schema stays out (crypto-shredding: a backup must not carry the keys an erasure destroys),
 * so `pg_restore --clean` never touches it either.
 */
export async function pgDump(tool: PgTool, url: string, out: Writable): Promise<void> {
  const { dbname, env } = connection(url)
  const args = [
    '--format=custom',
    '--no-password',
    `--exclude-schema=${KEY_STORE_SCHEMA}`,
    `--dbname=${dbname}`,
  ]
  await run(tool.path, args, {
    env,
    stdout: out,
  })
}

/**
 * Reads a whole custom-format archive, decompressing every block, and returns the migrations
 * recorded in it. A damaged archive is `backup_corrupt`.
 */
export async function checkPgArchive(tool: PgTool, file: string): Promise<string[]> {
  try {
    await run(tool.path, ['--file=-', file], { stdout: 'drain' })
  } catch (error) {
    throw new ChatkeepError(
      'backup_corrupt',
      `${file} is not a readable pg_dump archive (${(error as Error).message}); nothing was restored.`,
      { cause: error },
    )
  }
  const { stdout } = await run(
    tool.path,
    ['--data-only', '--table=chatkeep_migration', '--file=-', file],
    {},
  )
  return copyRows(stdout).map((row) => row.split('\t')[0]!)
}

/** The rows of the COPY … FROM stdin blocks of a SQL script, as text lines. */
function copyRows(script: string): string[] {
  const rows: string[] = []
  let inside = false
  for (const line of script.split('\n')) {
    if (inside && line === '\\.') inside = false
    else if (inside) rows.push(line)
    else if (/^COPY \S*chatkeep_migration /.test(line)) inside = true
  }
  return rows
}

/**
 * `pg_restore --clean --if-exists --single-transaction` of `file`, fed on stdin: one transaction,
 * so either all of the archive is in the database or none of it. If this process dies, pg_restore
 * reads a cut-off archive, fails, and its transaction rolls back.
 */
export async function pgRestore(
  tool: PgTool,
  url: string,
  file: string,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const { dbname, env } = connection(url)
  const total = (await stat(file)).size
  let done = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length
      onProgress?.(done, total)
      callback(null, chunk)
    },
  })
  const restoring = run(
    tool.path,
    [
      '--clean',
      '--if-exists',
      '--single-transaction',
      '--exit-on-error',
      '--no-owner',
      '--no-privileges',
      '--no-password',
      `--dbname=${dbname}`,
    ],
    { env, stdin: createReadStream(file).pipe(meter) },
  )
  await restoring.catch((error: unknown) => {
    throw restoreFailure(error, file)
  })
}

/** A program that exited with a failure, and what it printed on stderr. */
class ToolFailure extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message)
  }
}

const CONNECTION_LOST =
  /connection to server|could not connect|server closed the connection|terminating connection|no connection to the server/i
const NOT_PERMITTED = /permission denied|must be owner|must be superuser/i

/**
 * Why pg_restore failed, as a code. It runs after the archive was read whole, in one
 * transaction that its failure rolls back: when PostgreSQL itself is not the cause (gone, or
 * refusing this user), the archive holds what does not restore — damaged where only a restore
 * notices, such as its table of contents, which is plain text.
 */
function restoreFailure(error: unknown, file: string): unknown {
  if (!(error instanceof ToolFailure)) return error
  const rolledBack = 'The restore rolled back: nothing changed.'
  if (CONNECTION_LOST.test(error.stderr)) {
    return new ChatkeepError(
      'unavailable',
      `${error.message}. ${rolledBack} Check that PostgreSQL is running, then restore again.`,
      { cause: error },
    )
  }
  if (NOT_PERMITTED.test(error.stderr)) {
    return new ChatkeepError(
      'invalid_config',
      `${error.message}. ${rolledBack} Restore as a user that owns the database (DATABASE_URL).`,
      { cause: error },
    )
  }
  return new ChatkeepError(
    'backup_corrupt',
    `${basename(file)} reads whole but does not restore (${error.message}): it is damaged. ` +
      `${rolledBack} Restore another backup.`,
    { cause: error },
  )
}

interface RunOptions {
  env?: Record<string, string>
  /** Where stdout goes: a stream, dropped (`drain`), or kept and returned (the default). */
  stdout?: Writable | 'drain'
  stdin?: Readable
}

/** Most of stderr kept for the error message. */
const STDERR_LIMIT = 8 * 1024

/**
 * Runs a program to the end; a non-zero exit rejects with what it printed on stderr. With a
 * stream for stdout, resolves only once the stream has taken all of it.
 */
function run(
  path: string,
  args: string[],
  options: RunOptions,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      env: { ...process.env, ...options.env },
      stdio: 'pipe',
    })
    // A program that exits before reading all its input breaks the pipe: its exit says why.
    child.stdin.on('error', () => {})
    if (options.stdin === undefined) child.stdin.end()
    let stdout = ''
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk
    })
    let piped: Promise<unknown> = Promise.resolve()
    const target = options.stdout
    if (target === undefined) {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    } else if (target === 'drain') {
      child.stdout.resume()
    } else {
      piped = pipeline(child.stdout, target)
    }
    // Settled below, after the exit: the program's own failure is the one to report.
    const fed =
      options.stdin === undefined
        ? Promise.resolve(undefined)
        : pipeline(options.stdin, child.stdin).then(
            () => undefined,
            (error: unknown) => error,
          )
    const outcome = piped.then(
      () => undefined,
      (error: unknown) => error,
    )
    child.on('error', reject)
    child.on('close', (code, signal) => {
      void Promise.all([fed, outcome]).then(([feedError, outError]) => {
        // Output that could not be written (a full disk) is why the program then died of a
        // broken pipe; input that could not be fed, the other way round.
        if (outError !== undefined) reject(outError as Error)
        else if (code !== 0) {
          const said = stderr.trim().replace(/\s*\n\s*/g, ' ') || `exit ${code ?? signal}`
          reject(new ToolFailure(`${path.split('/').pop()} failed: ${said}`, stderr))
        } else if (feedError !== undefined) reject(feedError as Error)
        else resolve({ stdout, stderr })
      })
    })
  })
}
