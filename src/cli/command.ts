import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Env } from '../config/env.js'
import type { Progress } from './progress.js'

/** What a command may touch: the environment (read on first use) and the two output streams. */
export interface CliContext {
  env(): Env
  /** Writes one line (or several, joined by newlines) to stdout. */
  stdout(text: string): void
  stderr(text: string): void
  /** A progress line for long work (on stderr, only when it is a terminal). */
  progress(label: string, unit: string): Progress
}

export interface Command {
  name: string
  /** One line for `chatkeep --help`. */
  summary: string
  /** The full text for `chatkeep <command> --help`. */
  usage: string
  /** Resolves to the exit code; throws UsageError for bad arguments, anything else on failure. */
  run(args: string[], ctx: CliContext): Promise<number>
}

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** Bad arguments: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/**
 * Runs a `parseArgs` call, turning its errors (unknown option, missing value) into UsageError.
 * @example
 * const { values } = parseOrUsage(() => parseArgs({ args, options, allowPositionals: true }))
 */
export function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      // Node's message goes on to explain `--`; its first sentence is the part that matters.
      throw new UsageError((error as Error).message.split('. ')[0]!)
    }
    throw error
  }
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const

type OptionsConfig = NonNullable<ParseArgsConfig['options']>

/** A command's arguments as `parseArgs` gives them for its options. */
export type ParsedArgs<O extends OptionsConfig> = Pick<
  ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: O & typeof HELP_OPTION }>
  >,
  'values' | 'positionals'
>

/** What a command's work module exports: the work, on arguments already parsed. */
export interface CommandWork<O extends OptionsConfig> {
  run(parsed: ParsedArgs<O>, ctx: CliContext): Promise<number>
}

export interface CommandSpec<O extends OptionsConfig> {
  name: string
  summary: string
  usage: string
  /** The command's options; `-h, --help` is added, and prints `usage`. */
  options: O
  /**
   * Imports the module that does the work. Only a command that runs loads it (and the database
   * drivers, the server, … behind it), so `--help` and a bad flag answer at once.
   */
  load(): Promise<CommandWork<O>>
}

/** A command whose options its work module can name: `typeof exportCommand.options`. */
export interface DefinedCommand<O extends OptionsConfig> extends Command {
  readonly options: O
}

/**
 * A command from its options and its work: arguments are parsed (errors become UsageError) and
 * `--help` answered before the work is loaded.
 * @example
 * export const statsCommand = defineCommand({
 *   name: 'stats', summary: '…', usage: USAGE, options: { json: { type: 'boolean' } },
 *   load: () => import('../stats.js'),
 * })
 */
export function defineCommand<const O extends OptionsConfig>(
  spec: CommandSpec<O>,
): DefinedCommand<O> {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    options: spec.options,
    async run(args, ctx) {
      const parsed = parseOrUsage(() =>
        parseArgs({ args, allowPositionals: true, options: { ...spec.options, ...HELP_OPTION } }),
      ) as ParsedArgs<O>
      if ((parsed.values as { help?: boolean }).help) {
        ctx.stdout(spec.usage)
        return EXIT_OK
      }
      const work = await spec.load()
      return work.run(parsed, ctx)
    },
  }
}

/** The option every command that opens the database takes. */
export const DATABASE_URL_OPTION = { 'database-url': { type: 'string' } } as const

export const DATABASE_URL_HELP =
  '  --database-url URL  The database to use (overrides DATABASE_URL)'

/** A command that takes no positional argument refuses one. */
export function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`)
}

/** The one positional argument a command takes; `missing` is the error when there is none. */
export function onePositional(positionals: string[], missing: string): string {
  const [first, ...extra] = positionals
  if (first === undefined) throw new UsageError(missing)
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
  return first
}

/** A whole number of at least 1 given as a flag, or undefined when the flag is absent. */
export function wholeNumberOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a whole number of at least 1; got '${value}'`)
  }
  return n
}
