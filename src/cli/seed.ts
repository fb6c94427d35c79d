import { seed, seedPlanFromEnv } from '../operations/seed.js'
import { EXIT_OK, type CliContext, type ParsedArgs, noPositionals } from './command.js'
import { renderTable } from './table.js'
import { withStore } from './with-database.js'
import type { seedOptions } from './commands/seed.js'

/** `chatkeep seed`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof seedOptions>,
  ctx: CliContext,
): Promise<number> {
  noPositionals(positionals)
  // Checked before the database is opened: a bad entry writes nothing.
  const plan = seedPlanFromEnv(ctx.env())
  const result = await withStore(ctx, values['database-url'], async (store) => {
    return seed(store, plan)
  })
  if (values.json) {
    ctx.stdout(JSON.stringify(result, null, 2))
    return EXIT_OK
  }
  ctx.stdout(
    renderTable(
      ['username', 'role', 'status', 'password'],
      result.users.map((u) => [
        u.username,
        u.role,
        u.status,
        u.password ?? (u.password_source === 'given' ? '(as given)' : ''),
      ]),
    ),
  )
  for (const user of result.users) {
    for (const note of user.notes) ctx.stderr(`note: ${user.username} ${note}`)
  }
  if (result.users.some((u) => u.password !== null)) {
    ctx.stdout('\nGenerated passwords are shown this once: keep them somewhere safe now.')
  }
  return EXIT_OK
}
