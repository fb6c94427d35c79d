// The `chatkeep` command: the one place that reads the real environment and sets the exit code.
import { readEnv } from '../config/env.js'
import { EXIT_OK } from './command.js'
import { terminalProgress } from './progress.js'
import { runCli } from './run.js'

// A reader that has read enough (`chatkeep export -o - | head`) closes the pipe: that ends the
// command quietly and successfully, as it does a Unix tool, instead of with a stack trace.
// Commands write their summary once their work is done, so what ends here only reads.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_OK)
    throw error
  })
}

process.exitCode = await runCli(process.argv.slice(2), {
  env: () => readEnv(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  progress: (label, unit) => terminalProgress(process.stderr, label, unit),
})
