import type { Store } from '../src/index.js'

export interface SequenceCheck {
  ok: boolean
  text: string
}

/**
 * Whether a conversation holds exactly the sequences 1..expected, each once, and its
 * message_count says `expected`.
 */
export async function checkSequences(
  store: Store,
  conversation_id: string,
  expected: number,
): Promise<SequenceCheck> {
  const db = store.database.kysely
  const seq = await db
    .selectFrom('messages')
    .where('conversation_id', '=', conversation_id)
    .select((eb) => [
      eb.fn.countAll().as('rows'),
      eb.fn.count('sequence').distinct().as('distinct'),
      eb.fn.min('sequence').as('first'),
      eb.fn.max('sequence').as('last'),
    ])
    .executeTakeFirstOrThrow()
  const conversation = await db
    .selectFrom('conversations')
    .select('message_count')
    .where('id', '=', conversation_id)
    .executeTakeFirstOrThrow()
  const [rows, distinct, first, last] = [seq.rows, seq.distinct, seq.first, seq.last].map(Number)
  const gapless = rows === expected && distinct === expected && first === 1 && last === expected
  const counted = Number(conversation.message_count) === expected
  const text =
    (gapless
      ? `sequences 1..${expected}`
      : `sequences ${first}..${last}, ${rows} rows, ${distinct} distinct (want 1..${expected})`) +
    `, message_count ${conversation.message_count}`
  return { ok: gapless && counted, text }
}

/** Checks many conversations; one line: all fine, or the first that is not. */
export async function checkAll(
  store: Store,
  expected: readonly { conversation_id: string; messages: number }[],
): Promise<SequenceCheck> {
  for (const { conversation_id, messages } of expected) {
    const check = await checkSequences(store, conversation_id, messages)
    if (!check.ok) return { ok: false, text: `conversation ${conversation_id}: ${check.text}` }
  }
  const counts = [...new Set(expected.map((e) => e.messages))].join(' or ')
  return {
    ok: true,
    text: `${expected.length} conversations, each sequences 1..n, n = message_count = ${counts}`,
  }
}
