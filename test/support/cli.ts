import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { NO_PROGRESS } from '../../src/cli/progress.js'
import { runCli } from '../../src/cli/run.js'
import { OPERATIONS_ENV_NAMES, SERVER_ENV_NAMES, STORE_ENV_NAMES } from '../../src/config/env.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

export interface CliOptions {
  /** Working directory; the repository root by default (where a `.env` would be read). */
  cwd?: string
  /** Written to the command's stdin. */
  input?: string
}

/**
 * The environment a CLI child process gets: every variable Chatkeep reads is set, empty (which
 * counts as unset) unless given, so neither the test runner's environment nor a developer's
 * `.env` can change what the CLI sees.
 */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const blank = Object.fromEntries(
    [...STORE_ENV_NAMES, ...SERVER_ENV_NAMES, ...OPERATIONS_ENV_NAMES].map((name) => [name, '']),
  )
  return { ...process.env, ...blank, ...env }
}

/** `node` arguments that run the CLI from source: `[...CLI_FROM_SOURCE, 'export', …]`. */
export const CLI_FROM_SOURCE = ['--import', 'tsx', `${ROOT}src/cli/main.ts`]

/**
 * Runs the real CLI from source in a child process, with `cliEnv(env)`.
 * @example
 * const run = await chatkeep(['migrate', 'up'], { DATABASE_URL: db.url })
 */
export function chatkeep(
  args: string[],
  env: Record<string, string> = {},
  options: CliOptions = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...CLI_FROM_SOURCE, ...args],
      { cwd: options.cwd ?? ROOT, env: cliEnv(env), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
    child.stdin?.end(options.input ?? '')
  })
}

/**
 * Runs one CLI invocation in this process (no child, no transpile on start): the same
 * `runCli` the `chatkeep` binary calls, with the environment given and output captured.
 * Prefer it to `chatkeep` unless the test is about the process itself (exit code, signals).
 */
export async function runChatkeep(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, {
    env: () => env,
    stdout: (text) => out.push(`${text}\n`),
    stderr: (text) => err.push(`${text}\n`),
    progress: () => NO_PROGRESS,
  })
  return { code, stdout: out.join(''), stderr: err.join('') }
}
