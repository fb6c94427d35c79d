import { createHash } from 'node:crypto'

/**
 * The id an imported record always gets: a UUIDv7 whose 48-bit time is the record's own
 * created_at and whose other 74 bits come from SHA-256 of its natural key. Importing the same
 * record again finds it by primary key, on both engines and across concurrent imports, without
 * a lookup column; and imported rows still sort by when they were made, as other v7 ids do.
 * @example
 * stableId('tinydb/conversation', 'c-42', Date.parse('2024-03-01T12:00:00Z'))
 */
export function stableId(kind: string, key: string, createdAt: string): string {
  const bytes = createHash('sha256').update(`chatkeep-import\u0000${kind}\u0000${key}`).digest()
  bytes.writeUIntBE(Math.max(0, Date.parse(createdAt)), 0, 6)
  bytes[6] = 0x70 | (bytes[6]! & 0x0f)
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  const hex = bytes.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
