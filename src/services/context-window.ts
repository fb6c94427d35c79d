import type { Message } from '../schemas/data.js'

/** What a context read may spend; absent limits do not bind. */
export interface ContextOptions {
  max_tokens?: number
  max_messages?: number
  /** The message the path ends at; absent: the conversation's active leaf. */
  leaf?: string
}

export type TokenSource = 'tokens_used' | 'estimate'

export interface ContextMessage {
  message: Message
  tokens: number
  token_source: TokenSource
}

export interface ContextWindow {
  messages: ContextMessage[]
  total_tokens: number
  total_messages: number
  /**
   * Path messages left out: those a summary replaces, those over budget, and live replies that
   * ended before any content arrived.
   */
  omitted: number
  /** Whether a budget left out something the summary did not already cover. */
  truncated: boolean
}

/** Role and separators every chat format adds around a message's text. */
export const MESSAGE_OVERHEAD_TOKENS = 4

/**
 * tokens_used when the writer recorded it (non-zero), else ceil(characters / 4) of the text and
 * the parts' JSON plus MESSAGE_OVERHEAD_TOKENS: close enough for English with common tokenizers,
 * and never zero, so a count budget and a token budget agree on empty messages.
 */
export function messageTokens(m: Message): { tokens: number; token_source: TokenSource } {
  if (m.tokens_used > 0) return { tokens: m.tokens_used, token_source: 'tokens_used' }
  const chars = m.content.length + (m.parts === null ? 0 : JSON.stringify(m.parts).length)
  return { tokens: Math.ceil(chars / 4) + MESSAGE_OVERHEAD_TOKENS, token_source: 'estimate' }
}

/**
 * A live reply that ended (aborted, failed) before any of it arrived: nothing for an LLM to read,
 * and an empty assistant turn would only confuse it. One that ended with content keeps it.
 */
function endedEmpty(m: Message): boolean {
  return (
    (m.status === 'aborted' || m.status === 'failed') &&
    m.content === '' &&
    (m.parts ?? []).length === 0
  )
}

function callIds(m: Message): string[] {
  return (m.parts ?? []).flatMap((p) => (p.type === 'tool_call' ? [p.id] : []))
}

function resultIds(m: Message): string[] {
  const ids = (m.parts ?? []).flatMap((p) => (p.type === 'tool_result' ? [p.tool_call_id] : []))
  const own = m.metadata['tool_call_id']
  if (m.role === 'tool' && typeof own === 'string') ids.push(own)
  return ids
}

/**
 * Splits the path (root first) into units that go in whole or not at all: an assistant message
 * with tool calls together with the following messages that answer one of those calls; every
 * other message alone.
 */
function groups(path: Message[]): Message[][] {
  const out: Message[][] = []
  let open: Set<string> | null = null
  for (const m of path) {
    const answers = resultIds(m)
    if (open !== null && answers.length > 0 && answers.every((id) => open!.has(id))) {
      out[out.length - 1]!.push(m)
      continue
    }
    const calls = callIds(m)
    open = calls.length > 0 ? new Set(calls) : null
    out.push([m])
  }
  return out
}

/**
 * The window an LLM is sent: the path's leading system messages always, then the newest
 * groups that fit both budgets, oldest first. Everything before the latest compaction summary
 * (metadata.summary_of naming a message earlier on the path) is replaced by that summary.
 */
export function contextWindow(whole: Message[], options: ContextOptions): ContextWindow {
  const path = whole.filter((m) => !endedEmpty(m))
  let head = 0
  while (head < path.length && path[head]!.role === 'system') head++
  const system = path.slice(0, head)
  let body = path.slice(head)
  const position = new Map(body.map((m, i) => [m.id, i]))
  for (let i = body.length - 1; i >= 0; i--) {
    const covers = body[i]!.metadata['summary_of']
    const end = typeof covers === 'string' ? position.get(covers) : undefined
    if (end !== undefined && end < i) {
      body = [body[i]!, ...body.slice(end + 1, i), ...body.slice(i + 1)]
      break
    }
  }
  const priced = (ms: Message[]) => ms.map((m) => ({ message: m, ...messageTokens(m) }))
  const head_ = priced(system)
  let tokens = head_.reduce((s, m) => s + m.tokens, 0)
  let count = head_.length
  const maxTokens = options.max_tokens ?? Infinity
  const maxMessages = options.max_messages ?? Infinity
  const taken: ContextMessage[][] = []
  const units = groups(body)
  for (let i = units.length - 1; i >= 0; i--) {
    const unit = priced(units[i]!)
    const cost = unit.reduce((s, m) => s + m.tokens, 0)
    if (tokens + cost > maxTokens || count + unit.length > maxMessages) break
    tokens += cost
    count += unit.length
    taken.unshift(unit)
  }
  const messages = [...head_, ...taken.flat()]
  const omitted = whole.length - messages.length
  return {
    messages,
    total_tokens: tokens,
    total_messages: messages.length,
    omitted,
    truncated: taken.length < units.length,
  }
}
