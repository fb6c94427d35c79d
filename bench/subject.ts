import type { BenchMessage } from './payloads.js'

/** A conversation and its owner. */
export interface Target {
  conversation_id: string
  user_id: string
}

/** What a workload drives: Chatkeep, or the raw driver doing the same work by hand. */
export interface Subject {
  /** Appends one message in its own transaction; resolves to its sequence. */
  append(target: Target, message: BenchMessage): Promise<number>
  /** The last `n` live messages, oldest first, JSON fields decoded. */
  lastN(target: Target, n: number): Promise<readonly unknown[]>
  /** The user's `n` most recently active live conversations, JSON fields decoded. */
  listRecent(user_id: string, n: number): Promise<readonly unknown[]>
  close(): Promise<void>
}
