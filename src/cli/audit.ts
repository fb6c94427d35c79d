import { type CliContext, EXIT_FAILURE, EXIT_OK, type ParsedArgs, UsageError } from './command.js'
import type { auditOptions } from './commands/audit.js'
import { recordCliAction } from './cli-audit.js'
import { withStore } from './with-database.js'

/** `chatkeep audit verify`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof auditOptions>,
  ctx: CliContext,
): Promise<number> {
  const [action, ...extra] = positionals
  if (action !== 'verify') {
    throw new UsageError(action === undefined ? 'audit needs verify' : `unknown action '${action}'`)
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
  const head = values.head === undefined ? undefined : parseHead(values.head)
  const report = await withStore(ctx, values['database-url'], async (store) => {
    const sealed = values['read-only'] ? 0 : await store.audit.seal()
    const verified = await store.audit.verify(head === undefined ? {} : { head })
    // Reading the audit log is itself audited; written after the walk, so it is not counted in it.
    await recordCliAction(store.database, 'audit.verify', null, {
      ok: verified.ok,
      sealed: verified.sealed,
      problem_count: verified.problem_count,
      head: verified.head,
    })
    return { sealed_now: sealed, ...verified }
  })
  if (values.json) {
    ctx.stdout(JSON.stringify(report, null, 2))
  } else {
    ctx.stdout(
      `${report.ok ? 'The audit log is intact' : `The audit log has ${report.problem_count} problem(s)`}: ` +
        `${report.sealed} row(s) on the chain (${report.sealed_now} sealed now), ${report.unsealed} not sealed yet`,
    )
    for (const p of report.problems) {
      const where =
        p.missing_to !== undefined ? `${p.chain_seq}..${p.missing_to}` : `${p.chain_seq}`
      ctx.stdout(
        `  ${p.problem.padEnd(14)}at ${where}${p.id === undefined ? '' : ` (row ${p.id})`}`,
      )
    }
    ctx.stdout(`Head: ${report.head.chain_seq}:${report.head.hash}`)
  }
  return report.ok ? EXIT_OK : EXIT_FAILURE
}

function parseHead(text: string): { chain_seq: number; hash: string } {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text)
  if (match === null)
    throw new UsageError(`--head must be SEQ:HASH as verify prints it; got '${text}'`)
  return { chain_seq: Number(match[1]), hash: match[2]! }
}
