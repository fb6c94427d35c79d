import { ChatkeepError } from '../errors.js'

export interface TokenCounts {
  tokens_used: number
  prompt_tokens: number | null
  completion_tokens: number | null
}

/**
 * A message's tokens as reported: tokens_used is the sum of prompt and completion when both
 * are given (given as well, it must equal them), at least either one alone, and 0 when none is.
 */
export function tokenCounts(data: {
  tokens_used?: number | undefined
  prompt_tokens?: number | null | undefined
  completion_tokens?: number | null | undefined
}): TokenCounts {
  const prompt_tokens = data.prompt_tokens ?? null
  const completion_tokens = data.completion_tokens ?? null
  const split = (prompt_tokens ?? 0) + (completion_tokens ?? 0)
  const tokens_used = data.tokens_used ?? split
  const both = prompt_tokens !== null && completion_tokens !== null
  if (both ? tokens_used !== split : tokens_used < split) {
    throw new ChatkeepError(
      'validation_failed',
      `/tokens_used: ${tokens_used} ${both ? 'is not' : 'is less than'} prompt_tokens + ` +
        `completion_tokens (${split}); give the sum, or leave tokens_used out.`,
      { field: '/tokens_used' },
    )
  }
  return { tokens_used, prompt_tokens, completion_tokens }
}
