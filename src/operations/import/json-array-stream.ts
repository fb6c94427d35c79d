import { createReadStream } from 'node:fs'
import { ChatkeepError } from '../../errors.js'

/** One element of the top-level array: parsed, or the reason it could not be. */
export type ArrayElement =
  { index: number; value: unknown } | { index: number; error: string; bytes: number }

const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09

/**
 * The elements of a file holding one JSON array, one at a time, in constant memory apart from
 * the largest element: a ChatGPT export of any size is read one conversation at a time. The
 * scan works on bytes (every structural character is ASCII, and no byte of a multi-byte UTF-8
 * character is), so chunk boundaries never split anything that matters. An element that is not
 * valid JSON is yielded with its error; a file that is not an array at all, or ends early, throws
 * `validation_failed`.
 * @example
 * for await (const element of readJsonArray('conversations.json', (n) => progress(n))) { … }
 */
export async function* readJsonArray(
  file: string,
  onBytes: (read: number) => void = () => {},
): AsyncGenerator<ArrayElement> {
  const bad = (message: string, at: number) =>
    new ChatkeepError(
      'validation_failed',
      `${file} is not a JSON array of conversations: ${message} at byte ${at}.`,
    )
  const stream = createReadStream(file, { highWaterMark: 1 << 20 })
  let state: 'before' | 'first' | 'between' | 'element' | 'after' | 'done' = 'before'
  let offset = 0
  let depth = 0
  let inString = false
  let escaped = false
  let parts: Buffer[] = []
  let index = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0
      for (let i = 0; i < chunk.length && state !== 'done'; i++) {
        const b = chunk[i]!
        if (state !== 'element') {
          if (isSpace(b)) continue
          if (state === 'before') {
            if (b !== OPEN_ARRAY) throw bad('it does not start with [', offset + i)
            state = 'first'
            continue
          }
          if (state === 'after') {
            if (b === COMMA) state = 'between'
            else if (b === CLOSE_ARRAY) state = 'done'
            else throw bad(`unexpected ${JSON.stringify(String.fromCharCode(b))}`, offset + i)
            continue
          }
          if (state === 'first' && b === CLOSE_ARRAY) {
            state = 'done'
            continue
          }
          // The first byte of an element: read on as part of it.
          state = 'element'
          start = i
          parts = []
          depth = 0
        }
        if (inString) {
          if (escaped) escaped = false
          else if (b === BACKSLASH) escaped = true
          else if (b === QUOTE) inString = false
        } else if (b === QUOTE) {
          inString = true
        } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
          depth++
        } else if ((b === CLOSE_OBJECT || b === CLOSE_ARRAY) && depth > 0) {
          depth--
          if (depth === 0) {
            parts.push(chunk.subarray(start, i + 1))
            yield element(parts, index++)
            state = 'after'
          }
        } else if (depth === 0 && (b === COMMA || b === CLOSE_ARRAY)) {
          // The end of a bare element (a number, a string): the comma or `]` after it.
          parts.push(chunk.subarray(start, i))
          yield element(parts, index++)
          state = b === COMMA ? 'between' : 'done'
        }
      }
      if (state === 'element') parts.push(chunk.subarray(start))
      offset += chunk.length
      onBytes(offset)
      if (state === 'done') return
    }
  } finally {
    stream.destroy()
  }
  throw bad('the file ends before the array does', offset)
}

function element(parts: Buffer[], index: number): ArrayElement {
  const bytes = Buffer.concat(parts)
  try {
    return { index, value: JSON.parse(bytes.toString('utf8')) }
  } catch (error) {
    return { index, error: (error as Error).message, bytes: bytes.length }
  }
}
