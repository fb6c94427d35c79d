// The typed HTTP client: openapi-fetch over the generated paths, with the transport's
// credentials and retries under it, and a few methods for the common calls on top.
import createFetchClient, { type Client } from 'openapi-fetch'
import { ChatkeepError, ERROR_CODES, type ErrorCode } from '../errors.js'
import { answerOf, Credentials, type CredentialOptions, type Tokens } from './credentials.js'
import type { paths } from './generated/openapi.js'
import { iteratePages, type Paged } from './pages.js'
import { errorFromAnswer } from './problem.js'
import { readEventStream } from './sse.js'
import { DEFAULT_RETRY, type Fetch, type RetryPolicy, Transport } from './transport.js'
import type {
  ChangeEvent,
  EventListOptions,
  EventPage,
  Conversation,
  ConversationListOptions,
  ConversationPage,
  ConversationUpdate,
  CreatedApiKey,
  DocumentListOptions,
  DocumentPage,
  DocumentUpdate,
  DocumentWithChunks,
  Abort,
  Delta,
  Feedback,
  FeedbackListOptions,
  FeedbackPage,
  Finish,
  IngestResult,
  MessageStreamEvent,
  Login,
  Message,
  MessageListOptions,
  MessagePage,
  NewApiKey,
  NewConversation,
  NewDocument,
  NewMessage,
  QuotaStatus,
  Register,
  SearchHit,
  SearchPage,
  SearchQuery,
  SimilarHit,
  SimilarMessageHit,
  SimilarMessagesQuery,
  SimilarQuery,
  TokenResponse,
  UsageQuery,
  UsageReport,
  User,
  UserUpdate,
  Document,
} from './types.js'

export interface ClientOptions extends CredentialOptions {
  /** The server: `http://127.0.0.1:8080`; in a browser a path of the page's origin works too. */
  base_url: string
  /** How requests that are safe to repeat are repeated; see DEFAULT_RETRY. */
  retry?: Partial<RetryPolicy>
  /** What sends the requests; the global fetch by default. */
  fetch?: Fetch
}

/** The typed openapi-fetch client: every route, `{ data, error, response }` per call. */
export type RawClient = Client<paths>

type Answered<T> = { data?: T; error?: unknown; response: Response }

/** The data of a 2xx; any other answer throws its ChatkeepError. */
async function ok<T>(call: Promise<Answered<T>>): Promise<T> {
  const { data, error, response } = await call
  if (!response.ok) throw errorFromAnswer(response, error)
  return data as T
}

const byId = (id: string) => ({ params: { path: { id } } })

/** A page of a list with `after` = the previous page's `last_id`. */
const keyset = <T>(page: { data: T[]; has_more: boolean; last_id: string | null }): Paged<T> => ({
  data: page.data,
  has_more: page.has_more,
  cursor: page.last_id,
})

/**
 * A client of a Chatkeep server. Authenticate with `api_key`, with the `tokens` of an earlier
 * login, or by calling `auth.login`; the methods throw ChatkeepErrors with the server's `code`,
 * and `raw` reaches every route.
 * @example
 * const client = createClient({ base_url: 'http://127.0.0.1:8080', api_key: process.env.CHATKEEP_API_KEY })
 * const chat = await client.conversations.create({ title: 'Trip' })
 * await client.messages.append(chat.id, { role: 'user', content: 'Hi', request_id: 'turn-1' })
 */
export class ChatkeepClient {
  /** Every route, typed from the server's OpenAPI document, through the same transport. */
  readonly raw: RawClient
  /**
   * The transport as a fetch: credentials, the refresh on a 401 and the retries, for what
   * `raw` does not parse (an event stream, a download).
   */
  readonly fetch: Fetch
  readonly #credentials: Credentials
  readonly #base_url: string
  readonly #transport: Transport

