import { createHash, randomBytes, randomUUID, timingSafeEqual, webcrypto } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import { ChatkeepError } from '../errors.js'
import type { UserRole } from '../schemas/data.js'

/** Access tokens (short-lived HS256 JWTs) and the opaque secrets stored only as SHA-256. */

export const JWT_ISSUER = 'chatkeep'
export const JWT_AUDIENCE = 'chatkeep'
/** RFC 9068's type, so that no other JWT signed with the same secret passes for an access token. */
const ACCESS_TOKEN_TYPE = 'at+jwt'

export interface AccessClaims {
  user_id: string
  session_id: string
  jti: string
  role: UserRole
}

export interface SignedAccessToken {
  token: string
  jti: string
  expires_in: number
}

/** Tokens that verified, remembered so that the next request with one skips the signature. */
const VERIFIED_CACHE_SIZE = 4096

interface Verified {
  claims: AccessClaims
  /** The token's `exp` and `nbf`, in seconds: checked again on every use. */
  exp: number
  nbf: number | undefined
}

/**
 * Signs and checks access tokens. The algorithm is pinned: `alg: none` or RS/ES/HS512 tokens fail.
 *
 * A client sends the same token with every request until it expires, and checking an HMAC through
 * Web Crypto cost a fifth of a small authenticated request. So the secret is imported as a key
 * once, and a token that passed every check is remembered (the last VERIFIED_CACHE_SIZE of them,
 * by the exact token text): its signature and claims cannot change, only the time can, so each
 * use checks `exp` and `nbf` again as jose does, and a token past them goes through jose again
 * for jose's own answer. Only tokens this key signed get in. Whether the session is live and
 * the user active is still checked on every request (AuthService), through a cache that every
 * change to them clears.
 */
export class AccessTokens {
  readonly #key: Promise<webcrypto.CryptoKey>
  readonly #verified = new Map<string, Verified>()

  constructor(
    secret: string,
    private readonly ttl_s: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )
    // Importing raw bytes does not fail; should it ever, sign and verify report it.
    this.#key.catch(() => {})
  }

  /** A new token for a session; its jti is random and recorded as the session's access_jti. */
  async sign(claims: Omit<AccessClaims, 'jti'>): Promise<SignedAccessToken> {
    const jti = randomUUID()
    const iat = Math.floor(this.now() / 1000)
    const token = await new SignJWT({ sid: claims.session_id, role: claims.role })
      .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setSubject(claims.user_id)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttl_s)
      .sign(await this.#key)
    return { token, jti, expires_in: this.ttl_s }
  }

  /** The claims of a valid token; `unauthorized` for a bad signature, algorithm, issuer, audience or expiry. */
  async verify(token: string): Promise<AccessClaims> {
    const known = this.#verified.get(token)
    if (known !== undefined) {
      // jose's clock: whole seconds, no tolerance; `exp` must be later than now, `nbf` not.
      const now = Math.floor(this.now() / 1000)
      if (known.exp > now && (known.nbf === undefined || known.nbf <= now)) return known.claims
      this.#verified.delete(token)
    }
    let payload
    try {
      ;({ payload } = await jwtVerify(token, await this.#key, {
        algorithms: ['HS256'],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'jti', 'exp', 'iat'],
        currentDate: new Date(this.now()),
      }))
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new ChatkeepError('unauthorized', 'The access token has expired; refresh it.', {
          cause: error,
        })
      }
      throw invalidToken(error)
    }
    const { sub, sid, jti, role } = payload
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof jti !== 'string' ||
      (role !== 'user' && role !== 'admin')
    ) {
      throw invalidToken()
    }
    const claims: AccessClaims = Object.freeze({ user_id: sub, session_id: sid, jti, role })
    // `exp` is a required claim, and jose has checked that it is a number.
    this.#remember(token, { claims, exp: payload.exp!, nbf: payload.nbf })
    return claims
  }

  #remember(token: string, verified: Verified): void {
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
      // The oldest first: a Map iterates in insertion order.
      this.#verified.delete(this.#verified.keys().next().value!)
    }
    this.#verified.set(token, verified)
  }
}

const invalidToken = (cause?: unknown) =>
  new ChatkeepError('unauthorized', 'The access token or API key is not valid.', { cause })

/** A random secret: `bytes` random bytes as base64url (32 bytes: 43 characters). */
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url')

export const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest()

/** Compares a SHA-256 digest with one stored as hex, in constant time. */
export function sameDigest(digest: Buffer, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex')
  return stored.length === digest.length && timingSafeEqual(stored, digest)
}
