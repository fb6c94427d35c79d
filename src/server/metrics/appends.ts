import { Counter, type Registry } from 'prom-client'
import type { Database } from '../../db/database.js'
import { ROLES } from '../../schemas/data.js'
import { type AppendedEvent, appendedChannel } from '../../services/append-events.js'

/** Distinct models the token counter names; the rest share OTHER_MODEL. */
export const MAX_MODELS = 100
/** The model label of messages past MAX_MODELS distinct ones. */
export const OTHER_MODEL = '(other)'
/** The model label of messages without a model_version. */
export const NO_MODEL = '(none)'

/**
 * Label values taken as they come up to a bound, then one shared value: model_version is
 * whatever apps send, and every new value would otherwise be a new series for good.
 */
export class BoundedLabel {
  readonly #seen = new Set<string>()

  constructor(
    readonly max: number,
    readonly overflow: string,
  ) {}

  of(value: string): string {
    if (this.#seen.has(value)) return value
    if (this.#seen.size >= this.max) return this.overflow
    this.#seen.add(value)
    return value
  }
}

/**
 * Counts the messages appended to `database` (by role) and their tokens (by model) as each
 * append is acknowledged: after its commit, a replay of an idempotent append not again. An
 * append costs a counter increment or two, no query. Returns the function that stops counting.
 */
export function countAppends(registry: Registry, database: Database): () => void {
  const appended = new Counter({
    name: 'chatkeep_messages_appended_total',
    help: 'Messages stored by appends (HTTP, seed routes and library alike), by role; replays of an idempotent append are not counted.',
    labelNames: ['role'],
    registers: [registry],
  })
  // Every role from the start, so that rate() sees the first append of each.
  for (const role of ROLES) appended.inc({ role }, 0)
  const tokens = new Counter({
    name: 'chatkeep_tokens_total',
    help: `Sum of tokens_used of the messages appended, by model_version; ${NO_MODEL} when it is absent, ${OTHER_MODEL} for models past the first ${MAX_MODELS} seen.`,
    labelNames: ['model'],
    registers: [registry],
  })
  const models = new BoundedLabel(MAX_MODELS, OTHER_MODEL)

  const listener = (message: unknown) => {
    const event = message as AppendedEvent
    if (event.database !== database) return
    for (const { role, tokens_used, model_version } of event.messages) {
      appended.inc({ role })
      if (tokens_used > 0) {
        const model = models.of(
          model_version === null || model_version === '' ? NO_MODEL : model_version,
        )
        tokens.inc({ model }, tokens_used)
      }
    }
  }
  appendedChannel.subscribe(listener)
  return () => {
    appendedChannel.unsubscribe(listener)
  }
}
