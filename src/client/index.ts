// `chatkeep/client`: the typed HTTP client, for Node 20+ and browsers. It loads nothing of the
// server, the database drivers or Node's own modules.
export { ChatkeepClient, createClient, type ClientOptions, type RawClient } from './client.js'
export type { Tokens } from './credentials.js'
export type { components, operations, paths } from './generated/openapi.js'
export { iteratePages, type Paged } from './pages.js'
export {
  EventStreamParser,
  readEventStream,
  type EventStreamOptions,
  type ServerSentEvent,
} from './sse.js'
export { DEFAULT_RETRY, type Fetch, type RetryPolicy } from './transport.js'
export type * from './types.js'
export { ChatkeepError, ERROR_CODES, isChatkeepError, type ErrorCode } from '../errors.js'
