// The `chatkeep` command: the one place that reads the real environment and sets the exit code.
import { readEnv } from '../config/env.js'
import { terminalProgress } from './progress.js'
import { runCli } from './run.js'

process.exitCode = await runCli(process.argv.slice(2), {
  env: () => readEnv(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  progress: (label, unit) => terminalProgress(process.stderr, label, unit),
})
