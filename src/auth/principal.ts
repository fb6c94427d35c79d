/** Who is calling, and the contract that turns a bearer credential into that. */

/** Who is calling: the user behind a bearer token or an API key. */
export interface Principal {
  user_id: string
  role: 'user' | 'admin'
  /** The login session of an access token; null for an API key. */
  session_id: string | null
  api_key_id: string | null
  /** `read`, `write`, `admin`: a login has read and write (and admin for an admin); a key its own. */
  scopes: string[]
}

/** Checks the credentials of a request; throws `unauthorized` when they do not hold. */
export interface Authenticator {
  authenticate(bearer: string): Promise<Principal>
}
