/**
 * Live replies over real HTTP, between `chatkeep serve` processes on one database: a follower
 * on one instance sees the answer another instance writes (on PostgreSQL by LISTEN/NOTIFY alone:
 * the poll is set longer than the test), resumes with Last-Event-ID, and after the writer is
 * SIGKILLed mid-stream finds the checkpointed content, ended by the sweeper.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createClient, type MessageStreamEvent } from '../../src/client/index.js'
import { readEventStream, type ServerSentEvent } from '../../src/client/sse.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'
import { type ServeProcess, startServeProcess } from '../support/serve-process.js'
import { sleep } from './helpers.js'

const JWT_SECRET = 'streaming-test-secret-of-at-least-32-chars'

/** The fields of the answers these tests read. */
interface Answer {
  id: string
  content: string
  code?: string
}

interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Answer }>
  follow(path: string, last_event_id?: string): Promise<ServerSentEvent[]>
}

function api(url: string, token: string): Api {
  const headers = { authorization: `Bearer ${token}` }
  return {
    async call(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as Answer }
    },
    /** Every event of the message's stream up to and with its `end`. */
    async follow(path, last_event_id) {
      const events: ServerSentEvent[] = []
      const stream = readEventStream({
        url: `${url}${path}`,
        headers,
        ...(last_event_id === undefined ? {} : { last_event_id }),
      })
      for await (const event of stream) {
        events.push(event)
        if (event.event === 'end') break
      }
      return events
    },
  }
}

const textOf = (events: ServerSentEvent[]) =>
  events
    .filter((e) => e.event === 'content' || e.event === 'delta')
    .map((e) => (JSON.parse(e.data) as { content: string }).content)
    .join('')

