/**
 * PostgreSQL cut mid-stream: a checkpoint whose connection drops is retried and lands once
 * (also when it committed and only its answer was lost), and while the database stays out of
 * reach `finish` fails with `unavailable` instead of dropping deltas; the retry stores them all.
 */
import { expect, it } from 'vitest'
import { openStore } from '../../src/index.js'
import { describeOnEngine } from '../support/engines.js'
import { startPgProxy } from '../support/pg-proxy.js'
import { expectError, sleep, userWithConversation } from './helpers.js'

describeOnEngine('live replies while PostgreSQL drops the connection', 'postgres', (ctx) => {
  it('stores every delta exactly once across dropped and lost checkpoints', async () => {
    const proxy = await startPgProxy(new URL(ctx.database.database_url))
    // No retries inside a write: every cut reaches the stream writer's own recovery.
    const relayed = await openStore({
      database_url: proxy.url,
      write_retries: 0,
      stream_checkpoint_ms: 5,
    })
    try {
      const { conversation } = await userWithConversation(ctx.store)
      const answer = await relayed.messages.start(conversation.id, { role: 'assistant' })
      const sent: string[] = []
      const send = async (content: string) => {
        sent.push(content)
        await relayed.messages.appendDelta(answer.id, { content })
      }
      for (let i = 0; i < 5; i++) await send(`a${i} `)
      await relayed.flushStreams()

      // Dropped before the checkpoint ran, then after a commit whose answer was lost.
      proxy.cut({ match: /content" = content \|\|/, action: 'cut_before', times: 2 })
      proxy.cut({ match: /^commit/i, action: 'cut_after', times: 2 })
      for (let i = 0; i < 20; i++) {
        await send(`b${i} `)
        await sleep(3)
      }
      for (let stored = ''; stored !== sent.join(''); await sleep(20)) {
        stored = (await ctx.store.messages.get(answer.id)).content
        expect(
          sent.join('').startsWith(stored),
          'stored content is a prefix of what was sent',
        ).toBe(true)
      }
      expect(proxy.cuts.length).toBeGreaterThanOrEqual(3)

      // The database out of reach at finish: reported, nothing dropped; the retry stores it all.
      proxy.cut({ match: /OUTAGE/, action: 'cut_before', times: 3 })
      await send('OUTAGE tail')
      await expectError(relayed.messages.finish(answer.id, { tokens_used: 9 }), 'unavailable')
      let done
      for (let attempt = 0; done === undefined; attempt++) {
        done = await relayed.messages.finish(answer.id, { tokens_used: 9 }).catch((error) => {
          if (attempt > 20) throw error
          return undefined
        })
        if (done === undefined) await sleep(50)
      }
      expect(done).toMatchObject({ status: 'complete', content: sent.join(''), tokens_used: 9 })
      expect(await ctx.store.messages.get(answer.id)).toMatchObject({ content: sent.join('') })
      expect((await ctx.store.conversations.get(conversation.id)).total_tokens).toBe(9)
    } finally {
      await relayed.close()
      await proxy.stop()
    }
  })
})
