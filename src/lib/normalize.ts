/**
 * The form a username is stored and looked up in: NFKC, trimmed, case-folded. JavaScript has no
 * casefold; upper- then lower-casing gets its full folds too (ß → ss, ﬁ → fi).
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toUpperCase().toLowerCase().normalize('NFKC')
}

/** Lower-cased and trimmed; a blank address is no address (null), not an empty string. */
export function normalizeEmail(email: string | null | undefined): string | null {
  const normalized = email?.normalize('NFKC').trim().toLowerCase()
  return normalized ? normalized : null
}
