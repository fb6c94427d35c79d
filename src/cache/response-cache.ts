import { createHash } from 'node:crypto'
import { ChatkeepError } from '../errors.js'
import { canonicalJson } from '../lib/canonical-json.js'
import { isUuid } from '../lib/uuid7.js'
import {
  type CachedResponse,
  NewCachedResponseSchema,
  type NewCachedResponse,
  ResponseKeySchema,
  ResponseLookupSchema,
  type ResponseLookupInput,
  type ResponseLookupResult,
  type StoredResponse,
} from '../schemas/response-cache.js'
import { validator } from '../schemas/validate.js'
import type { Cache } from './cache.js'

export interface ResponseCacheOptions {
  /** Seconds an entry lives when the caller does not say: seed 003's one hour. */
  default_ttl_s?: number
  /** The longest an entry may ask for. */
  max_ttl_s?: number
  /** Bytes of a response as JSON text, at most. */
  max_response_bytes?: number
  /** The clock for `cached_at` and `expires_at`, in milliseconds. */
  now?: () => number
}

export const RESPONSE_CACHE_DEFAULTS = {
  default_ttl_s: 3600,
  max_ttl_s: 7 * 24 * 3600,
  max_response_bytes: 256 * 1024,
} as const

const validateNew = validator(NewCachedResponseSchema)
const validateLookup = validator(ResponseLookupSchema)
const KEY = new RegExp(ResponseKeySchema.pattern!)

interface Entry {
  response: unknown
  cached_at: string
  expires_at: string
}

/**
 * Answers an app already got from a model, so that the same question is not paid for twice.
 * The key is the SHA-256 of the canonical JSON (keys sorted) of `{model, prompt, parameters}`:
 * the same request with its parameters in another order finds the same entry. Entries belong to
 * one user: the same key asked by another user is a miss, so a cached answer (which may quote
 * the user's own data) never reaches anyone else.
 * @example
 * const responses = new ResponseCache(store.cache)
 * const found = await responses.lookup(user.id, { model: 'gpt-4o', prompt: 'Hi', parameters: {} })
 * if (!found.hit) await responses.store(user.id, { model: 'gpt-4o', prompt: 'Hi', response: answer })
 */
export class ResponseCache {
  readonly #default_ttl_s: number
  readonly #max_ttl_s: number
  readonly #max_bytes: number
  readonly #now: () => number

  constructor(
    private readonly cache: Cache,
    options: ResponseCacheOptions = {},
  ) {
    this.#default_ttl_s = options.default_ttl_s ?? RESPONSE_CACHE_DEFAULTS.default_ttl_s
    this.#max_ttl_s = options.max_ttl_s ?? RESPONSE_CACHE_DEFAULTS.max_ttl_s
    this.#max_bytes = options.max_response_bytes ?? RESPONSE_CACHE_DEFAULTS.max_response_bytes
    this.#now = options.now ?? Date.now
  }

  /** The key of a request: SHA-256 (hex) of the canonical JSON of model, prompt and parameters. */
  static key(input: ResponseLookupInput): string {
    const { model, prompt, parameters } = validateLookup(input)
    const text = canonicalJson({ model, prompt, parameters: parameters ?? {} })
    return createHash('sha256').update(text, 'utf8').digest('hex')
  }

  /**
   * Keeps a response for `ttl_s` (default one hour), replacing any under the same key.
   * `payload_too_large` past `max_response_bytes`; `unavailable` when the cache cannot take it
   * (Redis unreachable): nothing was stored.
   */
  async store(user_id: string, input: NewCachedResponse): Promise<StoredResponse> {
    checkUser(user_id)
    const data = validateNew(input)
    if (data.response === undefined) {
      throw new ChatkeepError('validation_failed', '/response: required.', { field: '/response' })
    }
    const ttl_s = data.ttl_s ?? this.#default_ttl_s
    if (ttl_s > this.#max_ttl_s) {
      throw new ChatkeepError('validation_failed', `/ttl_s: must be at most ${this.#max_ttl_s}.`, {
        field: '/ttl_s',
      })
    }
    const bytes = jsonBytes(data.response)
    if (bytes > this.#max_bytes) {
      throw new ChatkeepError(
        'payload_too_large',
        `/response: is ${bytes} bytes of JSON; the cache keeps responses of at most ${this.#max_bytes}.`,
        { field: '/response' },
      )
    }
    const key = ResponseCache.key(keyInputs(data))
    const now = this.#now()
    const entry: Entry = {
      response: data.response,
      cached_at: new Date(now).toISOString(),
      expires_at: new Date(now + ttl_s * 1000).toISOString(),
    }
    if (!(await this.cache.set(entryKey(user_id, key), entry, ttl_s * 1000))) {
      throw new ChatkeepError(
        'unavailable',
        'The response cache cannot store entries right now (its Redis is unreachable); nothing was stored. Go on without it, or retry later.',
      )
    }
    return { key, expires_at: entry.expires_at }
  }

  /** The response cached for this request by this user, or a miss (with the key it looked for). */
  async lookup(user_id: string, input: ResponseLookupInput): Promise<ResponseLookupResult> {
    const key = ResponseCache.key(input)
    const found = await this.get(user_id, key)
    return found === undefined ? { hit: false, key } : { hit: true, ...found }
  }

  /** The entry under a key this user stored, or undefined. */
  async get(user_id: string, key: string): Promise<CachedResponse | undefined> {
    checkUser(user_id)
    if (!isKey(key)) return undefined
    const entry = await this.cache.get<Entry>(entryKey(user_id, key))
    return entry === undefined ? undefined : { key, ...entry }
  }

  /**
   * Forgets the entry under a key; false when this user had none (as far as the cache can tell:
   * while Redis is unreachable the delete is still made, once it is back).
   */
  async delete(user_id: string, key: string): Promise<boolean> {
    const found = await this.get(user_id, key)
    if (isKey(key)) await this.cache.delete(entryKey(user_id, key))
    return found !== undefined
  }
}

/** What the key is made of, whatever else the input carries (a response, a ttl_s). */
function keyInputs({ model, prompt, parameters }: ResponseLookupInput): ResponseLookupInput {
  return parameters === undefined ? { model, prompt } : { model, prompt, parameters }
}

/** Where a user's cached responses are kept: an erasure forgets every key under it. */
export const responseKeyPrefix = (user_id: string): string => `response:${user_id}:`
const entryKey = (user_id: string, key: string) => `${responseKeyPrefix(user_id)}${key}`

function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '')
  } catch {
    throw new ChatkeepError('validation_failed', '/response: must be plain JSON data.', {
      field: '/response',
    })
  }
}

function checkUser(user_id: string): void {
  if (!isUuid(user_id)) {
    throw new ChatkeepError('validation_failed', '/user_id: must be a user id (UUID).', {
      field: '/user_id',
    })
  }
}

const isKey = (key: string): boolean => typeof key === 'string' && KEY.test(key)
