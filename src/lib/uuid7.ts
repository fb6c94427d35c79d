import { randomFillSync } from 'node:crypto'

let lastMs = 0
let counter = 0

// One system call fills random bytes for 256 ids; asking for 16 at a time costs more than the rest of uuid7.
const pool = Buffer.allocUnsafe(16 * 256)
let poolOffset = pool.length

function random16(): Buffer {
  if (poolOffset === pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const bytes = Buffer.allocUnsafe(16)
  pool.copy(bytes, 0, poolOffset, poolOffset + 16)
  poolOffset += 16
  return bytes
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids made
 * in the same millisecond by this process in order, then 62 random bits.
 */
export function uuid7(): string {
  let ms = Date.now()
  if (ms <= lastMs) {
    ms = lastMs
    counter = (counter + 1) & 0xfff
    // The counter wrapped within one millisecond: borrow the next millisecond to stay ordered.
    if (counter === 0) ms = ++lastMs
  } else {
    lastMs = ms
    counter = 0
  }
  const bytes = random16()
  bytes.writeUIntBE(ms, 0, 6)
  bytes[6] = 0x70 | (counter >> 8)
  bytes[7] = counter & 0xff
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const isUuid = (value: string): boolean => UUID_PATTERN.test(value)
