import { type Command, EXIT_OK, UsageError } from '../command.js'
import { importChatGptCommand } from './import-chatgpt.js'
import { importJsonlCommand } from './import-jsonl.js'
import { importTinyDbCommand } from './import-tinydb.js'

/**
 * `chatkeep import [SOURCE] FILE`: each source reads one foreign format; without a source the
 * file is Chatkeep's own JSON Lines export.
 */
const SOURCES: readonly Command[] = [importJsonlCommand, importTinyDbCommand, importChatGptCommand]

const DEFAULT_SOURCE = 'jsonl'

const USAGE = `Usage: chatkeep import [SOURCE] FILE [options]

Sources:
${SOURCES.map((s) => `  ${s.name.padEnd(10)}${s.summary}`).join('\n')}

Without a source, FILE is a \`chatkeep export\` stream (jsonl).
\`chatkeep import SOURCE --help\` shows a source's options.`

export const importCommand: Command = {
  name: 'import',
  summary: 'Import an export, a TinyDB database or a ChatGPT export',
  usage: USAGE,
  async run(args, ctx) {
    const [first, ...rest] = args
    if (first === undefined) throw new UsageError('import needs a FILE')
    if (first === '--help' || first === '-h') {
      ctx.stdout(USAGE)
      return EXIT_OK
    }
    const named = SOURCES.find((s) => s.name === first)
    if (named !== undefined) return named.run(rest, ctx)
    const fallback = SOURCES.find((s) => s.name === DEFAULT_SOURCE)
    if (fallback === undefined) throw new UsageError(`unknown import source '${first}'`)
    return fallback.run(args, ctx)
  },
}
