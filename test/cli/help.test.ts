import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI_FROM_SOURCE, cliEnv, ROOT } from '../support/cli.js'

/**
 * `--help` must answer without loading any command's work: no database driver, no server, no
 * operation. Checked by the modules the process loads (recorded by a module hook), not by time.
 */
const RECORDER = join(ROOT, 'test/support/record-modules.mjs')
const SOURCE = pathToFileURL(join(ROOT, 'src')).href + '/'

/**
 * What `--help` may load: the entry point and dispatcher, the commands' definitions (name,
 * options, usage), the configuration reader and the constants some usages print.
 */
const HELP_MODULES =
  /^(cli\/(main|run|command|suggest|progress|format|version)\.ts|cli\/commands\/[a-z-]+\.ts|config\/[a-z-]+\.ts|errors\.ts|crypto\/key-ring\.ts|operations\/defaults\.ts)$/

const dir = mkdtempSync(join(tmpdir(), 'chatkeep-help-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let runs = 0

/** Runs the CLI from source and lists the modules it loaded: Chatkeep's own, and packages. */
function modulesLoadedBy(
  args: string[],
): Promise<{ stdout: string; own: string[]; packages: string[] }> {
  const out = join(dir, `modules-${runs++}.txt`)
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        CLI_FROM_SOURCE[0]!,
        CLI_FROM_SOURCE[1]!,
        '--import',
        RECORDER,
        ...CLI_FROM_SOURCE.slice(2),
        ...args,
      ],
      { cwd: ROOT, env: cliEnv({ CHATKEEP_RECORD_MODULES: out }) },
      (error, stdout) => {
        if (error !== null) return reject(error)
        const urls = [...new Set(readFileSync(out, 'utf8').split('\n').filter(Boolean))]
        resolve({
          stdout,
          own: urls.filter((u) => u.startsWith(SOURCE)).map((u) => u.slice(SOURCE.length)),
          packages: urls.filter((u) => u.includes('/node_modules/')),
        })
      },
    )
  })
}

const COMMANDS = [
  'serve',
  'migrate',
  'backup',
  'restore',
  'export',
  'import',
  'import jsonl',
  'import tinydb',
  'import chatgpt',
  'keys',
  'seed',
  'cleanup',
  'stats',
  'transcript',
  'user',
  'audit',
]

describe('--help loads no command module', () => {
  it('chatkeep --help', async () => {
    const loaded = await modulesLoadedBy(['--help'])
    expect(loaded.stdout).toContain('Usage: chatkeep <command>')
    expect(loaded.own.filter((m) => !HELP_MODULES.test(m))).toEqual([])
    expect(loaded.packages).toEqual([])
  })

  it.each(COMMANDS)('chatkeep %s --help', async (command) => {
    const loaded = await modulesLoadedBy([...command.split(' '), '--help'])
    expect(loaded.stdout).toContain(`Usage: chatkeep ${command.split(' ')[0]}`)
    expect(loaded.own.filter((m) => !HELP_MODULES.test(m))).toEqual([])
    expect(loaded.packages).toEqual([])
  })

  it('and a command that runs does load its work (the recorder sees it)', async () => {
    const loaded = await modulesLoadedBy(['migrate', 'up', '--database-url', join(dir, 'x.db')])
    expect(loaded.own).toContain('cli/migrate.ts')
    expect(loaded.packages.some((u) => u.includes('/node_modules/kysely/'))).toBe(true)
  })
})
