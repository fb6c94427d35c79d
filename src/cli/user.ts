import { resolve } from 'node:path'
import type { ErasureReport } from '../schemas/privacy.js'
import type { UserExportManifest } from '../operations/personal-data/export.js'
import { type CliContext, EXIT_OK, type ParsedArgs, UsageError } from './command.js'
import type { userOptions } from './commands/user.js'
import { cliActor } from './cli-audit.js'
import { formatBytes } from './format.js'
import { writeNewFile } from './new-file.js'
import { withStore } from './with-database.js'

/** `chatkeep user`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof userOptions>,
  ctx: CliContext,
): Promise<number> {
  const [action, username, ...extra] = positionals
  if (action !== 'export' && action !== 'erase') {
    throw new UsageError(
      action === undefined ? 'user needs export or erase' : `unknown action '${action}'`,
    )
  }
  if (username === undefined) throw new UsageError(`user ${action} needs a USERNAME`)
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
  if (action === 'export') {
    if (values.yes) throw new UsageError('--yes is for erase; export changes nothing')
    const output = values.output ?? `${username}-export.zip`
    if (output === '') throw new UsageError('--output needs a file name, or - for stdout')
    return withStore(ctx, values['database-url'], async (store) => {
      const user = await store.users.getByUsername(username)
      const actor = cliActor()
      if (output === '-') {
        const manifest = await store.privacy.export(user.id, process.stdout, { actor })
        // stdout carries the zip: the summary goes to stderr.
        ctx.stderr(exportLine(manifest, 'stdout'))
        return EXIT_OK
      }
      const { summary, bytes } = await writeNewFile(resolve(output), (out) =>
        store.privacy.export(user.id, out, { actor }),
      )
      ctx.stdout(`${exportLine(summary, output)} (${formatBytes(bytes)})`)
      return EXIT_OK
    })
  }
  if (values.output !== undefined) throw new UsageError('--output is for export')
  if (!values.yes) {
    throw new UsageError(
      `erasing ${username} removes every row and file of theirs and cannot be undone; add --yes to confirm`,
    )
  }
  return withStore(ctx, values['database-url'], async (store) => {
    const user = await store.users.getByUsername(username)
    const report = await store.privacy.erase(user.id, cliActor())
    for (const line of erasureLines(report)) ctx.stdout(line)
    return EXIT_OK
  })
}

const exportLine = (m: UserExportManifest, where: string) => {
  const rows = Object.values(m.counts).reduce((sum, n) => sum + n, 0)
  return (
    `Exported ${m.username}: ${rows.toLocaleString('en-US')} rows, ` +
    `${m.conversations.length} conversation(s) to ${where}`
  )
}

function erasureLines(report: ErasureReport): string[] {
  const counts = Object.entries(report.counts).map(([kind, n]) => `  ${kind.padEnd(16)}${n}`)
  return [
    `Erased ${report.username} (${report.user_id}) at ${report.erased_at}:`,
    ...counts,
    `  data key        ${report.data_key}`,
    `  cached copies   ${report.cache.keys.join(', ')}`,
    'The report is in the audit log as user.erased.',
  ]
}
