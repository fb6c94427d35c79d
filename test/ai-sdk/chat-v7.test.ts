import { describe, expect, test } from 'vitest'
import { loadChat, persistStream, saveChat } from '../../src/ai-sdk/index.js'
import { describeEachEngine } from '../support/engines.js'

/**
 * The same adapter against `ai` 7 (the devDependency `ai-v7`), which needs Node 22 or later:
 * CI runs it on Node 22 and 24. On Node 20 the describe below says that it did not run.
 */

const NODE_MAJOR = Number(process.versions.node.split('.')[0])

if (NODE_MAJOR < 22) {
  describe('chatkeep/ai-sdk with ai 7', () => {
    test(`not run: ai 7 needs Node >= 22, this is Node ${process.versions.node}`, () => {
      expect(NODE_MAJOR).toBeLessThan(22)
    })
  })
} else {
  describeEachEngine('chatkeep/ai-sdk with ai 7', (ctx) => {
    async function fresh() {
      const user = await ctx.store.users.create({
        username: `ai7_${process.pid}_${ctx.engine}_${Date.now()}`,
      })
      const mine = ctx.store.forUser(user.id)
      const conversation = await mine.conversations.create({ title: 'Lisbon' })
      return { mine, conversation_id: conversation.id }
    }

    test('a chat saved comes back as ai 7 validates and converts it, saved once', async () => {
      const ai = await import('ai-v7')
      const { mine, conversation_id } = await fresh()
      const messages = [
        {
          id: 'user-1',
          role: 'user' as const,
          metadata: { locale: 'pt-PT' },
          parts: [
            { type: 'text' as const, text: 'Weather in Lisbon?' },
            { type: 'file' as const, mediaType: 'image/png', url: 'https://example.com/l.png' },
          ],
        },
        {
          id: 'answer-1',
          role: 'assistant' as const,
          parts: [
            { type: 'reasoning' as const, text: 'Look it up.', state: 'done' as const },
            {
              type: 'tool-weather' as const,
              toolCallId: 'call_1',
              state: 'output-available' as const,
              input: { city: 'Lisbon' },
              output: { c: 21 },
            },
            { type: 'text' as const, text: 'It is 21 °C.', state: 'done' as const },
          ],
        },
      ]
      await saveChat(mine, conversation_id, messages)
      expect(await saveChat(mine, conversation_id, messages)).toEqual([])
      const loaded = await loadChat(mine, conversation_id)
      expect(loaded).toEqual(messages)
      await ai.validateUIMessages({ messages: loaded })
      await ai.convertToModelMessages(loaded as Parameters<typeof ai.convertToModelMessages>[0])
    })

    test('an ai 7 streamText answer is kept and finished with its usage', async () => {
      const ai = await import('ai-v7')
      const { MockLanguageModelV3 } = await import('ai-v7/test')
      const { mine, conversation_id } = await fresh()
      const model = new MockLanguageModelV3({
        doStream: async () => ({
          stream: ai.simulateReadableStream({
            chunks: [
              { type: 'text-start', id: 't' },
              { type: 'text-delta', id: 't', delta: 'It is ' },
              { type: 'text-delta', id: 't', delta: '21 °C.' },
              { type: 'text-end', id: 't' },
              {
                type: 'finish',
                finishReason: { unified: 'stop', raw: 'stop' },
                usage: {
                  inputTokens: {
                    total: 30,
                    noCache: 30,
                    cacheRead: undefined,
                    cacheWrite: undefined,
                  },
                  outputTokens: { total: 12, text: 12, reasoning: undefined },
                },
              },
            ],
          }),
        }),
      })
      const result = ai.streamText({ model, prompt: 'Weather?' })
      const answer = await persistStream(
        mine,
        conversation_id,
        result as unknown as Parameters<typeof persistStream>[2],
        { message_id: 'answer-7' },
      )
      expect(answer).toMatchObject({
        status: 'complete',
        content: 'It is 21 °C.',
        tokens_used: 42,
        finish_reason: 'stop',
      })
    })
  })
}
