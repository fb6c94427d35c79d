/**
 * Opens the embedded store (./data/chatkeep.db), makes a user and a conversation, appends a
 * turn and reads the context window back. Run it with `npm run example`; run it again and the
 * conversation grows.
 */
import { isChatkeepError, openStore } from '../src/index.js'

await using store = await openStore({ migrate: true })

const alice = await store.users
  .create({ username: 'alice', display_name: 'Alice' })
  .catch((error: unknown) => {
    if (isChatkeepError(error, 'conflict')) return store.users.getByUsername('alice')
    throw error
  })

const { conversation } = await store
  .forUser(alice.id)
  .conversations.findOrCreateByDiscordChannel('quickstart', {
    title: 'Quick start',
    metadata: { tags: ['demo'] },
  })

const chat = store.forUser(alice.id).messages
const turn = `turn-${conversation.message_count / 2 + 1}`
await chat.append(conversation.id, { role: 'user', content: 'What is Chatkeep?', request_id: turn })
await chat.append(conversation.id, {
  role: 'assistant',
  content: 'The data layer for your AI chat app: users, conversations, messages and more.',
  request_id: turn,
  tokens_used: 18,
  model_version: 'example-model-1',
  metadata: { latency_ms: 42 },
})

console.log(`${store.engine} store, conversation ${conversation.short_id} (${conversation.title}):`)
for (const m of await chat.lastN(conversation.id, 6)) {
  console.log(`  #${m.sequence} ${m.role.padEnd(9)} ${m.content}`)
}
const after = await store.conversations.get(conversation.id)
console.log(`${after.message_count} messages, ${after.total_tokens} tokens in all.`)
