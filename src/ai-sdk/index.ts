// `chatkeep/ai-sdk`: a Vercel AI SDK chat kept in Chatkeep. It needs the optional peer dependency
// `ai`; `import 'chatkeep'` never loads it.
export {
  AI_SDK_METADATA_KEY,
  loadChat,
  persistStream,
  saveChat,
  toNewMessage,
  toUIMessage,
  type ChatMessages,
  type PersistStreamOptions,
} from './chat.js'
