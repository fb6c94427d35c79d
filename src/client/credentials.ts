// What the client authenticates with: an API key, or a login's access and refresh tokens, which
// it renews on a 401 — once for all the requests that were refused with the same token.

export interface Tokens {
  access_token: string
  refresh_token: string
}

/** A refused refresh, kept to answer every request that waited on it with the same answer. */
export interface Refusal {
  status: number
  statusText: string
  headers: [string, string][]
  body: string
}

export const answerOf = (refusal: Refusal): Response =>
  new Response(refusal.body, {
    status: refusal.status,
    statusText: refusal.statusText,
    headers: refusal.headers,
  })

export interface CredentialOptions {
  /** An API key (`ck_…`), sent as the bearer token; never refreshed. */
  api_key?: string | undefined
  /** Tokens of an earlier login, to go on with (e.g. kept by `on_tokens`). */
  tokens?: Tokens | undefined
  /** Called with the new tokens after every login and refresh, and with null once they end. */
  on_tokens?: ((tokens: Tokens | null) => void) | undefined
}

export class Credentials {
  readonly #api_key: string | undefined
  readonly #on_tokens: CredentialOptions['on_tokens']
  #tokens: Tokens | undefined
  #refreshing: Promise<boolean> | undefined
  #refusal: Refusal | undefined

  constructor(options: CredentialOptions) {
    this.#api_key = options.api_key
    this.#tokens = options.tokens
    this.#on_tokens = options.on_tokens
  }

  /** The bearer token to send: the API key, or the current access token. */
  get bearer(): string | undefined {
    return this.#api_key ?? this.#tokens?.access_token
  }

  get tokens(): Tokens | undefined {
    return this.#tokens
  }

  /** Why the last refresh was refused, while no login has replaced the tokens it ended. */
  get refusal(): Refusal | undefined {
    return this.#refusal
  }

  /** After a login or a refresh; `null` after a logout. */
  set(tokens: Tokens | null): void {
    this.#tokens = tokens ?? undefined
    this.#refusal = undefined
    this.#on_tokens?.(tokens)
  }

  /** Whether a 401 to a request sent with `sent` is worth a refresh: a login's token, not a key. */
  renewable(sent: string | undefined): sent is string {
    return this.#api_key === undefined && sent !== undefined
  }

  /**
   * Makes sure the access token is newer than `sent`, the one a 401 refused: a request refused
   * after another already renewed it just goes again; otherwise one `refresh` runs for all the
   * requests refused meanwhile. True when the request may go again with the new token; false
   * when the refresh was refused (see `refusal`) or there is nothing to refresh with.
   */
  renew(
    sent: string,
    refresh: (refresh_token: string) => Promise<Tokens | Refusal>,
  ): Promise<boolean> {
    if (this.#refreshing === undefined) {
      const tokens = this.#tokens
      if (tokens === undefined) return Promise.resolve(false)
      if (tokens.access_token !== sent) return Promise.resolve(true)
      this.#refreshing = refresh(tokens.refresh_token)
        .then((result) => {
          if ('access_token' in result) {
            this.set(result)
            return true
          }
          this.set(null)
          this.#refusal = result
          return false
        })
        .finally(() => {
          this.#refreshing = undefined
        })
    }
    return this.#refreshing
  }
}
