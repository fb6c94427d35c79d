import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { pipeline, Readable } from 'node:stream'
import { crc32, createDeflateRaw, createInflateRaw } from 'node:zlib'
import { ChatkeepError } from '../errors.js'

/**
 * A zip archive written as it goes and one read back from a file: enough of PKWARE's APPNOTE for
 * Chatkeep's per-user exports. Each entry is deflated as its bytes arrive and followed by a data
 * descriptor (its size and CRC are known only at its end), so an export streams to an HTTP
 * response without a temporary file; sizes past 4 GiB use the zip64 fields. Written by hand: the
 * libraries that do this (archiver, yazl) bring a stream stack of their own for some 200 lines.
 */

const LOCAL_HEADER = 0x04034b50
const DATA_DESCRIPTOR = 0x08074b50
const CENTRAL_HEADER = 0x02014b50
const END_OF_CENTRAL = 0x06054b50
const ZIP64_END = 0x06064b50
const ZIP64_LOCATOR = 0x07064b50
const ZIP64_EXTRA = 0x0001
/** Bit 3: sizes and CRC follow the data; bit 11: the name is UTF-8. */
const FLAGS = 0x0008 | 0x0800
const DEFLATE = 8
const STORED = 0
/** 4.5: zip64 may be needed, and readers that cannot follow it should say so. */
const VERSION = 45
const MAX32 = 0xffffffff
const MAX16 = 0xffff

/** What was written of an entry: its uncompressed size and SHA-256, for a manifest. */
export interface WrittenEntry {
  name: string
  bytes: number
  sha256: string
}

interface CentralRecord {
  name: Buffer
  crc: number
  compressed: number
  size: number
  offset: number
  time: number
  date: number
}

/** Writes a zip archive through `write`, which must wait until the bytes are taken. */
export class ZipWriter {
  #offset = 0
  readonly #entries: CentralRecord[] = []

  constructor(private readonly write: (chunk: Buffer) => Promise<void>) {}

  async #emit(chunk: Buffer): Promise<void> {
    await this.write(chunk)
    this.#offset += chunk.length
  }

  /** One entry, deflated as `body` yields its chunks. */
  async entry(
    name: string,
    body: Iterable<Buffer | string> | AsyncIterable<Buffer | string>,
  ): Promise<WrittenEntry> {
    const encoded = Buffer.from(name, 'utf8')
    const { time, date } = dosTime(new Date())
    const offset = this.#offset
    const header = Buffer.alloc(30)
    header.writeUInt32LE(LOCAL_HEADER, 0)
    header.writeUInt16LE(VERSION, 4)
    header.writeUInt16LE(FLAGS, 6)
    header.writeUInt16LE(DEFLATE, 8)
    header.writeUInt16LE(time, 10)
    header.writeUInt16LE(date, 12)
    header.writeUInt16LE(encoded.length, 26)
    await this.#emit(Buffer.concat([header, encoded]))

    let crc = 0
    let size = 0
    const sha = createHash('sha256')
    async function* measured(): AsyncGenerator<Buffer> {
      for await (const chunk of body) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
        crc = crc32(bytes, crc)
        size += bytes.length
        sha.update(bytes)
        yield bytes
      }
    }
    // A failure of the body reaches the deflate stream, and through it this loop.
    const deflated = pipeline(Readable.from(measured()), createDeflateRaw(), () => {})
    let compressed = 0
    for await (const chunk of deflated) {
      compressed += (chunk as Buffer).length
      await this.#emit(chunk as Buffer)
    }
    const wide = compressed >= MAX32 || size >= MAX32
    const descriptor = Buffer.alloc(wide ? 24 : 16)
    descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0)
    descriptor.writeUInt32LE(crc, 4)
    if (wide) {
      descriptor.writeBigUInt64LE(BigInt(compressed), 8)
      descriptor.writeBigUInt64LE(BigInt(size), 16)
    } else {
      descriptor.writeUInt32LE(compressed, 8)
      descriptor.writeUInt32LE(size, 12)
    }
    await this.#emit(descriptor)
    this.#entries.push({ name: encoded, crc, compressed, size, offset, time, date })
    return { name, bytes: size, sha256: sha.digest('hex') }
  }

  /** The central directory and its end: the archive is complete once this resolves. */
  async finish(): Promise<void> {
    const start = this.#offset
    for (const e of this.#entries) await this.#emit(centralHeader(e))
    const size = this.#offset - start
    const count = this.#entries.length
    if (count >= MAX16 || start >= MAX32 || size >= MAX32) {
      const end64 = this.#offset
      const record = Buffer.alloc(56)
      record.writeUInt32LE(ZIP64_END, 0)
      record.writeBigUInt64LE(44n, 4)
      record.writeUInt16LE(VERSION, 12)
      record.writeUInt16LE(VERSION, 14)
      record.writeBigUInt64LE(BigInt(count), 24)
      record.writeBigUInt64LE(BigInt(count), 32)
      record.writeBigUInt64LE(BigInt(size), 40)
      record.writeBigUInt64LE(BigInt(start), 48)
      const locator = Buffer.alloc(20)
      locator.writeUInt32LE(ZIP64_LOCATOR, 0)
      locator.writeBigUInt64LE(BigInt(end64), 8)
      locator.writeUInt32LE(1, 16)
      await this.#emit(Buffer.concat([record, locator]))
    }
    const end = Buffer.alloc(22)
    end.writeUInt32LE(END_OF_CENTRAL, 0)
    end.writeUInt16LE(Math.min(count, MAX16), 8)
    end.writeUInt16LE(Math.min(count, MAX16), 10)
    end.writeUInt32LE(Math.min(size, MAX32), 12)
    end.writeUInt32LE(Math.min(start, MAX32), 16)
    await this.#emit(end)
  }
}

