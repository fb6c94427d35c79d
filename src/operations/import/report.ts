import { ChatkeepError } from '../../errors.js'

/** What an import did, record by record where it could not place one. */

export type ImportedTable = 'users' | 'conversations' | 'messages' | 'sessions' | 'documents'

/** A source record left out, and why; `doc_id` is TinyDB's document id or the position in the export. */
export interface SkippedRecord {
  table: ImportedTable
  doc_id: string
  reason: string
}

/** A password made up for a user whose hash was missing or in a form Chatkeep cannot check. */
export interface GeneratedPassword {
  username: string
  password: string
}

export type Counts = Record<ImportedTable, number>

export interface ImportReport {
  source: 'tinydb' | 'chatgpt'
  file: string
  /** Rows written by this run. */
  created: Counts
  /** Records found already imported (or already in Chatkeep), left as they are. */
  existing: Counts
  /** Records the same file holds more than once, stored once. */
  duplicates: Counts
  skipped: SkippedRecord[]
  /** Shown once: a later run finds these users and makes up nothing. */
  generated_passwords: GeneratedPassword[]
  /** Things done differently from what the source said, for the operator to know. */
  notes: string[]
}

const zero = (): Counts => ({ users: 0, conversations: 0, messages: 0, sessions: 0, documents: 0 })

export function emptyReport(source: ImportReport['source'], file: string): ImportReport {
  return {
    source,
    file,
    created: zero(),
    existing: zero(),
    duplicates: zero(),
    skipped: [],
    generated_passwords: [],
    notes: [],
  }
}

const TABLES: ImportedTable[] = ['users', 'conversations', 'messages', 'sessions', 'documents']

/** The report as a person reads it: counts per table, then every skipped record and password. */
export function formatReport(report: ImportReport): string[] {
  const tables = TABLES.filter(
    (t) =>
      report.created[t] + report.existing[t] + report.duplicates[t] > 0 ||
      report.skipped.some((s) => s.table === t),
  )
  const lines = [`Imported ${report.file} (${report.source}):`]
  for (const t of tables) {
    const skipped = report.skipped.filter((s) => s.table === t).length
    lines.push(
      `  ${t.padEnd(14)} ${report.created[t]} new, ${report.existing[t]} already there, ` +
        `${report.duplicates[t]} duplicate, ${skipped} skipped`,
    )
  }
  if (report.skipped.length > 0) {
    lines.push('Skipped:')
    for (const s of report.skipped) lines.push(`  ${s.table} #${s.doc_id}: ${s.reason}`)
  }
  if (report.notes.length > 0) {
    lines.push('Notes:')
    for (const note of report.notes) lines.push(`  ${note}`)
  }
  if (report.generated_passwords.length > 0) {
    lines.push('Generated passwords (shown only this once; hand them out and ask for a change):')
    for (const g of report.generated_passwords) lines.push(`  ${g.username}  ${g.password}`)
  }
  return lines
}

/** A database failure ends the import; the error says where, and that a rerun resumes it. */
export function stopped(error: unknown, where: string, report: ImportReport): ChatkeepError {
  const cause = error instanceof ChatkeepError ? error : undefined
  return new ChatkeepError(
    cause?.code ?? 'internal',
    `The import stopped at ${where}: ${cause?.message ?? String(error)} Nothing of it was ` +
      `written; the ${report.created.conversations} conversation(s) imported before it are ` +
      'complete. Fix the cause and run the import again: what is there already is skipped.',
    { cause: error },
  )
}
