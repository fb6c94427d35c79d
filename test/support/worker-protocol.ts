/**
 * The line protocol of the worker processes the kill tests start: a worker prints lines to
 * stdout and waits for `go` on stdin before it starts, so that the test kills it mid-work and
 * never mid-start-up.
 */
import { createInterface } from 'node:readline'

/**
 * Prints a line and resolves once it is in the pipe. A worker waits for that before its next
 * call, so what a kill can cut off is only the calls in flight, never a backlog of acks that
 * were queued in the worker while the reader lagged.
 */
export const say = (line: string) =>
  new Promise<void>((resolve, reject) =>
    process.stdout.write(`${line}\n`, (error) => (error ? reject(error) : resolve())),
  )

/** Prints `ready`, then waits for a line `go` on stdin; stdin is closed after it. */
export async function readyThenGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin })
  await say('ready')
  await new Promise<void>((resolve) =>
    lines.on('line', (line) => {
      if (line.trim() === 'go') resolve()
    }),
  )
  lines.close()
  process.stdin.destroy()
}