function centralHeader(e: CentralRecord): Buffer {
  // The zip64 extra holds, in this order, only the fields too large for their 32 bits.
  const wide: bigint[] = []
  if (e.size >= MAX32) wide.push(BigInt(e.size))
  if (e.compressed >= MAX32) wide.push(BigInt(e.compressed))
  if (e.offset >= MAX32) wide.push(BigInt(e.offset))
  const extra = Buffer.alloc(wide.length === 0 ? 0 : 4 + 8 * wide.length)
  if (wide.length > 0) {
    extra.writeUInt16LE(ZIP64_EXTRA, 0)
    extra.writeUInt16LE(8 * wide.length, 2)
    wide.forEach((value, i) => extra.writeBigUInt64LE(value, 4 + 8 * i))
  }
  const header = Buffer.alloc(46)
  header.writeUInt32LE(CENTRAL_HEADER, 0)
  header.writeUInt16LE((3 << 8) | VERSION, 4)
  header.writeUInt16LE(VERSION, 6)
  header.writeUInt16LE(FLAGS, 8)
  header.writeUInt16LE(DEFLATE, 10)
  header.writeUInt16LE(e.time, 12)
  header.writeUInt16LE(e.date, 14)
  header.writeUInt32LE(e.crc, 16)
  header.writeUInt32LE(Math.min(e.compressed, MAX32), 20)
  header.writeUInt32LE(Math.min(e.size, MAX32), 24)
  header.writeUInt16LE(e.name.length, 28)
  header.writeUInt16LE(extra.length, 30)
  // Unix permissions rw-r--r-- for unzip.
  header.writeUInt32LE((0o100644 << 16) >>> 0, 38)
  header.writeUInt32LE(Math.min(e.offset, MAX32), 42)
  return Buffer.concat([header, e.name, extra])
}

