import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2'
import { ChatkeepError } from '../errors.js'

/** Password hashing: argon2id for new hashes, PBKDF2-HMAC-SHA256 from imported systems too. */

/** Characters (code points) of a password: the minimum applies to new passwords only. */
export const PASSWORD_LENGTH = { min: 8, max: 256 } as const

/** OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_POLICY = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const

const MIN_SALT_BYTES = 16
/** PBKDF2 iterations a stored hash may ask for: more would let one row stall the server. */
const MAX_PBKDF2_ITERATIONS = 10_000_000

const pbkdf2Async = promisify(pbkdf2)

/** Code points, not UTF-16 units; past 2 × max units there are more than max anyway. */
const characters = (password: string): number =>
  password.length > 2 * PASSWORD_LENGTH.max ? password.length : [...password].length

/** Refuses a password outside 8–256 characters (`min: false` on login: old accounts may have shorter ones). */
export function checkPasswordLength(
  password: string,
  { min = true, field = '/password' }: { min?: boolean; field?: string } = {},
): void {
  const length = characters(password)
  if (length > PASSWORD_LENGTH.max) {
    throw new ChatkeepError(
      'validation_failed',
      `${field}: must be at most ${PASSWORD_LENGTH.max} characters.`,
      { field },
    )
  }
  if (min && length < PASSWORD_LENGTH.min) {
    throw new ChatkeepError(
      'validation_failed',
      `${field}: must be at least ${PASSWORD_LENGTH.min} characters.`,
      { field },
    )
  }
}

/**
 * An argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) at the current policy.
 * @example
 * const stored = await hashPassword('correct horse battery staple')
 */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordLength(password, { min: false })
  return hash(password, ARGON2_POLICY)
}

let dummy: Promise<string> | undefined

/**
 * A hash nobody knows the password of: checking against it costs what a real check costs.
 * Await it once at start-up, so that the first unknown user is not slower to refuse.
 */
export const dummyHash = (): Promise<string> =>
  (dummy ??= hash(randomBytes(32).toString('base64url'), ARGON2_POLICY))

/**
 * Whether `password` matches `stored`: argon2 PHC strings, and PBKDF2-HMAC-SHA256 as
 * `$pbkdf2-sha256$i=N$salt$hash` (PHC, base64), `$pbkdf2-sha256$N$salt$hash` (passlib, ab64) or
 * `pbkdf2:sha256:N$salt$hexhash` (Werkzeug). A missing or unreadable hash is checked against a
 * dummy, so that an unknown user takes as long to refuse as a wrong password.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (characters(password) > PASSWORD_LENGTH.max) return false
  if (stored !== null && stored.startsWith('$argon2')) {
    try {
      return await verify(stored, password)
    } catch {
      return false
    }
  }
  const legacy = stored === null ? undefined : parsePbkdf2(stored)
  if (legacy === undefined) {
    await verify(await dummyHash(), password).catch(() => false)
    return false
  }
  const derived = await pbkdf2Async(
    Buffer.from(password, 'utf8'),
    legacy.salt,
    legacy.iterations,
    legacy.hash.length,
    'sha256',
  )
  return timingSafeEqual(derived, legacy.hash)
}

/**
 * Whether `verifyPassword` can check a password against `stored` at all. Any other hash (bcrypt,
 * MD5, plain text) would lock its user out, so an import makes up a password instead.
 */
export function isVerifiableHash(stored: string): boolean {
  if (stored.startsWith('$argon2')) {
    try {
      parseOptions(stored)
      return true
    } catch {
      return false
    }
  }
  return parsePbkdf2(stored) !== undefined
}

/** 144 random bits as 24 URL-safe characters: easy to paste, impossible to guess. */
export const generatePassword = (): string => randomBytes(18).toString('base64url')

/** True unless `stored` is argon2id at (or above) the current policy: re-hash it on the next login. */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true
  try {
    const o = parseOptions(stored)
    return (
      o.algorithm !== Algorithm.Argon2id ||
      o.version !== 1 || // 0x13, the current Argon2 version
      o.memoryCost < ARGON2_POLICY.memoryCost ||
      o.timeCost < ARGON2_POLICY.timeCost ||
      o.outputLen < ARGON2_POLICY.outputLen ||
      o.saltLen < MIN_SALT_BYTES
    )
  } catch {
    return true
  }
}

interface Pbkdf2Hash {
  iterations: number
  salt: Buffer
  hash: Buffer
}

const B64 = /^[A-Za-z0-9+/.]+={0,2}$/
const HEX = /^(?:[0-9a-f]{2})+$/i

/** Standard base64, with or without padding; passlib's ab64 writes `.` for `+`. */
function decodeBase64(text: string): Buffer | undefined {
  if (!B64.test(text)) return undefined
  return Buffer.from(text.replaceAll('.', '+'), 'base64')
}

function iterationCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return undefined
  const n = Number(text)
  return n <= MAX_PBKDF2_ITERATIONS ? n : undefined
}

function parsePbkdf2(stored: string): Pbkdf2Hash | undefined {
  let parsed: Pbkdf2Hash | undefined
  const phc = /^\$pbkdf2-sha256\$(?:i=)?([0-9]+)(?:,l=[0-9]+)?\$([^$]+)\$([^$]+)$/.exec(stored)
  if (phc !== null) {
    const [, rounds, salt, digest] = phc
    const iterations = iterationCount(rounds)
    const saltBytes = decodeBase64(salt!)
    const hashBytes = decodeBase64(digest!)
    if (iterations !== undefined && saltBytes !== undefined && hashBytes !== undefined) {
      parsed = { iterations, salt: saltBytes, hash: hashBytes }
    }
  }
  // Werkzeug uses the salt as text, not decoded.
  const werkzeug = /^pbkdf2:sha256:([0-9]+)\$([^$]+)\$([^$]+)$/.exec(stored)
  if (werkzeug !== null) {
    const [, rounds, salt, digest] = werkzeug
    const iterations = iterationCount(rounds)
    if (iterations !== undefined && HEX.test(digest!)) {
      parsed = { iterations, salt: Buffer.from(salt!, 'utf8'), hash: Buffer.from(digest!, 'hex') }
    }
  }
  if (parsed === undefined || parsed.salt.length === 0) return undefined
  if (parsed.hash.length < 16 || parsed.hash.length > 64) return undefined
  return parsed
}
