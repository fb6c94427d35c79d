import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

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

/** The options of `chatkeep seed`, for `parseArgs`. */
export const seedOptions = {
  ...DATABASE_URL_OPTION,
  json: { type: 'boolean', default: false },
} as const

export const seedCommand = defineCommand({
  name: 'seed',
  summary: 'Create the default admin and users (idempotent)',
  usage: USAGE,
  options: seedOptions,
  load: () => import('../seed.js'),
})
