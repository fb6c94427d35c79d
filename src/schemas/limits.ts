/** Size limits on what a caller may store; each one is named in the error that enforces it. */
export const LIMITS = {
  username: 64,
  display_name: 200,
  email: 320,
  title: 500,
  short_text: 200,
  /** Characters of one message's content. */
  content: 1_000_000,
  /** Characters of the reason given with a rating. */
  feedback_reason: 2000,
  /** Bytes of one JSON field (metadata, parameters, preferences, context_documents) as text. */
  json_bytes: 64 * 1024,
  /** Parts of one message. */
  parts: 1000,
  /** Bytes of one message's parts as JSON text (data: URLs included). */
  parts_bytes: 1024 * 1024,
  /** Dimensions of one message embedding (as of a chunk's). */
  dimensions: 4096,
  /** Messages in one appendMany call. */
  batch: 1000,
  /** Rows in one page of a list. */
  page: 200,
  default_page: 20,
} as const
