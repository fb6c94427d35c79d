import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { SERVER_ENV_NAMES, STORE_ENV_NAMES } from '../../src/config/env.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const LISTENING = /^Chatkeep listening on (http:\/\/\S+) /m

/** A `chatkeep serve` child process: a real server, which a test can SIGKILL. */
export interface ServeProcess {
  child: ChildProcess
  url: string
  output(): string
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Starts `chatkeep serve` on `database_url` with `env` (every other variable blank). */
export async function startServeProcess(
  database_url: string,
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  const blank = Object.fromEntries([...STORE_ENV_NAMES, ...SERVER_ENV_NAMES].map((n) => [n, '']))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--database-url', database_url],
    {
      cwd: ROOT,
      env: { ...process.env, ...blank, AUTH_RATE_LIMIT_PER_MINUTE: '1000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const look = (chunk: string) => {
      output += chunk
      const found = LISTENING.exec(output)
      if (found) resolve(found[1]!)
    }
    child.stdout!.setEncoding('utf8').on('data', look)
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    void exited.then(() => reject(new Error(`serve exited before listening:\n${output}`)))
  })
  return {
    child,
    url,
    output: () => output,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}
