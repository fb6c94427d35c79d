import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface WorkerExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Everything the worker printed, for assertion messages. */
  stdout: string
  stderr: string
}

/** A TypeScript script of test/support running in a child process, read line by line. */
export interface Worker {
  readonly pid: number
  /** Every line printed so far. */
  readonly lines: readonly string[]
  /**
   * Resolves once `count` printed lines match (counting those already printed); rejects if the
   * worker exits first.
   */
  waitForLines(match: RegExp, count?: number): Promise<void>
  /** Writes one line to the worker's stdin. */
  send(line: string): void
  /** Resolves when the process has exited and all it printed has been read. */
  readonly exited: Promise<WorkerExit>
  /** SIGKILL, if still running. */
  kill(): void
}

/** Runs `node --import tsx test/support/<script> ...args` with piped stdio. */
export function startWorker(script: string, args: string[]): Worker {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let stdout = ''
  let stderr = ''
  let pending = ''
  let exit: WorkerExit | undefined
  const waiters: {
    match: RegExp
    count: number
    resolve: () => void
    reject: (error: Error) => void
  }[] = []
  const settle = () => {
    for (const w of [...waiters]) {
      const seen = lines.filter((line) => w.match.test(line)).length
      if (seen >= w.count) w.resolve()
      else if (exit !== undefined) {
        w.reject(
          new Error(
            `${script} exited after ${seen} of ${w.count} lines ${w.match}:\n${stdout}${stderr}`,
          ),
        )
      } else continue
      waiters.splice(waiters.indexOf(w), 1)
    }
  }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    const parts = (pending + chunk).split('\n')
    pending = parts.pop()!
    lines.push(...parts)
    settle()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  // The stdin pipe breaks if the worker dies early; its exit is what gets reported.
  child.stdin.on('error', () => {})
  const exited = new Promise<WorkerExit>((resolve) =>
    // 'close' comes after the output streams have ended: every printed line has been read.
    child.on('close', (code, signal) => {
      if (pending !== '') lines.push(pending)
      exit = { code, signal, stdout, stderr }
      settle()
      resolve(exit)
    }),
  )
  return {
    pid: child.pid!,
    lines,
    waitForLines: (match, count = 1) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ match, count, resolve, reject })
        settle()
      }),
    send: (line) => void child.stdin.write(`${line}\n`),
    exited,
    kill: () => {
      if (exit === undefined && child.exitCode === null) child.kill('SIGKILL')
    },
  }
}
