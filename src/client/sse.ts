// Server-sent events over fetch (not EventSource, which cannot send an Authorization header):
// a text/event-stream parser as the HTML standard defines it, and a reader that reconnects
// with Last-Event-ID so that a dropped stream goes on where it stopped.
import { ChatkeepError } from '../errors.js'
import { sleep } from '../lib/backoff.js'
import { errorFromAnswer } from './problem.js'
import type { Fetch } from './transport.js'

export interface ServerSentEvent {
  /** The event's type: `message` unless the server named one with `event:`. */
  event: string
  data: string
  /** The stream's last event id as of this event: what a reconnection sends as Last-Event-ID. */
  id: string
}

/**
 * Turns decoded text/event-stream text, in chunks cut anywhere, into events (HTML § 9.2.6):
 * lines end in CRLF, LF or CR; `data:` lines join with LF; a blank line dispatches; comments,
 * unknown fields and an event left unfinished at the end are dropped.
 */
export class EventStreamParser {
  /**
   * The id of the last event the stream finished (its blank line), even one with no data: what
   * a reconnection sends as Last-Event-ID.
   */
  last_event_id: string
  /** The reconnection delay the stream asked for with `retry:`, in milliseconds. */
  retry_ms: number | undefined
  #rest = ''
  #after_cr = false
  #type = ''
  #data = ''
  /** The `id:` of the event being read, which becomes last_event_id once it is finished. */
  #id: string

  constructor(last_event_id = '') {
    this.last_event_id = last_event_id
    this.#id = last_event_id
  }

  push(chunk: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = []
    // A CR that ended the previous chunk already ended its line; an LF right after it is its pair.
    const text = this.#rest + (this.#after_cr && chunk.startsWith('\n') ? chunk.slice(1) : chunk)
    this.#after_cr = false
    const eol = /\r\n|\r|\n/g
    let start = 0
    for (let match = eol.exec(text); match !== null; match = eol.exec(text)) {
      if (match[0] === '\r' && match.index === text.length - 1) this.#after_cr = true
      this.#line(text.slice(start, match.index), events)
      start = eol.lastIndex
    }
    this.#rest = text.slice(start)
    return events
  }

  /** The stream ended: an event it left unfinished is dropped with its id; `retry` is kept. */
  end(): void {
    this.#id = this.last_event_id
    this.#rest = ''
    this.#after_cr = false
    this.#type = ''
    this.#data = ''
  }

  #line(line: string, events: ServerSentEvent[]): void {
    if (line === '') {
      this.last_event_id = this.#id
      if (this.#data !== '') {
        events.push({
          event: this.#type === '' ? 'message' : this.#type,
          data: this.#data.slice(0, -1),
          id: this.last_event_id,
        })
      }
      this.#type = ''
      this.#data = ''
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.#type = value
    else if (field === 'data') this.#data += `${value}\n`
    else if (field === 'id' && !value.includes('\0')) this.#id = value
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry_ms = Number(value)
  }
}

export interface EventStreamOptions {
  url: string
  /** The fetch to open the stream with: a client's `fetch` sends its credentials. */
  fetch?: Fetch
  headers?: Record<string, string>
  /** Where to resume: sent as Last-Event-ID on the first connection too. */
  last_event_id?: string
  /** Ends the stream; the iterator then throws the signal's reason. */
  signal?: AbortSignal
  /** The wait before reconnecting until the server sets one with `retry:`; 1000 ms. */
  retry_ms?: number
  /** Connections in a row that may end without an event before the iterator throws; 5. */
  reconnects?: number
}

const defaultFetch: Fetch = (request) => globalThis.fetch(request)

/**
 * The events of a text/event-stream, across reconnections: when the stream ends or drops, it
 * is opened again after the server's `retry:` delay with `Last-Event-ID`, so the server can go
 * on after the last event received. It stops when the server answers 204, when the loop breaks
 * (which closes the connection) or on `signal`; an error answer throws its ChatkeepError.
 * @example
 * for await (const e of readEventStream({ url, fetch: client.fetch })) console.log(e.event, e.data)
 */
export async function* readEventStream(
  options: EventStreamOptions,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const fetch = options.fetch ?? defaultFetch
  const reconnects = options.reconnects ?? 5
  const parser = new EventStreamParser(options.last_event_id)
  const closing = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, closing.signal]) : closing.signal
  let idle = 0
  try {
    for (;;) {
      const headers = new Headers(options.headers)
      headers.set('accept', 'text/event-stream')
      if (parser.last_event_id !== '') headers.set('last-event-id', parser.last_event_id)
      let answer: Response | undefined
      try {
        answer = await fetch(new Request(options.url, { headers, signal }))
      } catch (error) {
        if (signal.aborted) throw signal.reason
        if (error instanceof ChatkeepError && !error.retriable) throw error
      }
      if (answer !== undefined) {
        if (answer.status === 204) return
        if (!answer.ok) throw errorFromAnswer(answer, await answer.text())
        const type = answer.headers.get('content-type') ?? ''
        if (!/^text\/event-stream\b/i.test(type) || answer.body === null) {
          await answer.body?.cancel()
          throw new ChatkeepError(
            'internal',
            `${options.url} answered ${type || 'no content type'}, not text/event-stream.`,
          )
        }
        let received = false
        const reader = answer.body.getReader()
        const decoder = new TextDecoder()
        try {
          for (let read = await reader.read(); !read.done; read = await reader.read()) {
            for (const event of parser.push(decoder.decode(read.value, { stream: true }))) {
              received = true
              yield event
            }
          }
        } catch {
          // A dropped connection: reconnect below, as when the stream ends.
          if (signal.aborted) throw signal.reason
        } finally {
          reader.releaseLock()
          parser.end()
        }
        if (received) idle = 0
      }
      idle += 1
      if (idle > reconnects) {
        throw new ChatkeepError(
          'unavailable',
          `${options.url}: ${idle} connections in a row ended without an event; giving up.`,
        )
      }
      await sleep(parser.retry_ms ?? options.retry_ms ?? 1000, signal)
    }
  } finally {
    closing.abort()
  }
}
