// The data the client sends and gets, named from the generated OpenAPI types: the same
// snake_case shapes the library hands out.
import type { components, operations } from './generated/openapi.js'

type Schemas = components['schemas']
type JsonBody<O extends keyof operations> = operations[O]['requestBody'] extends
  { content: { 'application/json': infer B } } | undefined
  ? B
  : never
type Query<O extends keyof operations> = NonNullable<operations[O]['parameters']['query']>
type Answer<O extends keyof operations, S extends number> = operations[O]['responses'] extends {
  [status in S]: { content: { 'application/json': infer B } }
}
  ? B
  : never

export type User = Schemas['User']
export type Conversation = Schemas['Conversation']
export type Message = Schemas['Message']
export type Document = Schemas['Document']
export type Problem = Schemas['Problem']

export type Register = JsonBody<'register'>
export type Login = JsonBody<'login'>
export type TokenResponse = Answer<'login', 200>
export type NewApiKey = JsonBody<'createApiKey'>
export type CreatedApiKey = Answer<'createApiKey', 201>
export type UserUpdate = JsonBody<'updateCurrentUser'>

export type NewConversation = JsonBody<'createConversation'>
export type ConversationUpdate = JsonBody<'updateConversation'>
export type ConversationListOptions = Query<'listConversations'>
export type ConversationPage = Answer<'listConversations', 200>

export type NewMessage = JsonBody<'appendMessage'>
export type MessageListOptions = Omit<Query<'listMessages'>, 'last'>
export type MessagePage = Answer<'listMessages', 200>
export type Feedback = JsonBody<'setMessageFeedback'>['feedback']
export type FeedbackListOptions = Query<'listFeedback'>
export type FeedbackPage = Answer<'listFeedback', 200>
export type Delta = JsonBody<'appendMessageDelta'>
export type Finish = NonNullable<JsonBody<'finishMessage'>>
export type Abort = NonNullable<JsonBody<'abortMessage'>>

/**
 * An event of a followed message (`client.messages.follow`): the content so far, each
 * checkpoint's delta, then the message as it ended. `offset` is where the content stands after
 * it, in UTF-16 code units; following again with `after: offset` goes on from there.
 */
export type MessageStreamEvent =
  | { type: 'content' | 'delta'; offset: number; content: string }
  | { type: 'end'; offset: number; message: Message }

export type NewDocument = JsonBody<'ingestDocument'>
export type IngestResult = Answer<'ingestDocument', 201>
export type DocumentWithChunks = Answer<'getDocument', 200>
export type DocumentUpdate = JsonBody<'updateDocument'>
export type DocumentListOptions = Query<'listDocuments'>
export type DocumentPage = Answer<'listDocuments', 200>

export type SearchQuery = Query<'search'>
export type SearchPage = Answer<'search', 200>
export type SearchHit = SearchPage['data'][number]
export type SimilarQuery = JsonBody<'searchSimilar'>
export type SimilarHit = Answer<'searchSimilar', 200>['data'][number]
export type SimilarMessagesQuery = JsonBody<'searchSimilarMessages'>
export type SimilarMessageHit = Answer<'searchSimilarMessages', 200>['data'][number]

export type ChangeEvent = Schemas['ChangeEvent']
export type EventListOptions = Query<'listEvents'>
export type EventPage = Answer<'listEvents', 200>

export type UsageQuery = Query<'getUsage'>
export type UsageReport = Answer<'getUsage', 200>
export type QuotaStatus = Answer<'getQuotaStatus', 200>
