/** Deterministic message payloads: the same bytes on every run, for Chatkeep and the baseline. */

const WORDS = (
  'the a context window model token answer question retrieval chunk document user assistant ' +
  'latency vector embedding prompt reply summary cache query index source reference note ' +
  'because while after before often rarely quickly carefully against between within about'
).split(' ')

/** A small linear congruential generator: deterministic, and good enough to pick words. */
function words(seed: number, length: number): string {
  let state = (seed * 2654435761 + 1) >>> 0
  let text = ''
  while (text.length < length) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    text += (text === '' ? '' : ' ') + WORDS[state % WORDS.length]
  }
  return `${text.slice(0, length - 1)}.`
}

const VARIANTS = 256
const CONTENTS = Array.from({ length: VARIANTS }, (_, i) => words(i, 300))

/** One message to append; what both sides store. */
export interface BenchMessage {
  role: 'user' | 'assistant'
  content: string
  tokens_used: number
  model_version: string
  metadata: { latency_ms: number; source: string }
}

const MESSAGES: BenchMessage[] = CONTENTS.map((content, i) => ({
  role: i % 2 === 0 ? 'user' : 'assistant',
  content,
  tokens_used: 40 + ((i * 37) % 160),
  model_version: 'gpt-4o-mini-2024-07-18',
  metadata: { latency_ms: 100 + ((i * 53) % 900), source: i % 2 === 0 ? 'web' : 'llm' },
}))

/** The i-th message of a conversation (roles alternate user, assistant, …). */
export function message(i: number): BenchMessage {
  return MESSAGES[i % VARIANTS]!
}
