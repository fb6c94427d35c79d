import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A 10-character base62 id for URLs (~59 bits): short enough to read, long enough not to guess. */
/** Whether `text` has the form shortId gives: 10 base62 characters. */
export const isShortId = (text: string): boolean => /^[0-9A-Za-z]{10}$/.test(text)

export function shortId(length = 10): string {
  const bytes = randomBytes(length * 2)
  let out = ''
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps letters uniform.
    if (bytes[i]! < 248) out += ALPHABET[bytes[i]! % 62]
  }
  return out.length === length ? out : shortId(length)
}