  constructor(options: ClientOptions) {
    this.#credentials = new Credentials(options)
    this.#base_url = options.base_url.replace(/\/+$/, '')
    const send = options.fetch ?? ((request: Request) => globalThis.fetch(request))
    this.#transport = new Transport({
      base_url: options.base_url,
      fetch: send,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      credentials: this.#credentials,
    })
    this.fetch = this.#transport.fetch
    this.raw = createFetchClient<paths>({
      baseUrl: options.base_url.replace(/\/+$/, ''),
      fetch: this.#transport.fetch,
    })
  }

  /** Register, log in and out, refresh; API keys. A login's tokens are kept and renewed. */
  readonly auth = {
    register: async (account: Register): Promise<TokenResponse> =>
      this.#keep(await ok(this.raw.POST('/v1/auth/register', { body: account }))),
    login: async (credentials: Login): Promise<TokenResponse> =>
      this.#keep(await ok(this.raw.POST('/v1/auth/login', { body: credentials }))),
    /** New tokens now, rather than on the next 401; throws `unauthorized` when refused. */
    refresh: async (): Promise<Tokens> => {
      if (await this.#transport.renew()) return this.#credentials.tokens!
      const refusal = this.#credentials.refusal
      if (refusal !== undefined) throw errorFromAnswer(answerOf(refusal), refusal.body)
      throw new ChatkeepError('unauthorized', 'There is no login to refresh; log in first.')
    },
    /** Ends the session on the server and forgets its tokens. */
    logout: async (): Promise<void> => {
      await ok(this.raw.POST('/v1/auth/logout'))
      this.#credentials.set(null)
    },
    /** The tokens the client holds now, to keep for later (or `on_tokens`). */
    tokens: (): Tokens | undefined => this.#credentials.tokens,
    createApiKey: (key: NewApiKey): Promise<CreatedApiKey> =>
      ok(this.raw.POST('/v1/auth/api-keys', { body: key })),
    revokeApiKey: (id: string): Promise<void> =>
      ok(this.raw.DELETE('/v1/auth/api-keys/{id}', byId(id))),
  }

  /** The caller's account. */
  readonly users = {
    me: (): Promise<User> => ok(this.raw.GET('/v1/users/me')),
    updateMe: (patch: UserUpdate): Promise<User> =>
      ok(this.raw.PATCH('/v1/users/me', { body: patch })),
  }

  readonly conversations = {
    create: (conversation: NewConversation = {}): Promise<Conversation> =>
      ok(this.raw.POST('/v1/conversations', { body: conversation })),
    get: (id: string): Promise<Conversation> =>
      ok(this.raw.GET('/v1/conversations/{id}', byId(id))),
    /** One page, most recently active first; the next is `after: page.last_id`. */
    list: (options: ConversationListOptions = {}): Promise<ConversationPage> =>
      ok(this.raw.GET('/v1/conversations', { params: { query: options } })),
    /** Every conversation from `after` on, a page (`limit`) at a time. */
    iterate: (
      options: Omit<ConversationListOptions, 'before'> = {},
    ): AsyncGenerator<Conversation> =>
      iteratePages(
        async (after) => keyset(await this.conversations.list({ ...options, after })),
        options.after,
      ),
    update: (id: string, patch: ConversationUpdate): Promise<Conversation> =>
      ok(this.raw.PATCH('/v1/conversations/{id}', { ...byId(id), body: patch })),
    /** Soft-deletes it with its messages; `restore` brings both back. */
    delete: (id: string): Promise<void> => ok(this.raw.DELETE('/v1/conversations/{id}', byId(id))),
    restore: (id: string): Promise<Conversation> =>
      ok(this.raw.POST('/v1/conversations/{id}/restore', byId(id))),
  }

  readonly messages = {
    /**
     * Appends a message. With a `request_id` it is idempotent, and so repeated after a lost
     * connection or a 503: it lands once whatever happens to the answer.
     */
    append: (conversation_id: string, message: NewMessage): Promise<Message> =>
      ok(
        this.raw.POST('/v1/conversations/{id}/messages', {
          ...byId(conversation_id),
          body: message,
        }),
      ),
    /** Several messages in one transaction: all or none. Never repeated. */
    appendMany: async (conversation_id: string, messages: NewMessage[]): Promise<Message[]> =>
      (
        await ok(
          this.raw.POST('/v1/conversations/{id}/messages/batch', {
            ...byId(conversation_id),
            body: { messages },
          }),
        )
      ).data,
    /** One page in sequence order (`order: 'desc'` for newest first). */
    list: (conversation_id: string, options: MessageListOptions = {}): Promise<MessagePage> =>
      ok(
        this.raw.GET('/v1/conversations/{id}/messages', {
          params: { path: { id: conversation_id }, query: options },
        }),
      ),
    iterate: (
      conversation_id: string,
      options: Omit<MessageListOptions, 'before'> = {},
    ): AsyncGenerator<Message> =>
      iteratePages(
        async (after) => keyset(await this.messages.list(conversation_id, { ...options, after })),
        options.after,
      ),
    /** The last `n` messages, oldest first: the context window for an LLM. */
    lastN: async (conversation_id: string, n: number): Promise<Message[]> =>
      (
        await ok(
          this.raw.GET('/v1/conversations/{id}/messages', {
            params: { path: { id: conversation_id }, query: { last: n } },
          }),
        )
      ).data,
    get: (id: string): Promise<Message> => ok(this.raw.GET('/v1/messages/{id}', byId(id))),
    /** Thumbs up (1), down (-1) or clear (null), with the user's reason for it. */
    setFeedback: (
      id: string,
      feedback: Feedback,
      feedback_reason: string | null = null,
    ): Promise<Message> =>
      ok(
        this.raw.PUT('/v1/messages/{id}/feedback', {
          ...byId(id),
          body: { feedback, feedback_reason },
        }),
      ),
    /** Sets, replaces or (null) clears a message's embedding, for `search.similarMessages`. */
    setEmbedding: (id: string, embedding: number[] | null): Promise<void> =>
      ok(this.raw.PUT('/v1/messages/{id}/embedding', { ...byId(id), body: { embedding } })),
    /** The caller's rated messages, newest first; `rating: -1` for thumbs down only. */
    listFeedback: (options: FeedbackListOptions = {}): Promise<FeedbackPage> =>
      ok(this.raw.GET('/v1/feedback', { params: { query: options } })),
    delete: (id: string): Promise<void> => ok(this.raw.DELETE('/v1/messages/{id}', byId(id))),
    restore: (id: string): Promise<Message> =>
      ok(this.raw.POST('/v1/messages/{id}/restore', byId(id))),
    /** Starts a live reply (status `streaming`): its id and sequence are fixed at once. */
    start: (conversation_id: string, message: Omit<NewMessage, 'status'>): Promise<Message> =>
      this.messages.append(conversation_id, { ...message, status: 'streaming' }),
    /** Adds text to a live reply; accepted at once, stored with the next checkpoint. */
    appendDelta: (id: string, delta: Delta): Promise<void> =>
      ok(this.raw.POST('/v1/messages/{id}/deltas', { ...byId(id), body: delta })),
    /** Ends a live reply as `complete` with its last deltas, tokens and finish_reason. */
    finish: (id: string, finish: Finish = {}): Promise<Message> =>
      ok(this.raw.POST('/v1/messages/{id}/finish', { ...byId(id), body: finish })),
    /** Ends a live reply as `aborted`, keeping what arrived. */
    abort: (id: string, abort: Abort = {}): Promise<Message> =>
      ok(this.raw.POST('/v1/messages/{id}/abort', { ...byId(id), body: abort })),
    /**
     * Follows a message until it ends, from any server instance: its content so far, each
     * delta, then the end. A dropped connection is opened again where it stopped.
     * @example
     * for await (const e of client.messages.follow(id)) if (e.type !== 'end') show(e.content)
     */
    follow: (
      id: string,
      options: { after?: number; signal?: AbortSignal } = {},
    ): AsyncGenerator<MessageStreamEvent, void, undefined> =>
      followStream(
        readEventStream({
          url: `${this.#base_url}/v1/messages/${encodeURIComponent(id)}/stream`,
          fetch: this.fetch,
          ...(options.after === undefined ? {} : { last_event_id: String(options.after) }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        }),
      ),
  }

  readonly documents = {
    /** A document with its chunks, deduplicated by content hash; one with the same `source_url` is replaced. */
    ingest: (document: NewDocument): Promise<IngestResult> =>
      ok(this.raw.POST('/v1/documents', { body: document })),
    get: (id: string): Promise<DocumentWithChunks> =>
      ok(this.raw.GET('/v1/documents/{id}', byId(id))),
    list: (options: DocumentListOptions = {}): Promise<DocumentPage> =>
      ok(this.raw.GET('/v1/documents', { params: { query: options } })),
    iterate: (options: Omit<DocumentListOptions, 'before'> = {}): AsyncGenerator<Document> =>
      iteratePages(
        async (after) => keyset(await this.documents.list({ ...options, after })),
        options.after,
      ),
    update: (id: string, patch: DocumentUpdate): Promise<Document> =>
      ok(this.raw.PATCH('/v1/documents/{id}', { ...byId(id), body: patch })),
    delete: (id: string): Promise<void> => ok(this.raw.DELETE('/v1/documents/{id}', byId(id))),
  }

  readonly search = {
    /** Full text over the caller's messages (or `scope: 'documents'`), best first. */
    search: (query: SearchQuery): Promise<SearchPage> =>
      ok(this.raw.GET('/v1/search', { params: { query } })),
    /** Every hit, page after page (`after` = the previous page's `next_cursor`). */
    iterate: (query: SearchQuery): AsyncGenerator<SearchHit> =>
      iteratePages(async (after) => {
        const page = await this.search.search({ ...query, ...(after ? { after } : {}) })
        return { data: page.data, has_more: page.has_more, cursor: page.next_cursor }
      }, query.after),
    /** The chunks nearest an embedding (cosine), best first. */
    similar: async (query: SimilarQuery): Promise<SimilarHit[]> =>
      (await ok(this.raw.POST('/v1/search/similar', { body: query }))).data,
    /** Semantic recall: the caller's messages nearest an embedding (cosine), best first. */
    similarMessages: async (query: SimilarMessagesQuery): Promise<SimilarMessageHit[]> =>
      (await ok(this.raw.POST('/v1/search/messages/similar', { body: query }))).data,
  }

  readonly usage = {
    /** Tokens and their cost per user, model or UTC day: your own (an admin's: anyone's). */
    report: (query: UsageQuery = {}): Promise<UsageReport> =>
      ok(this.raw.GET('/v1/usage', { params: { query } })),
    /** Where you stand against your quota today and this month (an admin: any user's). */
    quota: (user_id?: string): Promise<QuotaStatus> =>
      ok(
        this.raw.GET('/v1/usage/quota', {
          params: { query: user_id === undefined ? {} : { user_id } },
        }),
      ),
  }

  /** The change feed: your own events (an admin's: everyone's), in commit order. */
  readonly events = {
    list: (options: EventListOptions = {}): Promise<EventPage> =>
      ok(this.raw.GET('/v1/events', { params: { query: options } })),
    /**
     * Follows the feed (Server-Sent Events) from `after`, across reconnections: each event once,
     * in order, until `signal` aborts or the loop breaks. Keep the last event's `cursor` to go on
     * later from where you stopped.
     * @example
     * for await (const event of client.events.stream({ after: cursor, types: 'message.*' })) {
     *   cursor = event.cursor
     * }
     */
    stream: (
      options: { after?: string; types?: string; signal?: AbortSignal } = {},
    ): AsyncGenerator<ChangeEvent> => this.#followEvents(options),
  }

  async *#followEvents(options: {
    after?: string
    types?: string
    signal?: AbortSignal
  }): AsyncGenerator<ChangeEvent> {
    const query = options.types === undefined ? '' : `?types=${encodeURIComponent(options.types)}`
    const stream = readEventStream({
      url: `${this.#base_url}/v1/events/stream${query}`,
      fetch: this.fetch,
      ...(options.after === undefined ? {} : { last_event_id: options.after }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    for await (const message of stream) {
      if (message.event === 'error') {
        const problem = JSON.parse(message.data) as { code?: string; detail?: string }
        throw new ChatkeepError(
          isErrorCode(problem.code) ? problem.code : 'unavailable',
          problem.detail ?? 'The event stream failed.',
        )
      }
      yield JSON.parse(message.data) as ChangeEvent
    }
  }

  #keep(answer: TokenResponse): TokenResponse {
    this.#credentials.set({
      access_token: answer.access_token,
      refresh_token: answer.refresh_token,
    })
    return answer
  }
}

/** A message's event stream as typed events, until its `end`; an `error` event throws. */
async function* followStream(
  events: AsyncGenerator<{ event: string; data: string; id: string }, void, undefined>,
): AsyncGenerator<MessageStreamEvent, void, undefined> {
  for await (const { event, data, id } of events) {
    const offset = Number(id)
    if (event === 'content' || event === 'delta') {
      yield { type: event, offset, content: (JSON.parse(data) as { content: string }).content }
    } else if (event === 'end') {
      yield { type: 'end', offset, message: JSON.parse(data) as Message }
      return
    } else if (event === 'error') {
      const problem = JSON.parse(data) as { code: string; detail: string }
      throw new ChatkeepError(
        problem.code in ERROR_CODES ? (problem.code as ErrorCode) : 'internal',
        problem.detail,
      )
    }
  }
}
const isErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)

/** A client of the Chatkeep server at `options.base_url`. */
export const createClient = (options: ClientOptions): ChatkeepClient => new ChatkeepClient(options)