function dosTime(at: Date): { time: number; date: number } {
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | Math.floor(at.getSeconds() / 2),
    date:
      ((Math.max(at.getFullYear(), 1980) - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  }
}

/** An entry of a zip file on disk. */
export interface ZipEntry {
  name: string
  size: number
  /** Its bytes, inflated; the stream fails when they do not match the recorded CRC and size. */
  open(): AsyncGenerator<Buffer>
}

const notZip = (path: string, why: string) =>
  new ChatkeepError('validation_failed', `${path} is not a zip archive Chatkeep can read: ${why}.`)

/** The entries of a zip file, from its central directory. */
export async function readZip(path: string): Promise<ZipEntry[]> {
  const file = await open(path, 'r')
  try {
    const { size: length } = await file.stat()
    const tailLength = Math.min(length, 22 + MAX16)
    const tail = Buffer.alloc(tailLength)
    await file.read(tail, 0, tailLength, length - tailLength)
    let at = -1
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_CENTRAL) {
        at = i
        break
      }
    }
    if (at < 0) throw notZip(path, 'it has no end of central directory')
    let count = tail.readUInt16LE(at + 10)
    let cdSize = tail.readUInt32LE(at + 12)
    let cdStart = tail.readUInt32LE(at + 16)
    if ((count === MAX16 || cdSize === MAX32 || cdStart === MAX32) && at >= 20) {
      if (tail.readUInt32LE(at - 20) === ZIP64_LOCATOR) {
        const record = Buffer.alloc(56)
        await file.read(record, 0, 56, Number(tail.readBigUInt64LE(at - 12)))
        if (record.readUInt32LE(0) !== ZIP64_END) throw notZip(path, 'its zip64 end is damaged')
        count = Number(record.readBigUInt64LE(32))
        cdSize = Number(record.readBigUInt64LE(40))
        cdStart = Number(record.readBigUInt64LE(48))
      }
    }
    const directory = Buffer.alloc(cdSize)
    await file.read(directory, 0, cdSize, cdStart)
    const entries: ZipEntry[] = []
    let p = 0
    for (let n = 0; n < count; n++) {
      if (directory.readUInt32LE(p) !== CENTRAL_HEADER)
        throw notZip(path, 'its directory is damaged')
      const method = directory.readUInt16LE(p + 10)
      const crc = directory.readUInt32LE(p + 16)
      let compressed = directory.readUInt32LE(p + 20)
      let size = directory.readUInt32LE(p + 24)
      const nameLength = directory.readUInt16LE(p + 28)
      const extraLength = directory.readUInt16LE(p + 30)
      const commentLength = directory.readUInt16LE(p + 32)
      let offset = directory.readUInt32LE(p + 42)
      const name = directory.toString('utf8', p + 46, p + 46 + nameLength)
      const extra = directory.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength)
      for (let e = 0; e + 4 <= extra.length;) {
        const id = extra.readUInt16LE(e)
        const fieldLength = extra.readUInt16LE(e + 2)
        if (id === ZIP64_EXTRA) {
          let f = e + 4
          const next = () => {
            const value = Number(extra.readBigUInt64LE(f))
            f += 8
            return value
          }
          if (size === MAX32) size = next()
          if (compressed === MAX32) compressed = next()
          if (offset === MAX32) offset = next()
        }
        e += 4 + fieldLength
      }
      if (method !== DEFLATE && method !== STORED) {
        throw notZip(path, `${name} uses compression method ${method}`)
      }
      entries.push({
        name,
        size,
        open: () => entryBytes(path, { name, method, crc, compressed, size, offset }),
      })
      p += 46 + nameLength + extraLength + commentLength
    }
    return entries
  } finally {
    await file.close()
  }
}

async function* entryBytes(
  path: string,
  e: {
    name: string
    method: number
    crc: number
    compressed: number
    size: number
    offset: number
  },
): AsyncGenerator<Buffer> {
  const file = await open(path, 'r')
  const local = Buffer.alloc(30)
  try {
    await file.read(local, 0, 30, e.offset)
  } finally {
    await file.close()
  }
  if (local.readUInt32LE(0) !== LOCAL_HEADER) throw notZip(path, `${e.name} has no local header`)
  const start = e.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28)
  let source: Readable =
    e.compressed === 0
      ? Readable.from([])
      : createReadStream(path, { start, end: start + e.compressed - 1 })
  if (e.method === DEFLATE) source = pipeline(source, createInflateRaw(), () => {})
  let crc = 0
  let size = 0
  const chunks = source[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<Buffer>
    try {
      next = (await chunks.next()) as IteratorResult<Buffer>
    } catch (error) {
      // A damaged deflate stream fails in zlib's words; a reader wants to know which file.
      throw notZip(path, `${e.name} is damaged (${(error as Error).message})`)
    }
    if (next.done === true) break
    crc = crc32(next.value, crc)
    size += next.value.length
    yield next.value
  }
  if (crc !== e.crc || size !== e.size)
    throw notZip(path, `${e.name} is damaged (its CRC or size differ)`)
}
