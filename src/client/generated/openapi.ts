// Generated from the server's OpenAPI document by openapi-typescript: do not edit.
// Regenerate with `npm run client:generate` after changing a route's schema.
export interface paths {
  '/openapi.json': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** This OpenAPI 3.1 document */
    get: operations['getOpenApiDocument']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/metrics': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Prometheus metrics (text exposition format 0.0.4) */
    get: operations['getMetrics']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/healthz': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Liveness: the process answers */
    get: operations['checkLiveness']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/readyz': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Readiness: the database answers, its schema is current; with pool status
     * @description Answers 503 when the database cannot be reached within the probe deadline or its schema is not the one this code needs. A saturated pool is reported but does not make the instance unready.
     */
    get: operations['checkReadiness']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/auth/register': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Create an account and log in
     * @description The username is stored normalized (NFKC, case-folded, trimmed).
     */
    post: operations['register']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/auth/login': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Log in with a username and password
     * @description An unknown user and a wrong password get the same 401; a deactivated account gets 403.
     */
    post: operations['login']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/auth/refresh': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Trade a refresh token for a new access token and refresh token
     * @description A refresh token works once. Presented again more than 10 seconds (the grace window) after its use, it ends its session (401). Within those 10 seconds (two tabs refreshing at once) the later request gets a second new pair for the same session.
     */
    post: operations['refreshTokens']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/auth/logout': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * End the current session
     * @description Its access tokens stop working and its refresh tokens are revoked.
     */
    post: operations['logout']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/auth/sessions': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** The caller's live sessions, newest first */
    get: operations['listSessions']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/auth/sessions/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    post?: never
    /** End one of the caller’s sessions */
    delete: operations['deleteSession']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/auth/api-keys': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** The caller's live API keys, newest first, without their secrets */
    get: operations['listApiKeys']
    put?: never
    /**
     * Create an API key
     * @description The answer holds the whole key, shown this once; only its prefix is kept visible.
     */
    post: operations['createApiKey']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/auth/api-keys/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    post?: never
    /** Revoke one of the caller’s API keys */
    delete: operations['deleteApiKey']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users/{id}/sessions': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** A user's live sessions, newest first (admin) */
    get: operations['listUserSessions']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users/{id}/sessions/{credential_id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    post?: never
    /** End one of a user's sessions (admin) */
    delete: operations['deleteUserSession']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users/{id}/api-keys': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** A user's live API keys, newest first, without their secrets (admin) */
    get: operations['listUserApiKeys']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users/{id}/api-keys/{credential_id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    post?: never
    /** Revoke one of a user's API keys (admin) */
    delete: operations['deleteUserApiKey']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users/me': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** The caller */
    get: operations['getCurrentUser']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    /** Update the caller's display name, email or preferences */
    patch: operations['updateCurrentUser']
    trace?: never
  }
  '/v1/users/me/export': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Everything of the caller, as a zip with a manifest and checksums */
    get: operations['exportCurrentUser']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** List users (admin) */
    get: operations['listUsers']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users/discord': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Find or create the user bound to a Discord account (admin)
     * @description A bot's way to keep one user per Discord member: 200 with the bound user, or 201 with a new one (named `discord_<id>` unless `username` is given).
     */
    post: operations['findOrCreateDiscordUser']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Get a user (admin) */
    get: operations['getUser']
    put?: never
    post?: never
    /** Delete a user and everything of theirs (admin) */
    delete: operations['deleteUser']
    options?: never
    head?: never
    /** Activate, deactivate, change the role of, or edit a user (admin) */
    patch: operations['updateUser']
    trace?: never
  }
  '/v1/users/{id}/export': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Everything of a user, as a zip with a manifest and checksums (admin) */
    get: operations['exportUser']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/users/{id}/erase': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** What erasing a user would remove now, per kind of row; changes nothing (admin) */
    get: operations['previewUserErasure']
    put?: never
    /**
     * Erase a user: every row, transcript file and cached copy of theirs (admin)
     * @description Answers the erasure report, which also stays in the audit log (action `user.erased`). Refused with 409 `legal_hold` while a hold covers the user or a conversation of theirs. Cannot be undone.
     */
    post: operations['eraseUser']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/conversations': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List the caller's live conversations, most recently active first
     * @description Admins see every user's conversations, or one user's with `user_id`. Page with `after` = the previous page's `last_id`.
     */
    get: operations['listConversations']
    put?: never
    /** Create a conversation */
    post: operations['createConversation']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/conversations/discord': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /** Find or create the conversation bound to a Discord channel */
    post: operations['findOrCreateDiscordConversation']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/conversations/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Get a conversation
     * @description Audited as `conversation.read` (docs/audit-and-config.md).
     */
    get: operations['getConversation']
    put?: never
    post?: never
    /**
     * Soft-delete a conversation and its messages
     * @description Audited as `conversation.delete`.
     */
    delete: operations['deleteConversation']
    options?: never
    head?: never
    /**
     * Update title, metadata, parameters or status, or switch branch
     * @description `active_leaf_id` switches branch: reads of the conversation then follow the path to that message, and appends continue it.
     */
    patch: operations['updateConversation']
    trace?: never
  }
  '/v1/conversations/{id}/fork': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Copy the path to a message into a new conversation
     * @description Copies the live messages of the path root → `message_id` (the active leaf when absent) into a new conversation of the same owner, with `forked_from` naming the source.
     */
    post: operations['forkConversation']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/conversations/{id}/restore': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Restore a soft-deleted conversation with its messages
     * @description Audited as `conversation.restore`.
     */
    post: operations['restoreConversation']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/deltas': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Add text to a streaming message
     * @description Accepted at once (204) and stored with the next checkpoint (within `STREAM_CHECKPOINT_MS`); `finish` stores every delta accepted before it. A message that is no longer streaming answers 409 `message_not_streaming`.
     */
    post: operations['appendMessageDelta']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/finish': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * End a streaming message as complete
     * @description Stores its last deltas, tokens_used, finish_reason and metadata, and moves the conversation's total_tokens, in one transaction. Finishing it again answers the message as it was finished.
     */
    post: operations['finishMessage']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/abort': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /** End a streaming message as aborted, keeping what arrived */
    post: operations['abortMessage']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/stream': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Follow a message as Server-Sent Events
     * @description Events: `content` (the content stored so far), then `delta` for each checkpoint, then `end` with the message as it ended; each `data` is JSON and each `id` the offset reached. Reconnecting with `Last-Event-ID` goes on from there. Works from any instance, for a message that is streaming or has ended.
     */
    get: operations['streamMessage']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/conversations/{id}/messages': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List every message in sequence order, or the last N of a path
     * @description Without `last` or `leaf`: every live message of every branch in sequence order, each with its `parent_id`, to draw the tree. With `last` and/or `leaf`: the last N live messages of the path to the active leaf (or to `leaf`).
     */
    get: operations['listMessages']
    put?: never
    /**
     * Append a message
     * @description The message gets the next sequence number. With `request_id` (or the `Idempotency-Key` header), a replay of the same append returns the first message; the same key with a different body is a 409.
     */
    post: operations['appendMessage']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/conversations/{id}/messages/batch': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /** Append several messages in one transaction (all or none) */
    post: operations['appendMessages']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/conversations/{id}/context': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * The messages to send an LLM, within a budget
     * @description The newest messages of the active path (or the path to `leaf`) that fit `max_tokens` and `max_messages`, oldest first: the leading system messages always, a tool call never without its results, and the latest compaction summary (`metadata.summary_of`) in place of what it covers. Tokens are `tokens_used`, or ceil(characters / 4) + 4 where that is 0 (`token_source: "estimate"`).
     */
    get: operations['getContext']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Get a message */
    get: operations['getMessage']
    put?: never
    post?: never
    /** Soft-delete a message */
    delete: operations['deleteMessage']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/siblings': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * The alternatives at a message: edits and regenerations ("2 / 3")
     * @description The message and the live messages that share its parent, oldest first, each with its `position` and `newest_leaf_id` (the leaf to switch to with `PATCH /v1/conversations/{id}`).
     */
    get: operations['listMessageSiblings']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/citations': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Whether the chunks a message cites are current, changed or deleted
     * @description Reads the `{ chunk_id, content_hash, score }` entries of the message's `context_documents` against the chunks stored now.
     */
    get: operations['listMessageCitations']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/restore': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /** Restore a soft-deleted message */
    post: operations['restoreMessage']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/feedback': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    /**
     * Set thumbs up (1), down (-1) or clear (null), with a reason
     * @description `feedback_reason` is what the user said about the answer; clearing the rating clears it.
     */
    put: operations['setMessageFeedback']
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/messages/{id}/embedding': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    /**
     * Set, replace or clear (null) a message's embedding, for semantic recall
     * @description The vector your model made of the message (1 to 4096 numbers), indexed in the same transaction; `POST /v1/search/messages/similar` finds it. Chatkeep never computes embeddings and never hands them back.
     */
    put: operations['setMessageEmbedding']
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/feedback': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List rated messages, newest first
     * @description The caller's rated messages (an admin's: everyone's), with `feedback` and `feedback_reason`; `rating=-1` keeps only thumbs down. Page with `after` = the previous page's `last_id`.
     */
    get: operations['listFeedback']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/documents': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** List the caller's live documents and the shared ones, newest first */
    get: operations['listDocuments']
    put?: never
    /**
     * Ingest a document with its chunks, deduplicated by content hash
     * @description One transaction. A live document of the same owner and `source_url` is replaced (200): chunks whose content is unchanged keep their ids. Each chunk is reported `new` or `duplicate`. Admins may give `user_id`; without one their document is shared.
     */
    post: operations['ingestDocument']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/documents/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Get a document with its chunks */
    get: operations['getDocument']
    put?: never
    post?: never
    /** Soft-delete a document: its chunks leave every read and search at once */
    delete: operations['deleteDocument']
    options?: never
    head?: never
    /** Update title, version or metadata */
    patch: operations['updateDocument']
    trace?: never
  }
  '/v1/search': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Full-text search over the caller's messages or readable documents
     * @description Every word of `q` must occur (whole words, any case, unstemmed). Best hits first, with a `<mark>`-highlighted snippet; page with `after` = the previous `next_cursor`. Soft-deleted rows never show.
     */
    get: operations['search']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/search/similar': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * The chunks most similar to an embedding (cosine), best first
     * @description Exact top-k over the embeddings of the chunks the caller may read whose dimension is the query's. Chatkeep never computes embeddings: send the vector your model made.
     */
    post: operations['searchSimilar']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/search/messages/similar': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * The caller's messages most similar to an embedding (cosine), best first
     * @description Semantic recall of history: top-k over the embeddings of the caller's own live messages whose dimension is the query's (an admin's: everyone's), filtered by `conversation_id` and `role` inside the search. Messages carry an embedding when the app sent one with the append or with `PUT /v1/messages/{id}/embedding`.
     */
    post: operations['searchSimilarMessages']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/metrics': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Post a batch of metrics (all or none)
     * @description Up to 1000 metrics, stored in one transaction: when one is refused, the 400 names it (`/metrics/3/timestamp`) and nothing is stored. Any authenticated caller may post; an API key needs the `write` scope. A metric sent again with the same `id` is stored once.
     */
    post: operations['ingestMetrics']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/metrics': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Metrics counted per UTC minute, hour or day and metric type (admin)
     * @description Only buckets holding a metric are listed, oldest first; `value` sums, averages and ranges the numbers in `metric_data.value`. Without `since`: the last 60 minutes, 24 hours or 30 days. At most 1440 buckets per query.
     */
    get: operations['summarizeMetrics']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/metrics/raw': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Metrics one by one, newest first (admin)
     * @description Ordered by `timestamp`, then id; `after` and `before` are ids of metrics of the list.
     */
    get: operations['listMetrics']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/audit-events': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Query the audit log, newest first (admin)
     * @description Filter by `user_id` (the actor), `action`, `target_type` and `target_id`, and by time: `since` ≤ created_at < `until`. Page with `after` = the previous page’s `last_id`. The actions are listed in docs/audit-and-config.md. Audited itself as `audit.read`.
     */
    get: operations['listAuditEvents']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/events': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Read the change feed
     * @description Events after the cursor `after`, in commit order: once you have seen a cursor you never later find an event at or below it, so keep `next_cursor` and ask again. A user reads their own events, an admin everyone’s. A cursor older than EVENTS_RETENTION_DAYS answers 410 `cursor_expired`.
     */
    get: operations['listEvents']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/events/stream': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Follow the change feed (Server-Sent Events)
     * @description A text/event-stream of the events after `after` (or after `Last-Event-ID`, which a reconnecting EventSource sends): each event’s `id` is its cursor, `event` its type and `data` the event as JSON. It stays open and sends new events as they commit, from any instance. Errors before the stream starts are problem+json; a cursor that expires while it runs ends it with an `error` event.
     */
    get: operations['streamEvents']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/webhooks': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** List the webhook endpoints (admin) */
    get: operations['listWebhooks']
    put?: never
    /**
     * Register a webhook endpoint (admin)
     * @description The endpoint receives every event of the feed written from now on (of `types`, when given), at least once, in feed order, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The `secret` is answered only here. Private and loopback addresses are refused unless WEBHOOK_ALLOW_PRIVATE is set.
     */
    post: operations['createWebhook']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/webhooks/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Get a webhook endpoint (admin) */
    get: operations['getWebhook']
    put?: never
    post?: never
    /** Remove a webhook endpoint and its delivery log (admin) */
    delete: operations['deleteWebhook']
    options?: never
    head?: never
    /**
     * Change or re-enable a webhook endpoint (admin)
     * @description `enabled: true` delivers again from where it stopped.
     */
    patch: operations['updateWebhook']
    trace?: never
  }
  '/v1/admin/webhooks/{id}/deliveries': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Every delivery attempt to an endpoint, newest first (admin) */
    get: operations['listWebhookDeliveries']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/backups': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List the backup log, newest first (admin)
     * @description Every `chatkeep backup` (and the safety backup of every restore): started, in_progress, completed with its file, size and SHA-256, or failed with the reason. Page with `after` = the previous page’s `last_id`.
     */
    get: operations['listBackups']
    put?: never
    /**
     * Take a backup now, as `chatkeep backup` does, and answer its log entry (admin)
     * @description Written to the server’s BACKUP_DIR in the engine’s own format (a logical export on PostgreSQL when no pg_dump fits), with its manifest and checksum; older backups beyond BACKUP_KEEP are pruned. Answers once the file is complete. A failure is in the log too.
     */
    post: operations['createBackup']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/config': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Every setting, in key order (admin)
     * @description The configuration is small: the whole of it comes in one answer.
     */
    get: operations['listSettings']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/config/{key}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * One setting (admin)
     * @description Read through the cache: with Redis a change shows everywhere at once; without it, on other instances within 30 seconds.
     */
    get: operations['getSetting']
    /**
     * Set a setting (admin)
     * @description Creates the key or replaces its value; audited as `config.update` with the old and new value. These keys have a type, and any other takes any JSON value of at most 64 KiB:
     *
     *     - `maintenance.enabled` (boolean): Whether apps should show a maintenance notice and hold new chats.
     *     - `maintenance.message` (string, at most 500 characters): The notice apps show while maintenance.enabled is true.
     *     - `llm.default_model` (string, 1 to 200 characters): The model apps use when a conversation names none.
     *     - `llm.default_parameters` (JSON object): Generation parameters (temperature, top_p, …) for new conversations.
     *     - `llm.model_prices` (JSON object: model → { prompt_per_million, completion_per_million }): What each model costs per million tokens, for usage reports and cost quotas; tokens not split into prompt and completion are priced as completion.
     *     - `chat.context_messages` (integer, 1 to 1000): How many recent messages apps load as an LLM context window.
     */
    put: operations['setSetting']
    post?: never
    /**
     * Remove a setting (admin)
     * @description Audited as `config.delete` with the old value.
     */
    delete: operations['deleteSetting']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/retention': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * The default retention policy and every user’s own (admin)
     * @description A conversation is under its own policy (`retention` in its PATCH), else its user’s, else the default; with no default set, soft-deleted conversations and messages are kept RETENTION_DAYS. `chatkeep cleanup` applies them (docs/privacy.md).
     */
    get: operations['getRetention']
    /**
     * Set the default and users’ retention policies (admin)
     * @description All in one transaction, audited as `retention.update` with the settings before and after. A null policy goes back to the next one up.
     */
    put: operations['setRetention']
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/legal-holds': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Legal holds in force, or released ones, newest first (admin) */
    get: operations['listLegalHolds']
    put?: never
    /**
     * Place a legal hold on a user or a conversation (admin)
     * @description Until released, nobody can delete, purge or erase what it holds: such a request answers 409 `legal_hold` and is audited as `legal_hold.refused`. Audited as `legal_hold.create`.
     */
    post: operations['createLegalHold']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/legal-holds/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    post?: never
    /**
     * Release a legal hold (admin)
     * @description The hold stays on record with who released it and when; audited as `legal_hold.release`.
     */
    delete: operations['releaseLegalHold']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/stats': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Rows per table, database size, messages per day, tokens per model, top users (admin) */
    get: operations['getStats']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/usage': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Tokens and their cost per user, model or UTC day
     * @description Messages created in [since, until) (by default the last 30 days), soft-deleted ones included: their tokens were spent. The cost is by the price table in system config (`llm.model_prices`); tokens of a model without a price are in `unpriced_tokens`. A user sees their own usage; an admin everyone’s, or one user’s with `user_id`.
     */
    get: operations['getUsage']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/usage/quota': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Where a user stands against their quota today and this month
     * @description The caller’s own, or with `user_id` (admins) another user’s. While `exceeded` is not empty, appends answer 429 `quota_exceeded` with `Retry-After` until the reset.
     */
    get: operations['getQuotaStatus']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/admin/quotas': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** The default quota and every user’s own (admin) */
    get: operations['getQuotas']
    /**
     * Set the default and users’ quotas (admin)
     * @description All in one transaction, audited as `quota.update` with the settings before and after. A null quota goes back to the default. Other instances apply a quota set while none was in force within 5 seconds.
     */
    put: operations['setQuotas']
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/conversations/{id}/transcripts': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** List a conversation's transcripts, newest first */
    get: operations['listTranscripts']
    put?: never
    /**
     * Export a conversation as a JSON, CSV or Markdown transcript
     * @description Renders the live messages in order, stores the file (the transcript folder, or S3 when configured) and records it with its size, SHA-256 and message count. The row exists only once the file is stored; a storage failure is a 503 that leaves nothing behind. `format` defaults to `json`.
     */
    post: operations['createTranscript']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/transcripts/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Get a transcript: format, storage, size, SHA-256, message count */
    get: operations['getTranscript']
    put?: never
    post?: never
    /** Delete a transcript: its file, then its row */
    delete: operations['deleteTranscript']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/transcripts/{id}/content': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Download the transcript file */
    get: operations['downloadTranscript']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/cache/responses': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Keep a model’s response
     * @description Stored under `key` = SHA-256 of the canonical JSON (keys sorted) of `{model, prompt, parameters}`, replacing any entry under it, for `ttl_s` seconds (one hour by default, 7 days at most). The response may be any JSON value of at most 256 KiB. Entries belong to the caller: the same key asked by another user is a miss, and an admin sees only their own. 503 when the cache cannot store (its Redis is unreachable): nothing was stored.
     */
    post: operations['cacheResponse']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/cache/responses/lookup': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Look a response up by what was asked
     * @description A hit answers the response with when it was cached and when it expires; a miss answers `{hit: false, key}`. While the cache is unreachable every lookup is a miss. Entries belong to the caller: the same key asked by another user is a miss, and an admin sees only their own.
     */
    post: operations['lookUpCachedResponse']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/cache/responses/{key}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Read a cached response by its key
     * @description 404 when there is none (expired, deleted, or never stored). Entries belong to the caller: the same key asked by another user is a miss, and an admin sees only their own.
     */
    get: operations['getCachedResponse']
    put?: never
    post?: never
    /**
     * Forget a cached response
     * @description 404 when the caller has no entry under the key. Entries belong to the caller: the same key asked by another user is a miss, and an admin sees only their own.
     */
    delete: operations['deleteCachedResponse']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/api/chat/message': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /** Save a chat message, starting a session when none is given */
    post: operations['saveChatMessage']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/api/chat/sessions': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** The caller's live sessions, most recent first, with message counts */
    get: operations['listChatSessions']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/api/chat/sessions/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * A live session with the messages of its active branch, oldest first
     * @description Audited as `conversation.read` (docs/audit-and-config.md).
     */
    get: operations['getChatSession']
    put?: never
    post?: never
    /** Soft-delete a session and its messages (recoverable) */
    delete: operations['deleteChatSession']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
}
export type webhooks = Record<string, never>
export interface components {
  schemas: {
    /** Problem */
    Problem: {
      type: string
      title: string
      status: number
      /** @description Stable error code; see docs/errors.md. */
      code: string
      detail: string
      /** @description Whether the same request may succeed when sent again later (a lost connection, a busy database, a rate limit). */
      retriable: boolean
      field?: string
      /**
       * Format: date-time
       * @description For `quota_exceeded`: when the quota resets (also in `Retry-After`).
       */
      resets_at?: string
      instance?: string
    }
    /** User */
    User: {
      /** Format: uuid */
      id: string
      username: string
      display_name: string | null
      email: string | null
      role: 'user' | 'admin'
      is_active: boolean
      discord_id: string | null
      preferences: {
        [key: string]: unknown
      }
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
      last_login_at: string | null
    }
    /** Conversation */
    Conversation: {
      /** Format: uuid */
      id: string
      short_id: string
      /** Format: uuid */
      user_id: string
      title: string | null
      status: 'active' | 'archived' | 'closed'
      origin: string
      discord_channel_id: string | null
      parameters: {
        [key: string]: unknown
      }
      metadata: {
        [key: string]: unknown
      }
      message_count: number
      total_tokens: number
      active_leaf_id: string | null
      forked_from: {
        /** Format: uuid */
        conversation_id: string
        /** Format: uuid */
        message_id: string
      } | null
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
      /** Format: date-time */
      last_activity: string
      archived_at: string | null
      ended_at: string | null
      deleted_at: string | null
      retention:
        | (
            | {
                /**
                 * @description Kept until deleted by hand and purged.
                 * @constant
                 */
                mode: 'keep'
              }
            | {
                /**
                 * @description Removed, deleted or not, `days` after its last message or change; a message soft-deleted in it goes `days` after its deletion.
                 * @constant
                 */
                mode: 'after_last_activity'
                days: number
              }
            | {
                /**
                 * @description Removed `days` after it (or one of its messages) was soft-deleted.
                 * @constant
                 */
                mode: 'after_soft_delete'
                days: number
              }
          )
        | null
      temporary: boolean
      expires_at: string | null
    }
    /** Message */
    Message: {
      /** Format: uuid */
      id: string
      /** Format: uuid */
      conversation_id: string
      /** Format: uuid */
      user_id: string
      sequence: number
      parent_id: string | null
      role: 'system' | 'user' | 'assistant' | 'tool'
      content: string
      parts:
        | (
            | {
                /** @constant */
                type: 'text'
                text: string
              }
            | {
                /** @constant */
                type: 'image'
                url?: string
                file_id?: string
                media_type?: string
                detail?: 'auto' | 'low' | 'high'
              }
            | {
                /** @constant */
                type: 'file'
                url?: string
                file_id?: string
                media_type?: string
                filename?: string
              }
            | {
                /** @constant */
                type: 'tool_call'
                id: string
                name: string
                arguments: {
                  [key: string]: unknown
                }
              }
            | {
                /** @constant */
                type: 'tool_result'
                tool_call_id: string
                output: unknown
                is_error?: boolean
              }
            | {
                /** @constant */
                type: 'reasoning'
                text: string
                signature?: string
              }
          )[]
        | null
      request_id: string | null
      tokens_used: number
      prompt_tokens: number | null
      completion_tokens: number | null
      model_version: string | null
      context_documents: unknown[]
      metadata: {
        [key: string]: unknown
      }
      feedback: (-1 | 1) | null
      feedback_reason: string | null
      /** Format: date-time */
      created_at: string
      deleted_at: string | null
      status: 'complete' | 'streaming' | 'aborted' | 'failed'
      finish_reason: string | null
      completed_at: string | null
    }
    /** Document */
    Document: {
      /** Format: uuid */
      id: string
      user_id: string | null
      source_url: string | null
      title: string | null
      doc_type: string | null
      version: string | null
      metadata: {
        [key: string]: unknown
      }
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
      deleted_at: string | null
    }
    /** Metric */
    Metric: {
      /** Format: uuid */
      id: string
      source: string
      metric_type: string
      /** Format: date-time */
      timestamp: string
      metric_data: {
        [key: string]: unknown
      }
    }
    /** AuditEvent */
    AuditEvent: {
      /** Format: uuid */
      id: string
      /** @description Who acted; null for an anonymous caller (a failed login) or once that user is deleted. */
      user_id: string | null
      /** @description A stable dotted name: `conversation.read`, `config.update`. */
      action: string
      /** @description `conversation`, `user`, `auth_session`, `api_key`, `config`. */
      target_type: string | null
      target_id: string | null
      ip_address: string | null
      user_agent: string | null
      details: {
        [key: string]: unknown
      }
      /** Format: date-time */
      created_at: string
    }
    /** ChangeEvent */
    ChangeEvent: {
      /** @description A position in the feed; pass it back as `after` (or `Last-Event-ID`). */
      cursor: string
      /** @description What changed: `message.created`, `conversation.updated`, … */
      type:
        | 'conversation.created'
        | 'conversation.updated'
        | 'conversation.deleted'
        | 'conversation.restored'
        | 'message.created'
        | 'message.completed'
        | 'message.aborted'
        | 'message.deleted'
        | 'message.restored'
        | 'message.feedback'
        | 'document.created'
        | 'document.updated'
        | 'document.deleted'
        | 'user.created'
        | 'user.updated'
        | 'user.deleted'
      /** @description Whose change it is (whose feed it is in); null for a shared document. */
      user_id: string | null
      conversation_id: string | null
      message_id: string | null
      /** Format: date-time */
      at: string
      /** @description The changed fields. Message content is never here (read the message for it), so an encrypted message never appears in clear. */
      data: {
        [key: string]: unknown
      }
    }
    /** Webhook */
    Webhook: {
      /** Format: uuid */
      id: string
      url: string
      types: string[]
      description: string | null
      enabled: boolean
      /** @description Why delivery stopped: an endpoint that kept failing is disabled with the reason. */
      disabled_reason: string | null
      /** @description The feed cursor delivered up to. */
      cursor: string
      failing_since: string | null
      next_attempt_at: string | null
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
    }
    /** BackupLog */
    BackupLog: {
      /** Format: uuid */
      id: string
      /** @description sqlite, pg_dump or logical */
      backup_type: string
      status: 'started' | 'in_progress' | 'completed' | 'failed'
      /** Format: date-time */
      started_at: string
      completed_at: string | null
      file_path: string | null
      file_size_bytes: number | null
      sha256: string | null
      error_message: string | null
    }
    /** SystemConfig */
    SystemConfig: {
      key: string
      /** @description Any JSON value; the known keys have a type (see PUT). */
      value: unknown
      /** Format: date-time */
      updated_at: string
      /** @description The admin who set it; null when set by the library or once that user is deleted. */
      updated_by: string | null
    }
    /** LegalHold */
    LegalHold: {
      /** Format: uuid */
      id: string
      user_id: string | null
      conversation_id: string | null
      reason: string
      created_by: string | null
      /** Format: date-time */
      created_at: string
      released_at: string | null
      released_by: string | null
    }
    /** RetentionSettings */
    RetentionSettings: {
      /** RetentionPolicy */
      default:
        | {
            /**
             * @description Kept until deleted by hand and purged.
             * @constant
             */
            mode: 'keep'
          }
        | {
            /**
             * @description Removed, deleted or not, `days` after its last message or change; a message soft-deleted in it goes `days` after its deletion.
             * @constant
             */
            mode: 'after_last_activity'
            days: number
          }
        | {
            /**
             * @description Removed `days` after it (or one of its messages) was soft-deleted.
             * @constant
             */
            mode: 'after_soft_delete'
            days: number
          }
      default_source: 'config' | 'retention_days'
      users: {
        /** Format: uuid */
        user_id: string
        username: string
        /** RetentionPolicy */
        policy:
          | {
              /**
               * @description Kept until deleted by hand and purged.
               * @constant
               */
              mode: 'keep'
            }
          | {
              /**
               * @description Removed, deleted or not, `days` after its last message or change; a message soft-deleted in it goes `days` after its deletion.
               * @constant
               */
              mode: 'after_last_activity'
              days: number
            }
          | {
              /**
               * @description Removed `days` after it (or one of its messages) was soft-deleted.
               * @constant
               */
              mode: 'after_soft_delete'
              days: number
            }
      }[]
    }
    /** Stats */
    Stats: {
      engine: 'sqlite' | 'postgres'
      /** Format: date-time */
      generated_at: string
      /** @description SQLite: the file (page_count × page_size) plus its WAL; PostgreSQL: pg_database_size. */
      database_size_bytes: number
      /** @description Rows per table, soft-deleted ones included. */
      tables: {
        users: number
        auth_sessions: number
        refresh_tokens: number
        api_keys: number
        conversations: number
        messages: number
        documents: number
        document_chunks: number
        rate_limits: number
        transcripts: number
        metrics: number
        system_configs: number
        backup_logs: number
        audit_events: number
        legal_holds: number
      }
      /** @description Rows soft-deleted and not yet purged. */
      soft_deleted: {
        conversations: number
        messages: number
        documents: number
      }
      /** @description Messages rated thumbs up (1) and down (-1), and how many of those came with a reason. */
      feedback: {
        up: number
        down: number
        with_reason: number
      }
      days: number
      /** @description One entry per UTC day, oldest first, the last being today; zeros included. */
      messages_per_day: {
        /** Format: date */
        day: string
        messages: number
        tokens: number
      }[]
      /** @description All time, most tokens first; null gathers messages without a model. */
      tokens_per_model: {
        model_version: string | null
        messages: number
        tokens: number
        prompt_tokens: number
        completion_tokens: number
        /** @description By the price table (`llm.model_prices`); null for a model it has no price for. */
        cost: number | null
      }[]
      top: number
      top_users: {
        by_messages: {
          user_id: string
          username: string
          messages: number
          tokens: number
        }[]
        by_tokens: {
          user_id: string
          username: string
          messages: number
          tokens: number
        }[]
      }
      /** @description Full-text indexing of messages (MESSAGE_SEARCH): the mode, the messages written and not yet indexed, and the age of the oldest of them in milliseconds. */
      message_search: {
        mode: 'immediate' | 'deferred' | 'off'
        lag_messages: number
        lag_ms: number
      }
    }
    /** UsageReport */
    UsageReport: {
      group_by: 'user' | 'model' | 'day'
      /** Format: date-time */
      since: string
      /** Format: date-time */
      until: string
      user_id: string | null
      rows: {
        key: string | null
        username?: string
        messages: number
        prompt_tokens: number
        completion_tokens: number
        tokens_used: number
        cost: number
        unpriced_tokens: number
      }[]
      total: {
        messages: number
        prompt_tokens: number
        completion_tokens: number
        tokens_used: number
        cost: number
        unpriced_tokens: number
      }
    }
    /** QuotaStatus */
    QuotaStatus: {
      /** Format: uuid */
      user_id: string
      quota: {
        tokens_per_day?: number
        tokens_per_month?: number
        cost_per_day?: number
        cost_per_month?: number
      } | null
      source: 'user' | 'default' | null
      day: {
        tokens: number
        cost: number
        /** Format: date-time */
        resets_at: string
      }
      month: {
        tokens: number
        cost: number
        /** Format: date-time */
        resets_at: string
      }
      exceeded: ('tokens_per_day' | 'tokens_per_month' | 'cost_per_day' | 'cost_per_month')[]
    }
    /** QuotaSettings */
    QuotaSettings: {
      default: {
        tokens_per_day?: number
        tokens_per_month?: number
        cost_per_day?: number
        cost_per_month?: number
      } | null
      users: {
        /** Format: uuid */
        user_id: string
        username: string
        /** UsageQuota */
        quota: {
          tokens_per_day?: number
          tokens_per_month?: number
          cost_per_day?: number
          cost_per_month?: number
        }
      }[]
    }
    /** Transcript */
    Transcript: {
      /** Format: uuid */
      id: string
      /** Format: uuid */
      conversation_id: string
      /** Format: uuid */
      user_id: string
      /** @description json (the conversation and its messages as data), csv (one row a message), markdown (to read). */
      format: 'json' | 'csv' | 'markdown'
      /** @description fs: the transcript folder (TRANSCRIPT_DIR); s3: the S3 bucket (S3_BUCKET). */
      storage: 'fs' | 's3'
      storage_key: string
      file_size_bytes: number
      message_count: number
      sha256: string
      /** Format: date-time */
      created_at: string
    }
  }
  responses: never
  parameters: never
  requestBodies: never
  headers: never
  pathItems: never
}
export type $defs = Record<string, never>
export interface operations {
  getOpenApiDocument: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            [key: string]: unknown
          }
        }
      }
    }
  }
  getMetrics: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description The metrics */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'text/plain': string
        }
      }
    }
  }
  checkLiveness: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            status: 'ok'
          }
        }
      }
    }
  }
  checkReadiness: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            status: 'ready' | 'not_ready'
            database: {
              engine: string
              reachable: boolean
              latency_ms: number | null
              error?: {
                code: string
                message: string
              }
            }
            migrations: {
              current: string | null
              pending: string[]
              unknown: string[]
            }
            /** @description The database connection pool (SQLite: its one connection). */
            pool: {
              /** @description Connections open now. */
              total: number
              /** @description Open connections not in use. */
              idle: number
              /** @description Connections checked out by a query or transaction. */
              in_use: number
              /** @description Callers waiting for a connection. */
              waiting: number
              /** @description The most connections the pool opens (1 on SQLite). */
              max: number
              /** @description Every connection is in use and callers wait: requests will slow down. */
              saturated: boolean
            }
          }
        }
      }
      /** @description Service Unavailable */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            status: 'ready' | 'not_ready'
            database: {
              engine: string
              reachable: boolean
              latency_ms: number | null
              error?: {
                code: string
                message: string
              }
            }
            migrations: {
              current: string | null
              pending: string[]
              unknown: string[]
            }
            /** @description The database connection pool (SQLite: its one connection). */
            pool: {
              /** @description Connections open now. */
              total: number
              /** @description Open connections not in use. */
              idle: number
              /** @description Connections checked out by a query or transaction. */
              in_use: number
              /** @description Callers waiting for a connection. */
              waiting: number
              /** @description The most connections the pool opens (1 on SQLite). */
              max: number
              /** @description Every connection is in use and callers wait: requests will slow down. */
              saturated: boolean
            }
          }
        }
      }
    }
  }
  register: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          username: string
          /** @description 8 to 256 characters. */
          password: string
          email?: string | null
          display_name?: string | null
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @description A JWT; send it as `Authorization: Bearer …`. */
            access_token: string
            /** @constant */
            token_type: 'Bearer'
            expires_in: number
            /** @description Works once: POST it to /v1/auth/refresh for a new pair. */
            refresh_token: string
            user: {
              /** Format: uuid */
              id: string
              username: string
              display_name: string | null
              email: string | null
              role: 'user' | 'admin'
              is_active: boolean
              discord_id: string | null
              preferences: {
                [key: string]: unknown
              }
              /** Format: date-time */
              created_at: string
              /** Format: date-time */
              updated_at: string
              last_login_at: string | null
            }
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  login: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          username: string
          /** @description At most 256 characters. */
          password: string
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @description A JWT; send it as `Authorization: Bearer …`. */
            access_token: string
            /** @constant */
            token_type: 'Bearer'
            expires_in: number
            /** @description Works once: POST it to /v1/auth/refresh for a new pair. */
            refresh_token: string
            user: {
              /** Format: uuid */
              id: string
              username: string
              display_name: string | null
              email: string | null
              role: 'user' | 'admin'
              is_active: boolean
              discord_id: string | null
              preferences: {
                [key: string]: unknown
              }
              /** Format: date-time */
              created_at: string
              /** Format: date-time */
              updated_at: string
              last_login_at: string | null
            }
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  refreshTokens: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          refresh_token: string
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @description A JWT; send it as `Authorization: Bearer …`. */
            access_token: string
            /** @constant */
            token_type: 'Bearer'
            expires_in: number
            /** @description Works once: POST it to /v1/auth/refresh for a new pair. */
            refresh_token: string
            user: {
              /** Format: uuid */
              id: string
              username: string
              display_name: string | null
              email: string | null
              role: 'user' | 'admin'
              is_active: boolean
              discord_id: string | null
              preferences: {
                [key: string]: unknown
              }
              /** Format: date-time */
              created_at: string
              /** Format: date-time */
              updated_at: string
              last_login_at: string | null
            }
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  logout: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listSessions: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              /** Format: uuid */
              id: string
              user_agent: string | null
              ip_address: string | null
              /** Format: date-time */
              created_at: string
              /** Format: date-time */
              last_activity: string
              /** Format: date-time */
              expires_at: string
              current: boolean
            }[]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteSession: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listApiKeys: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              /** Format: uuid */
              id: string
              name: string
              prefix: string
              scopes: string[]
              /** Format: date-time */
              created_at: string
              last_used_at: string | null
            }[]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  createApiKey: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          name: string
          /** @description Default: `["read", "write"]`. */
          scopes?: ('read' | 'write' | 'admin')[]
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** Format: uuid */
            id: string
            name: string
            prefix: string
            scopes: string[]
            /** Format: date-time */
            created_at: string
            last_used_at: string | null
            /** @description The whole key, to send as `Authorization: Bearer …`. Shown this once only. */
            key: string
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteApiKey: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listUserSessions: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
      }
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              /** Format: uuid */
              id: string
              user_agent: string | null
              ip_address: string | null
              /** Format: date-time */
              created_at: string
              /** Format: date-time */
              last_activity: string
              /** Format: date-time */
              expires_at: string
              current: boolean
            }[]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteUserSession: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
        credential_id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listUserApiKeys: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
      }
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              /** Format: uuid */
              id: string
              name: string
              prefix: string
              scopes: string[]
              /** Format: date-time */
              created_at: string
              last_used_at: string | null
            }[]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteUserApiKey: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
        credential_id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getCurrentUser: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['User']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  updateCurrentUser: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          display_name?: string | null
          email?: string | null
          preferences?: {
            [key: string]: unknown
          }
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['User']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  exportCurrentUser: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A zip of `chatkeep.jsonl` (every row of the user in the format of `chatkeep export`, messages opened when encrypted, no secrets) and `manifest.json` (each entry's size and SHA-256, a digest per conversation), with `Content-Disposition: attachment`. Streamed: a failure part-way ends the response early, and the zip then lacks its manifest and central directory. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/zip': string
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listUsers: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
        search?: string
        role?: 'user' | 'admin'
        is_active?: boolean
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['User'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  findOrCreateDiscordUser: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          display_name?: string | null
          email?: string | null
          preferences?: {
            [key: string]: unknown
          }
          discord_id: string
          username?: string
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['User']
        }
      }
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['User']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getUser: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['User']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteUser: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  updateUser: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          display_name?: string | null
          email?: string | null
          role?: 'user' | 'admin'
          is_active?: boolean
          discord_id?: string | null
          preferences?: {
            [key: string]: unknown
          }
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['User']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  exportUser: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A zip of `chatkeep.jsonl` (every row of the user in the format of `chatkeep export`, messages opened when encrypted, no secrets) and `manifest.json` (each entry's size and SHA-256, a digest per conversation), with `Content-Disposition: attachment`. Streamed: a failure part-way ends the response early, and the zip then lacks its manifest and central directory. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/zip': string
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  previewUserErasure: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            conversations: number
            messages: number
            documents: number
            document_chunks: number
            /** @description Rows, each with its stored file. */
            transcripts: number
            auth_sessions: number
            refresh_tokens: number
            api_keys: number
            /** @description Change-feed events about the user. */
            events: number
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  eraseUser: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** Format: uuid */
            user_id: string
            username: string
            /** Format: date-time */
            erased_at: string
            requested_by: string | null
            counts: {
              conversations: number
              messages: number
              documents: number
              document_chunks: number
              /** @description Rows, each with its stored file. */
              transcripts: number
              auth_sessions: number
              refresh_tokens: number
              api_keys: number
              /** @description Change-feed events about the user. */
              events: number
            }
            /** @description With encryption at rest: `destroyed` when the user's data key was destroyed in the erasure (crypto-shredding: their content in older backups can no longer be read); `none` when they had none (encryption at rest off, or nothing of theirs sealed). */
            data_key: 'destroyed' | 'none'
            cache: {
              /** @description Cached copies forgotten: the user's profile and their cached responses. */
              keys: string[]
            }
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listConversations: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
        status?: 'active' | 'archived' | 'closed'
        origin?: string
        tag?: string
        search?: string
        include_temporary?: boolean
        /** @description Conversations last active at or after this time: an RFC 3339 date-time with `Z` or an offset. */
        active_since?: string
        /** @description Conversations last active before this time. */
        active_until?: string
        user_id?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['Conversation'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  createConversation: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          user_id?: string
          title?: string | null
          status?: 'active' | 'archived' | 'closed'
          origin?: string
          discord_channel_id?: string | null
          parameters?: {
            [key: string]: unknown
          }
          metadata?: {
            [key: string]: unknown
          }
          retention?:
            | (
                | {
                    /**
                     * @description Kept until deleted by hand and purged.
                     * @constant
                     */
                    mode: 'keep'
                  }
                | {
                    /**
                     * @description Removed, deleted or not, `days` after its last message or change; a message soft-deleted in it goes `days` after its deletion.
                     * @constant
                     */
                    mode: 'after_last_activity'
                    days: number
                  }
                | {
                    /**
                     * @description Removed `days` after it (or one of its messages) was soft-deleted.
                     * @constant
                     */
                    mode: 'after_soft_delete'
                    days: number
                  }
              )
            | null
          temporary?: boolean
          ttl_hours?: number
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Conversation']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  findOrCreateDiscordConversation: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          user_id?: string
          title?: string | null
          status?: 'active' | 'archived' | 'closed'
          origin?: string
          parameters?: {
            [key: string]: unknown
          }
          metadata?: {
            [key: string]: unknown
          }
          retention?:
            | (
                | {
                    /**
                     * @description Kept until deleted by hand and purged.
                     * @constant
                     */
                    mode: 'keep'
                  }
                | {
                    /**
                     * @description Removed, deleted or not, `days` after its last message or change; a message soft-deleted in it goes `days` after its deletion.
                     * @constant
                     */
                    mode: 'after_last_activity'
                    days: number
                  }
                | {
                    /**
                     * @description Removed `days` after it (or one of its messages) was soft-deleted.
                     * @constant
                     */
                    mode: 'after_soft_delete'
                    days: number
                  }
              )
            | null
          temporary?: boolean
          ttl_hours?: number
          discord_channel_id: string
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Conversation']
        }
      }
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Conversation']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getConversation: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Conversation']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteConversation: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  updateConversation: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          title?: string | null
          status?: 'active' | 'archived' | 'closed'
          parameters?: {
            [key: string]: unknown
          }
          metadata?: {
            [key: string]: unknown
          }
          active_leaf_id?: string
          retention?:
            | (
                | {
                    /**
                     * @description Kept until deleted by hand and purged.
                     * @constant
                     */
                    mode: 'keep'
                  }
                | {
                    /**
                     * @description Removed, deleted or not, `days` after its last message or change; a message soft-deleted in it goes `days` after its deletion.
                     * @constant
                     */
                    mode: 'after_last_activity'
                    days: number
                  }
                | {
                    /**
                     * @description Removed `days` after it (or one of its messages) was soft-deleted.
                     * @constant
                     */
                    mode: 'after_soft_delete'
                    days: number
                  }
              )
            | null
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Conversation']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  forkConversation: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          message_id?: string
          title?: string | null
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Conversation']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  restoreConversation: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Conversation']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  appendMessageDelta: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          content?: string
          parts?: (
            | {
                /** @constant */
                type: 'text'
                text: string
              }
            | {
                /** @constant */
                type: 'image'
                url?: string
                file_id?: string
                media_type?: string
                detail?: 'auto' | 'low' | 'high'
              }
            | {
                /** @constant */
                type: 'file'
                url?: string
                file_id?: string
                media_type?: string
                filename?: string
              }
            | {
                /** @constant */
                type: 'tool_call'
                id: string
                name: string
                arguments: {
                  [key: string]: unknown
                }
              }
            | {
                /** @constant */
                type: 'tool_result'
                tool_call_id: string
                output: unknown
                is_error?: boolean
              }
            | {
                /** @constant */
                type: 'reasoning'
                text: string
                signature?: string
              }
          )[]
        }
      }
    }
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The request body is too large (`payload_too_large`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  finishMessage: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          tokens_used?: number
          prompt_tokens?: number | null
          completion_tokens?: number | null
          finish_reason?: string | null
          metadata?: {
            [key: string]: unknown
          }
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Message']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  abortMessage: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          finish_reason?: string | null
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Message']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  streamMessage: {
    parameters: {
      query?: never
      header?: {
        /** @description The `id` of the last event received: the stream goes on after that many characters (UTF-16 code units) of content. */
        'last-event-id'?: string
      }
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description text/event-stream */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'text/event-stream': string
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listMessages: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
        order?: 'asc' | 'desc'
        role?: 'system' | 'user' | 'assistant' | 'tool'
        /** @description The last N messages of the active path (root → active leaf), oldest first: an LLM context window. */
        last?: number
        /** @description Read the path that ends at this message instead of the active one (the last N, default 20, with `last`). */
        leaf?: string
      }
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['Message'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  appendMessage: {
    parameters: {
      query?: never
      header?: {
        /** @description The append's `request_id`, for clients that send idempotency keys as a header. With `request_id` in the body too, the two must be equal. */
        'idempotency-key'?: string
      }
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          role: 'system' | 'user' | 'assistant' | 'tool'
          content?: string
          parts?:
            | (
                | {
                    /** @constant */
                    type: 'text'
                    text: string
                  }
                | {
                    /** @constant */
                    type: 'image'
                    url?: string
                    file_id?: string
                    media_type?: string
                    detail?: 'auto' | 'low' | 'high'
                  }
                | {
                    /** @constant */
                    type: 'file'
                    url?: string
                    file_id?: string
                    media_type?: string
                    filename?: string
                  }
                | {
                    /** @constant */
                    type: 'tool_call'
                    id: string
                    name: string
                    arguments: {
                      [key: string]: unknown
                    }
                  }
                | {
                    /** @constant */
                    type: 'tool_result'
                    tool_call_id: string
                    output: unknown
                    is_error?: boolean
                  }
                | {
                    /** @constant */
                    type: 'reasoning'
                    text: string
                    signature?: string
                  }
              )[]
            | null
          status?: 'complete' | 'streaming'
          request_id?: string | null
          parent_id?: string | null
          activate?: boolean
          tokens_used?: number
          prompt_tokens?: number | null
          completion_tokens?: number | null
          model_version?: string | null
          context_documents?: unknown[]
          metadata?: {
            [key: string]: unknown
          }
          embedding?: number[] | null
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Message']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The request body is too large (`payload_too_large`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  appendMessages: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          messages: {
            role: 'system' | 'user' | 'assistant' | 'tool'
            content?: string
            parts?:
              | (
                  | {
                      /** @constant */
                      type: 'text'
                      text: string
                    }
                  | {
                      /** @constant */
                      type: 'image'
                      url?: string
                      file_id?: string
                      media_type?: string
                      detail?: 'auto' | 'low' | 'high'
                    }
                  | {
                      /** @constant */
                      type: 'file'
                      url?: string
                      file_id?: string
                      media_type?: string
                      filename?: string
                    }
                  | {
                      /** @constant */
                      type: 'tool_call'
                      id: string
                      name: string
                      arguments: {
                        [key: string]: unknown
                      }
                    }
                  | {
                      /** @constant */
                      type: 'tool_result'
                      tool_call_id: string
                      output: unknown
                      is_error?: boolean
                    }
                  | {
                      /** @constant */
                      type: 'reasoning'
                      text: string
                      signature?: string
                    }
                )[]
              | null
            status?: 'complete' | 'streaming'
            request_id?: string | null
            parent_id?: string | null
            activate?: boolean
            tokens_used?: number
            prompt_tokens?: number | null
            completion_tokens?: number | null
            model_version?: string | null
            context_documents?: unknown[]
            metadata?: {
              [key: string]: unknown
            }
            embedding?: number[] | null
          }[]
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['Message'][]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The request body is too large (`payload_too_large`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getContext: {
    parameters: {
      query?: {
        /** @description Token budget; the system prompt is kept even over it. */
        max_tokens?: number
        max_messages?: number
        /** @description Read the path to this message instead of the active one. */
        leaf?: string
      }
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            messages: {
              message: components['schemas']['Message']
              tokens: number
              token_source: 'tokens_used' | 'estimate'
            }[]
            total_tokens: number
            total_messages: number
            omitted: number
            truncated: boolean
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getMessage: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Message']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteMessage: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listMessageSiblings: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              position: number
              message: {
                /** Format: uuid */
                id: string
                /** Format: uuid */
                conversation_id: string
                /** Format: uuid */
                user_id: string
                sequence: number
                parent_id: string | null
                role: 'system' | 'user' | 'assistant' | 'tool'
                content: string
                parts:
                  | (
                      | {
                          /** @constant */
                          type: 'text'
                          text: string
                        }
                      | {
                          /** @constant */
                          type: 'image'
                          url?: string
                          file_id?: string
                          media_type?: string
                          detail?: 'auto' | 'low' | 'high'
                        }
                      | {
                          /** @constant */
                          type: 'file'
                          url?: string
                          file_id?: string
                          media_type?: string
                          filename?: string
                        }
                      | {
                          /** @constant */
                          type: 'tool_call'
                          id: string
                          name: string
                          arguments: {
                            [key: string]: unknown
                          }
                        }
                      | {
                          /** @constant */
                          type: 'tool_result'
                          tool_call_id: string
                          output: unknown
                          is_error?: boolean
                        }
                      | {
                          /** @constant */
                          type: 'reasoning'
                          text: string
                          signature?: string
                        }
                    )[]
                  | null
                request_id: string | null
                tokens_used: number
                prompt_tokens: number | null
                completion_tokens: number | null
                model_version: string | null
                context_documents: unknown[]
                metadata: {
                  [key: string]: unknown
                }
                feedback: (-1 | 1) | null
                feedback_reason: string | null
                /** Format: date-time */
                created_at: string
                deleted_at: string | null
                status: 'complete' | 'streaming' | 'aborted' | 'failed'
                finish_reason: string | null
                completed_at: string | null
              }
              /** Format: uuid */
              newest_leaf_id: string
            }[]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listMessageCitations: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              chunk_id: string
              content_hash: string | null
              score: number | null
              status: 'current' | 'changed' | 'deleted'
              current_hash: string | null
              document_id: string | null
            }[]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  restoreMessage: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Message']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  setMessageFeedback: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          feedback: -1 | 1 | null
          feedback_reason?: string | null
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Message']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  setMessageEmbedding: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          embedding: number[] | null
        }
      }
    }
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listFeedback: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
        /** @description -1 (thumbs down) or 1 (up). */
        rating?: number
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['Message'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listDocuments: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
        doc_type?: string
        source_url?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['Document'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  ingestDocument: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          user_id?: string | null
          source_url?: string | null
          title?: string | null
          doc_type?: string | null
          version?: string | null
          metadata?: {
            [key: string]: unknown
          }
          chunks: {
            content: string
            token_count?: number | null
            embedding_id?: string | null
            embedding?: number[] | null
          }[]
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            document: {
              /** Format: uuid */
              id: string
              user_id: string | null
              source_url: string | null
              title: string | null
              doc_type: string | null
              version: string | null
              metadata: {
                [key: string]: unknown
              }
              /** Format: date-time */
              created_at: string
              /** Format: date-time */
              updated_at: string
              deleted_at: string | null
            }
            created: boolean
            chunks: {
              /** Format: uuid */
              id: string
              chunk_index: number
              content_hash: string
              status: 'new' | 'duplicate'
            }[]
            new_chunks: number
            duplicate_chunks: number
            removed_chunks: number
          }
        }
      }
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            document: {
              /** Format: uuid */
              id: string
              user_id: string | null
              source_url: string | null
              title: string | null
              doc_type: string | null
              version: string | null
              metadata: {
                [key: string]: unknown
              }
              /** Format: date-time */
              created_at: string
              /** Format: date-time */
              updated_at: string
              deleted_at: string | null
            }
            created: boolean
            chunks: {
              /** Format: uuid */
              id: string
              chunk_index: number
              content_hash: string
              status: 'new' | 'duplicate'
            }[]
            new_chunks: number
            duplicate_chunks: number
            removed_chunks: number
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The request body is too large (`payload_too_large`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getDocument: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** Format: uuid */
            id: string
            user_id: string | null
            source_url: string | null
            title: string | null
            doc_type: string | null
            version: string | null
            metadata: {
              [key: string]: unknown
            }
            /** Format: date-time */
            created_at: string
            /** Format: date-time */
            updated_at: string
            deleted_at: string | null
            chunks: {
              /** Format: uuid */
              id: string
              /** Format: uuid */
              document_id: string
              chunk_index: number
              content: string
              content_hash: string
              token_count: number | null
              embedding_id: string | null
              embedding_dimensions: number | null
              /** Format: date-time */
              created_at: string
              /** Format: date-time */
              updated_at: string
            }[]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteDocument: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  updateDocument: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          title?: string | null
          version?: string | null
          metadata?: {
            [key: string]: unknown
          }
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Document']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  search: {
    parameters: {
      query: {
        q: string
        scope?: 'messages' | 'documents'
        limit?: number
        after?: string
        conversation_id?: string
        role?: 'system' | 'user' | 'assistant' | 'tool'
        document_id?: string
        doc_type?: string
        created_after?: string
        created_before?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              /** Format: uuid */
              id: string
              object: 'message' | 'document_chunk'
              score: number
              snippet: string
              /** Format: date-time */
              created_at: string
              conversation_id: string | null
              role: ('system' | 'user' | 'assistant' | 'tool') | null
              document_id: string | null
              chunk_index: number | null
              content_hash: string | null
              title: string | null
              source_url: string | null
              doc_type: string | null
            }[]
            has_more: boolean
            next_cursor: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  searchSimilar: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          embedding: number[]
          k?: number
          document_id?: string
          doc_type?: string
          min_score?: number
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              /** Format: uuid */
              id: string
              /** @constant */
              object: 'document_chunk'
              score: number
              /** Format: uuid */
              document_id: string
              chunk_index: number
              content: string
              content_hash: string
              title: string | null
              source_url: string | null
              doc_type: string | null
            }[]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  searchSimilarMessages: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          embedding: number[]
          k?: number
          conversation_id?: string
          role?: 'system' | 'user' | 'assistant' | 'tool'
          min_score?: number
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              /** Format: uuid */
              id: string
              /** @constant */
              object: 'message'
              score: number
              /** Format: uuid */
              conversation_id: string
              role: 'system' | 'user' | 'assistant' | 'tool'
              sequence: number
              content: string
              /** Format: date-time */
              created_at: string
            }[]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  ingestMetrics: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          metrics: {
            /** @description A UUID chosen by the sender: a batch sent again after a timeout stores each metric once. */
            id?: string
            /** @description Who reports it: the client bot or service id. */
            source: string
            metric_type: string
            /**
             * @description ISO-8601 date-time with a time zone (`Z` or `+02:00`); stored in UTC to the millisecond. At most one hour ahead of the server, not before 2000. Default: when the server receives it.
             * @example 2026-11-25T12:00:00.000Z
             */
            timestamp?: string
            /** @description Any JSON object (64 KiB as text at most). A number in `value` is summed, averaged and ranged by the summaries. */
            metric_data?: {
              [key: string]: unknown
            }
          }[]
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'metric_batch'
            /** @description Metrics of the batch that are stored: all of them. */
            accepted: number
            /** @description Metrics whose `id` was stored before (a batch sent again); kept as they were. */
            duplicates: number
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The request body is too large (`payload_too_large`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  summarizeMetrics: {
    parameters: {
      query?: {
        metric_type?: string
        source?: string
        /**
         * @description From this time on (inclusive).
         * @example 2026-11-25T12:00:00.000Z
         */
        since?: string
        /**
         * @description Before this time (exclusive).
         * @example 2026-11-25T12:00:00.000Z
         */
        until?: string
        bucket?: 'minute' | 'hour' | 'day'
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'metric_summary'
            bucket: 'minute' | 'hour' | 'day'
            /** Format: date-time */
            since: string
            /** Format: date-time */
            until: string
            data: {
              /** Format: date-time */
              bucket_start: string
              metric_type: string
              /** @description Metrics in the bucket. */
              count: number
              value: {
                count: number
                sum: number
                avg: number
                min: number
                max: number
              } | null
            }[]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listMetrics: {
    parameters: {
      query?: {
        metric_type?: string
        source?: string
        /**
         * @description From this time on (inclusive).
         * @example 2026-11-25T12:00:00.000Z
         */
        since?: string
        /**
         * @description Before this time (exclusive).
         * @example 2026-11-25T12:00:00.000Z
         */
        until?: string
        limit?: number
        after?: string
        before?: string
        order?: 'asc' | 'desc'
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['Metric'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listAuditEvents: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
        user_id?: string
        action?: string
        target_type?: string
        target_id?: string
        /** @description Events at or after this time: an RFC 3339 date-time with `Z` or an offset. */
        since?: string
        /** @description Events before this time. */
        until?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['AuditEvent'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listEvents: {
    parameters: {
      query?: {
        /** @description Events after this cursor (the previous page’s `next_cursor`). */
        after?: string
        limit?: number
        /** @description Only these types, comma-separated: `message.created,conversation.updated`; `message.*` takes every type of messages. */
        types?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['ChangeEvent'][]
            has_more: boolean
            /** @description Where the next read starts: pass it as `after`. */
            next_cursor: string
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An error */
      410: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  streamEvents: {
    parameters: {
      query?: {
        /** @description Events after this cursor; `Last-Event-ID` takes its place on a reconnection. */
        after?: string
        /** @description Only these types, comma-separated: `message.created,conversation.updated`; `message.*` takes every type of messages. */
        types?: string
      }
      header?: {
        'last-event-id'?: string
      }
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description text/event-stream */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'text/event-stream': string
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An error */
      410: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listWebhooks: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['Webhook'][]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  createWebhook: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          url: string
          /** @description A `whsec_…` secret; one is made when absent. */
          secret?: string
          /** @description The event types to deliver (`message.*` for a whole subject); none: every type. */
          types?: string[]
          description?: string
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** Format: uuid */
            id: string
            url: string
            types: string[]
            description: string | null
            enabled: boolean
            /** @description Why delivery stopped: an endpoint that kept failing is disabled with the reason. */
            disabled_reason: string | null
            /** @description The feed cursor delivered up to. */
            cursor: string
            failing_since: string | null
            next_attempt_at: string | null
            /** Format: date-time */
            created_at: string
            /** Format: date-time */
            updated_at: string
            /** @description The signing secret (`whsec_…`); shown only here. */
            secret: string
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getWebhook: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Webhook']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteWebhook: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  updateWebhook: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          url?: string
          /** @description The event types to deliver (`message.*` for a whole subject); none: every type. */
          types?: string[]
          description?: string | null
          /** @description true starts delivering again, from where it stopped. */
          enabled?: boolean
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Webhook']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listWebhookDeliveries: {
    parameters: {
      query?: {
        limit?: number
        before?: string
      }
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: {
              /** Format: uuid */
              id: string
              /** Format: uuid */
              webhook_id: string
              event_cursor: string
              event_type: string
              /** @description The attempt at this event: 1, 2, … */
              attempt: number
              status_code: number | null
              ok: boolean
              error: string | null
              duration_ms: number
              /** Format: date-time */
              at: string
            }[]
            has_more: boolean
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listBackups: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['BackupLog'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  createBackup: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['BackupLog']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listSettings: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['SystemConfig'][]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getSetting: {
    parameters: {
      query?: never
      header?: never
      path: {
        key: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['SystemConfig']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  setSetting: {
    parameters: {
      query?: never
      header?: never
      path: {
        key: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description The new value: any JSON, typed for the known keys. */
          value: unknown
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['SystemConfig']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteSetting: {
    parameters: {
      query?: never
      header?: never
      path: {
        key: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getRetention: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['RetentionSettings']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  setRetention: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          default?:
            | (
                | {
                    /**
                     * @description Kept until deleted by hand and purged.
                     * @constant
                     */
                    mode: 'keep'
                  }
                | {
                    /**
                     * @description Removed, deleted or not, `days` after its last message or change; a message soft-deleted in it goes `days` after its deletion.
                     * @constant
                     */
                    mode: 'after_last_activity'
                    days: number
                  }
                | {
                    /**
                     * @description Removed `days` after it (or one of its messages) was soft-deleted.
                     * @constant
                     */
                    mode: 'after_soft_delete'
                    days: number
                  }
              )
            | null
          users?: {
            user_id: string
            policy:
              | (
                  | {
                      /**
                       * @description Kept until deleted by hand and purged.
                       * @constant
                       */
                      mode: 'keep'
                    }
                  | {
                      /**
                       * @description Removed, deleted or not, `days` after its last message or change; a message soft-deleted in it goes `days` after its deletion.
                       * @constant
                       */
                      mode: 'after_last_activity'
                      days: number
                    }
                  | {
                      /**
                       * @description Removed `days` after it (or one of its messages) was soft-deleted.
                       * @constant
                       */
                      mode: 'after_soft_delete'
                      days: number
                    }
                )
              | null
          }[]
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['RetentionSettings']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listLegalHolds: {
    parameters: {
      query?: {
        active?: boolean
        user_id?: string
        conversation_id?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['LegalHold'][]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  createLegalHold: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          user_id?: string
          conversation_id?: string
          reason: string
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['LegalHold']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  releaseLegalHold: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['LegalHold']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getStats: {
    parameters: {
      query?: {
        /** @description UTC days of messages_per_day, ending today (default 30). */
        days?: number
        /** @description Users in each top list (default 10). */
        top?: number
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Stats']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getUsage: {
    parameters: {
      query?: {
        group_by?: 'user' | 'model' | 'day'
        /** @description Messages created at or after this time (RFC 3339, `Z` or an offset); by default 30 days before `until`. */
        since?: string
        /** @description Messages created before this time; by default now (inclusive). */
        until?: string
        user_id?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['UsageReport']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getQuotaStatus: {
    parameters: {
      query?: {
        user_id?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['QuotaStatus']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getQuotas: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['QuotaSettings']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  setQuotas: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          default?: {
            tokens_per_day?: number
            tokens_per_month?: number
            cost_per_day?: number
            cost_per_month?: number
          } | null
          users?: {
            user_id: string
            quota: {
              tokens_per_day?: number
              tokens_per_month?: number
              cost_per_day?: number
              cost_per_month?: number
            } | null
          }[]
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['QuotaSettings']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listTranscripts: {
    parameters: {
      query?: {
        limit?: number
        after?: string
        before?: string
      }
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @constant */
            object: 'list'
            data: components['schemas']['Transcript'][]
            has_more: boolean
            first_id: string | null
            last_id: string | null
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  createTranscript: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description json (the conversation and its messages as data), csv (one row a message), markdown (to read). */
          format?: 'json' | 'csv' | 'markdown'
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Transcript']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getTranscript: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Transcript']
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteTranscript: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  downloadTranscript: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description The transcript file, byte for byte as stored, with `Content-Disposition: attachment`. Its bytes are checked against the recorded SHA-256 as they are sent; a file damaged in storage ends the response early. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': string
          'text/csv': string
          'text/markdown': string
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  cacheResponse: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description The model asked. */
          model: string
          /** @description The prompt as text, or the messages array sent to the model. */
          prompt: string | unknown[]
          /** @description Generation parameters (temperature, max_tokens, …); absent is `{}`. */
          parameters?: {
            [key: string]: unknown
          }
          /** @description The model’s answer: any JSON value. */
          response: unknown
          /** @description Seconds to keep it; 3600 by default. */
          ttl_s?: number
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @description SHA-256 (hex) of the canonical JSON of `{model, prompt, parameters}`. */
            key: string
            /** Format: date-time */
            expires_at: string
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The request body is too large (`payload_too_large`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  lookUpCachedResponse: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description The model asked. */
          model: string
          /** @description The prompt as text, or the messages array sent to the model. */
          prompt: string | unknown[]
          /** @description Generation parameters (temperature, max_tokens, …); absent is `{}`. */
          parameters?: {
            [key: string]: unknown
          }
        }
      }
    }
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json':
            | {
                /** @constant */
                hit: true
                /** @description SHA-256 (hex) of the canonical JSON of `{model, prompt, parameters}`. */
                key: string
                response: unknown
                /** Format: date-time */
                cached_at: string
                /** Format: date-time */
                expires_at: string
              }
            | {
                /** @constant */
                hit: false
                /** @description SHA-256 (hex) of the canonical JSON of `{model, prompt, parameters}`. */
                key: string
              }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getCachedResponse: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description SHA-256 (hex) of the canonical JSON of `{model, prompt, parameters}`. */
        key: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @description SHA-256 (hex) of the canonical JSON of `{model, prompt, parameters}`. */
            key: string
            response: unknown
            /** Format: date-time */
            cached_at: string
            /** Format: date-time */
            expires_at: string
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteCachedResponse: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description SHA-256 (hex) of the canonical JSON of `{model, prompt, parameters}`. */
        key: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The caller may not do this (`forbidden`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  saveChatMessage: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          session_id?: string
          message: string
          role?: 'system' | 'user' | 'assistant' | 'tool'
          title?: string
          request_id?: string
          tokens_used?: number
          model_version?: string
          sources?: unknown[]
          metadata?: {
            [key: string]: unknown
          }
        }
      }
    }
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            session_id: string
            message_id: string
            sequence: number
            message_count: number
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description A unique value is taken, an idempotency key was reused, or the conversation is closed. */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  listChatSessions: {
    parameters: {
      query?: {
        limit?: number
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            sessions: {
              id: string
              title: string | null
              status: 'active' | 'archived' | 'closed'
              message_count: number
              total_tokens: number
              session_metadata: {
                [key: string]: unknown
              }
              created_at: string
              last_activity: string
            }[]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  getChatSession: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            session: {
              id: string
              title: string | null
              status: 'active' | 'archived' | 'closed'
              message_count: number
              total_tokens: number
              session_metadata: {
                [key: string]: unknown
              }
              created_at: string
              last_activity: string
            }
            messages: {
              id: string
              sequence: number
              role: 'system' | 'user' | 'assistant' | 'tool'
              content: string
              tokens_used: number
              model_version: string | null
              context_documents: unknown[]
              message_metadata: {
                [key: string]: unknown
              }
              timestamp: string
            }[]
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
  deleteChatSession: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            success: boolean
            session_id: string
          }
        }
      }
      /** @description Invalid request: `field` names the input at fault (`validation_failed`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No valid credentials (`unauthorized`). */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description No such row, or not the caller's (`not_found`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`). */
      429: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description An unexpected failure; the cause is logged, never sent (`internal`). */
      500: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
      /** @description The database is unavailable or its schema is not current. */
      503: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/problem+json': components['schemas']['Problem']
        }
      }
    }
  }
}
