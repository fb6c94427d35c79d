import { seed, seedPlanFromEnv } from '../operations/seed.js'
import { defineCommand, EXIT_OK, UsageError } from './command.js'
import { renderTable } from './table.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withStore } from './with-database.js'

const USAGE = `Usage: chatkeep seed [options]

Makes sure the default admin and users exist; safe to run again. A user that exists already is
left exactly as it is (password and role); a difference from what was asked is reported.

Environment:
  SEED_ADMIN_USERNAME  The admin's username (default: admin)
  SEED_ADMIN_PASSWORD  The admin's password (8 characters or more); absent, a strong one is
                       generated and printed once, when the admin is created
  SEED_USERS           More users (role user), comma-separated: \`name\` or \`name:password\`,
                       e.g. \`alice,bob:correct-horse\`; a name without a password gets a
                       generated one, printed once. A password cannot hold a comma.

Options:
${DATABASE_URL_HELP}
  --json              Print JSON (generated passwords included, once)
  -h, --help          Show this help`

export const seedCommand = defineCommand({
  name: 'seed',
  summary: 'Create the default admin and users (idempotent)',
  usage: USAGE,
  options: { ...DATABASE_URL_OPTION, json: { type: 'boolean', default: false } },
  async run({ values, positionals }, ctx) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`)
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
  },
})
