/**
 * How messages enter the full-text index: in the writing transaction (`immediate`, the
 * default), later by catch-up (`deferred`), or not at all (`off`, search refused). Deferred and
 * off both mark each message written as pending in its own transaction, so a switch back to
 * immediate indexes exactly what is missing, and no update or delete of a pending row touches
 * an index entry it never had.
 */
export type MessageSearchMode = 'immediate' | 'deferred' | 'off'

export const MESSAGE_SEARCH_MODES: readonly MessageSearchMode[] = ['immediate', 'deferred', 'off']