for (const engine of ENGINES) {
  describe(`live replies over HTTP, two instances [${engine}]`, () => {
    let database: TestDatabase
    const servers: ServeProcess[] = []
    const env = {
      JWT_SECRET,
      STREAM_CHECKPOINT_MS: '20',
      // PostgreSQL followers must be woken by NOTIFY: a poll would come long after the test.
      STREAM_POLL_MS: engine === 'postgres' ? '600000' : '50',
      STREAM_TIMEOUT_MS: '1500',
    }
    const serve = async () => {
      const server = await startServeProcess(database.database_url, env)
      servers.push(server)
      return server
    }

    beforeAll(async () => {
      database = await createTestDatabase(engine)
    })
    afterEach(async () => {
      for (const server of servers.splice(0)) await server.kill('SIGKILL')
    })
    afterAll(async () => {
      await database?.drop()
    })

    async function signUp(url: string) {
      const answer = await fetch(`${url}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          username: `u_${process.pid}_${Math.random().toString(36).slice(2, 8)}`,
          password: 'correct horse battery',
        }),
      })
      expect(answer.status).toBe(201)
      return ((await answer.json()) as { access_token: string }).access_token
    }

    it('streams on one instance and is followed, then resumed, from another', async () => {
      const [a, b] = [await serve(), await serve()]
      const token = await signUp(a.url)
      const writer = api(a.url, token)
      const reader = api(b.url, token)
      const chat = await writer.call('POST', '/v1/conversations', { title: 'Live' })
      const start = { role: 'assistant', status: 'streaming', request_id: 'turn-1' }
      const started = await writer.call('POST', `/v1/conversations/${chat.body.id}/messages`, start)
      expect(started.status, JSON.stringify(started.body)).toBe(201)
      expect(started.body).toMatchObject({ sequence: 1, status: 'streaming', content: '' })
      const id = started.body.id as string
      const replay = await writer.call('POST', `/v1/conversations/${chat.body.id}/messages`, start)
      expect(replay.body.id).toBe(id)

      const following = reader.follow(`/v1/messages/${id}/stream`)
      const words = Array.from({ length: 20 }, (_, i) => `word${i} `)
      for (const content of words) {
        const sent = await writer.call('POST', `/v1/messages/${id}/deltas`, { content })
        expect(sent.status).toBe(204)
        await sleep(15)
      }
      const finished = await writer.call('POST', `/v1/messages/${id}/finish`, {
        tokens_used: 40,
        finish_reason: 'stop',
      })
      expect(finished.status).toBe(200)
      expect(finished.body).toMatchObject({ status: 'complete', content: words.join('') })

      const events = await following
      expect(events[0]!.event).toBe('content')
      expect(events.filter((e) => e.event === 'delta').length).toBeGreaterThan(1)
      expect(textOf(events)).toBe(words.join(''))
      const end = events.at(-1)!
      expect(end.event).toBe('end')
      expect(end.id).toBe(String(words.join('').length))
      expect(JSON.parse(end.data)).toMatchObject({ id, status: 'complete', tokens_used: 40 })

      const resumed = await reader.follow(`/v1/messages/${id}/stream`, '6')
      expect(textOf(resumed)).toBe(words.join('').slice(6))
      expect(resumed.at(-1)!.event).toBe('end')

      // The typed client: start, deltas and finish on one instance, follow on the other.
      const tokens = { access_token: token, refresh_token: '' }
      const one = createClient({ base_url: a.url, tokens })
      const other = createClient({ base_url: b.url, tokens })
      const answer = await one.messages.start(chat.body.id, { role: 'assistant' })
      const followed: MessageStreamEvent[] = []
      const done = (async () => {
        for await (const event of other.messages.follow(answer.id)) followed.push(event)
      })()
      for (const content of ['Lisbon', ' is', ' the capital.']) {
        await one.messages.appendDelta(answer.id, { content })
        await sleep(30)
      }
      await one.messages.finish(answer.id, { finish_reason: 'stop' })
      await done
      const said = followed.map((e) => (e.type === 'end' ? '' : e.content)).join('')
      expect(said).toBe('Lisbon is the capital.')
      expect(followed.at(-1)).toMatchObject({ type: 'end', message: { status: 'complete' } })
      const after = []
      for await (const event of other.messages.follow(answer.id, { after: 6 })) after.push(event)
      expect(after[0]).toEqual({ type: 'content', offset: 22, content: ' is the capital.' })

      const late = await writer.call('POST', `/v1/messages/${id}/deltas`, { content: 'x' })
      expect(late).toMatchObject({ status: 409, body: { code: 'message_not_streaming' } })
      const stranger = api(b.url, await signUp(b.url))
      expect((await stranger.call('GET', `/v1/messages/${id}/stream`)).status).toBe(404)
    })

    it('keeps the checkpointed content of a SIGKILLed writer; the sweeper ends it; a client sees it', async () => {
      const [a, b] = [await serve(), await serve()]
      const token = await signUp(a.url)
      const writer = api(a.url, token)
      const reader = api(b.url, token)
      const chat = await writer.call('POST', '/v1/conversations', {})
      const started = await writer.call('POST', `/v1/conversations/${chat.body.id}/messages`, {
        role: 'assistant',
        status: 'streaming',
      })
      const id = started.body.id as string
      const sent: string[] = []
      for (let i = 0; i < 10; i++) {
        sent.push(`part${i} `)
        await writer.call('POST', `/v1/messages/${id}/deltas`, { content: sent.at(-1) })
      }
      // Wait for a checkpoint of all ten, then send more and kill at once.
      for (let stored = ''; stored !== sent.join(''); await sleep(20)) {
        stored = (await reader.call('GET', `/v1/messages/${id}`)).body.content
      }
      const checkpointed = sent.join('')
      for (let i = 10; i < 15; i++) {
        sent.push(`part${i} `)
        await writer.call('POST', `/v1/messages/${id}/deltas`, { content: sent.at(-1) })
      }
      await a.kill('SIGKILL')

      const events = await reader.follow(`/v1/messages/${id}/stream`)
      const end = JSON.parse(events.at(-1)!.data)
      expect(end).toMatchObject({ id, status: 'aborted', finish_reason: 'timeout' })
      expect(end.content.startsWith(checkpointed)).toBe(true)
      expect(sent.join('').startsWith(end.content)).toBe(true)
      expect(textOf(events)).toBe(end.content)

      // A client reconnecting to the restarted instance sees the whole stored answer and its end.
      const again = api((await serve()).url, token)
      const resumed = await again.follow(`/v1/messages/${id}/stream`, String(checkpointed.length))
      expect(textOf(resumed)).toBe(end.content.slice(checkpointed.length))
      expect(JSON.parse(resumed.at(-1)!.data)).toMatchObject({ status: 'aborted' })
    })
  })
}
