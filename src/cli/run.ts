import { version } from './version.js'
import { ChatkeepError } from '../errors.js'
import {
  type CliContext,
  type Command,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
} from './command.js'
import { auditCommand } from './commands/audit.js'
import { backupCommand } from './commands/backup.js'
import { cleanupCommand } from './commands/cleanup.js'
import { exportCommand } from './commands/export.js'
import { importCommand } from './commands/import.js'
import { keysCommand } from './commands/keys.js'
import { migrateCommand } from './commands/migrate.js'
import { restoreCommand } from './commands/restore.js'
import { seedCommand } from './commands/seed.js'
import { serveCommand } from './commands/serve.js'
import { statsCommand } from './commands/stats.js'
import { transcriptCommand } from './commands/transcript.js'
import { userCommand } from './commands/user.js'
import { didYouMean } from './suggest.js'

/** Every command by its definition: name, usage and options. Each loads its work when it runs. */
const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  backupCommand,
  restoreCommand,
  exportCommand,
  importCommand,
  keysCommand,
  seedCommand,
  cleanupCommand,
  statsCommand,
  transcriptCommand,
  userCommand,
  auditCommand,
]

const USAGE = `Usage: chatkeep <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(12)}${c.summary}`).join('\n')}

Options:
  -h, --help     Show this help; \`chatkeep <command> --help\` shows a command's
  -v, --version  Print the version of Chatkeep

Configuration comes from the environment, then a .env file in the working directory:
DATABASE_URL (a SQLite file path, or postgres://…; default ./data/chatkeep.db), DATABASE_TYPE,
DATABASE_TIMEOUT, DATABASE_POOL_*, DATABASE_INIT_RETRY_*, DATABASE_ECHO, SQLITE_SYNCHRONOUS,
SQLITE_BUSY_TIMEOUT_MS, MESSAGE_SEARCH, MESSAGE_SEARCH_INTERVAL_MS. The server's own variables are in \`chatkeep serve --help\`.`

/**
 * Runs one `chatkeep` invocation and resolves to its exit code: 0 done, 1 failed (one line
 * `error [code]: message` on stderr), 2 bad arguments (the usage on stderr).
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [name, ...args] = argv
  if (name === '--help' || name === '-h' || (name === 'help' && args.length === 0)) {
    ctx.stdout(USAGE)
    return EXIT_OK
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout(version())
    return EXIT_OK
  }
  if (name === 'help') return runCli([args[0]!, '--help'], ctx)
  if (name === undefined) return usageError(ctx, 'a command is needed', USAGE)
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) {
    if (name.startsWith('-')) return usageError(ctx, `unknown option '${name}'`, USAGE)
    const names = COMMANDS.map((c) => c.name)
    return usageError(ctx, `unknown command '${name}'${didYouMean(name, names)}`, USAGE)
  }
  try {
    return await command.run(args, ctx)
  } catch (error) {
    if (error instanceof UsageError) return usageError(ctx, error.message, command.usage)
    ctx.stderr(errorLine(error))
    return EXIT_FAILURE
  }
}

function usageError(ctx: CliContext, message: string, usage: string): number {
  ctx.stderr(`chatkeep: ${message}\n\n${usage}`)
  return EXIT_USAGE
}

/** One line for any failure; a driver's own words ride along when the message lacks them. */
export function errorLine(error: unknown): string {
  const code = error instanceof ChatkeepError ? error.code : 'internal'
  let message = error instanceof Error ? error.message : String(error)
  let cause = error
  while (cause instanceof ChatkeepError) cause = cause.cause
  if (cause instanceof Error) {
    const said = cause.message || (cause as { code?: string }).code
    if (said && !message.includes(said)) message += ` (${said})`
  }
  return `error [${code}]: ${message.replace(/\s*\n\s*/g, ' ')}`
}
