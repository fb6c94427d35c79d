import type { Message } from '../schemas/data.js'
import type { MessageSignals } from './message-signals.js'

/**
 * What a follower of a live reply receives. Offsets count UTF-16 code units of the content (a
 * JavaScript string's length): `offset` is where the content stands after the event, and a
 * follower that reconnects with it (`after`, or SSE's Last-Event-ID) goes on from there.
 */
export type StreamEvent =
  /** First: the content stored so far, from `after` on (empty when there is none yet). */
  | { type: 'content'; offset: number; content: string }
  /** Content added since the previous event, as checkpoints store it. */
  | { type: 'delta'; offset: number; content: string }
  /** Last: the message as it ended (`complete`, `aborted` or `failed`). */
  | { type: 'end'; offset: number; message: Message }

export interface FollowOptions {
  /** Resume after this many characters of content already received. */
  after?: number
  /** Ends the iteration (without an `end` event) when it aborts. */
  signal?: AbortSignal
}

/**
 * Follows a message until it ends: reads it, yields what is new, and waits to be woken by a
 * checkpoint (or the poll) before reading again. Only stored content is sent, so what a follower
 * saw survives a crash of the writer, and a resumed follower's offsets still hold.
 */
export async function* followMessage(
  id: string,
  read: () => Promise<Message>,
  signals: MessageSignals,
  options: FollowOptions = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  const { signal } = options
  let offset = options.after ?? 0
  let first = true
  for (;;) {
    if (signal?.aborted) return
    // Listening starts before the read, so a checkpoint just after it is never missed.
    const woken = signals.wait(id, signal)
    const message = await read()
    const content = message.content
    if (first || content.length > offset) {
      const text = content.length > offset ? content.slice(offset) : ''
      offset = Math.max(offset, content.length)
      yield { type: first ? 'content' : 'delta', offset, content: text }
      first = false
    }
    if (message.status !== 'streaming') {
      yield { type: 'end', offset, message }
      return
    }
    await woken
  }
}
