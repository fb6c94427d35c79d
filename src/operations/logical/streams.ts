import { pipeline, Readable, type Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { createGunzip } from 'node:zlib'
import { ChatkeepError } from '../../errors.js'

type Chunk = Buffer | Uint8Array | string

const toBuffer = (chunk: Chunk): Buffer =>
  typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk)

/** The bytes of `input`, gunzipped when they begin with gzip's magic number (a JSONL file begins with `{`). */
export async function* decompressed(input: AsyncIterable<Chunk>): AsyncGenerator<Buffer> {
  const chunks = input[Symbol.asyncIterator]()
  const first = await chunks.next()
  if (first.done === true) return
  const head = toBuffer(first.value)
  async function* all(): AsyncGenerator<Buffer> {
    yield head
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
      yield toBuffer(next.value)
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* all()
    return
  }
  // A failure of the source reaches the gunzip stream, and through it this loop.
  const gunzip = pipeline(Readable.from(all()), createGunzip(), () => {})
  for await (const chunk of gunzip) yield chunk as Buffer
}

/** UTF-8 lines without their line ends (`\n` or `\r\n`); a last line without one is kept. */
export async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  for await (const chunk of chunks) {
    const parts = (rest + decoder.write(chunk)).split('\n')
    rest = parts.pop()!
    for (const part of parts) yield part.endsWith('\r') ? part.slice(0, -1) : part
  }
  rest += decoder.end()
  if (rest !== '') yield rest
}

/**
 * Writes to a stream at the pace it takes: a write that fills its buffer waits for 'drain'. A
 * stream error (a closed pipe, a full disk) is kept and thrown by the next write, and so is a
 * close before the end (an HTTP client gone: the server destroys the body without an error), so
 * an export whose reader left ends, and releases its snapshot, instead of waiting forever.
 */
export class Sink {
  #error: Error | undefined
  readonly #onError = (error: Error) => {
    this.#error ??= error
  }
  readonly #onClose = () => {
    this.#error ??= outputClosed()
  }

  constructor(private readonly out: NodeJS.WritableStream) {
    out.on('error', this.#onError)
    out.on('close', this.#onClose)
  }

  async write(text: string | Uint8Array): Promise<void> {
    // A destroyed stream takes writes without a word: no 'error', and its 'close' has passed.
    if (this.#error === undefined && (this.out as Partial<Writable>).destroyed === true) {
      this.#error = outputClosed()
    }
    if (this.#error !== undefined) throw this.#error
    if (this.out.write(text)) return
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        this.out.off('drain', onDrain)
        this.out.off('error', onFail)
        this.out.off('close', onClose)
        if (error === undefined) resolve()
        else reject(error)
      }
      const onDrain = () => done()
      const onFail = (error: Error) => done(error)
      const onClose = () => done(this.#error ?? outputClosed())
      this.out.on('drain', onDrain)
      this.out.on('error', onFail)
      this.out.on('close', onClose)
    })
  }

  /** Throws the stream's error if it failed since the last write. */
  check(): void {
    if (this.#error !== undefined) throw this.#error
  }

  /** Stops listening to the stream: whoever owns it listens again. */
  release(): void {
    this.out.off('error', this.#onError)
    this.out.off('close', this.#onClose)
  }
}

const outputClosed = () =>
  new ChatkeepError(
    'storage_failed',
    'The output was closed before the end (the reader went away); the export stopped there.',
  )
