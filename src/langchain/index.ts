// `chatkeep/langchain`: a LangChain.js chat message history kept in Chatkeep. It needs the
// optional peer dependency @langchain/core; `import 'chatkeep'` never loads it.
export {
  ChatkeepChatMessageHistory,
  DEFAULT_BATCH_RETRIES,
  type ChatkeepChatMessageHistoryOptions,
  type HistoryMessages,
} from './history.js'
export { LANGCHAIN_METADATA_KEY, toLangChainMessage, toNewMessage } from './message-mapping.js'
