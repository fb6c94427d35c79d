import type { ModelTokens } from '../repositories/usage.js'
import type { ModelPrice } from '../schemas/usage.js'

/** The price table's key in system config: model → prices per million tokens. */
export const PRICES_KEY = 'llm.model_prices'

export type Prices = Readonly<Record<string, ModelPrice>>

/**
 * The cost of one model's tokens by the price table; tokens without a split are priced as
 * completion. A model the table has no price for costs nothing and its tokens are `unpriced`.
 */
export function costOf(t: ModelTokens, prices: Prices): { cost: number; unpriced: number } {
  const price = t.model_version === null ? undefined : prices[t.model_version]
  if (price === undefined) return { cost: 0, unpriced: t.tokens_used }
  const unsplit = Math.max(0, t.tokens_used - t.prompt_tokens - t.completion_tokens)
  const cost =
    (t.prompt_tokens * price.prompt_per_million +
      (t.completion_tokens + unsplit) * price.completion_per_million) /
    1_000_000
  return { cost, unpriced: 0 }
}

/** Costs to a millionth: sums of floating-point products read the same on both engines. */
export const roundCost = (cost: number): number => Math.round(cost * 1e6) / 1e6
