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

/** What a raw append stored besides the caller's fields: enough to answer it over HTTP. */
export interface RawAppended {
  id: string
  user_id: string
  sequence: number
  created_at: string
}

/** A raw-driver baseline: a Subject, and its append by conversation id with what it stored. */
export interface Baseline extends Subject {
  appendRow(conversation_id: string, message: BenchMessage): Promise<RawAppended>
}
