/**
 * Webhooks, against real servers and a local receiver: two instances deliver each event once
 * (one worker per endpoint), signed per Standard Webhooks; a receiver stopped for a while gets
 * every event after it returns, in feed order; an answer that never comes is sent again with the
 * same webhook-id (at least once); an endpoint failing past the limit is disabled with a reason;
 * every attempt is listed; private targets are refused without WEBHOOK_ALLOW_PRIVATE.
 */
import { createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../src/server/app.js'
import { describeEachEngine } from '../support/engines.js'
import { sleep } from '../conformance/helpers.js'
import { type TestApp, testApp } from './test-app.js'

interface Received {
  id: string
  body: { type: string; data: { cursor: string; conversation_id: string | null } }
  valid: boolean
}

/** A receiver on a fixed port that can be stopped and started; `hang` keeps answers back. */
function receiver(secret: () => string) {
  const got: Received[] = []
  let hang = 0
  let server: http.Server | undefined
  let port = 0
  const handler: http.RequestListener = (request, response) => {
    let text = ''
    request.on('data', (chunk: Buffer) => (text += chunk.toString()))
    request.on('end', () => {
      if (hang > 0) {
        hang -= 1
        return // never answers: the sender times out
      }
      const id = request.headers['webhook-id'] as string
      const ts = request.headers['webhook-timestamp'] as string
      const key = Buffer.from(secret().slice('whsec_'.length), 'base64')
      const mac = createHmac('sha256', key).update(`${id}.${ts}.${text}`).digest('base64')
      got.push({
        id,
        body: JSON.parse(text) as Received['body'],
        valid: request.headers['webhook-signature'] === `v1,${mac}`,
      })
      response.writeHead(204).end()
    })
  }
  return {
    got,
    url: () => `http://127.0.0.1:${port}/hook`,
    hangNext: (n: number) => (hang = n),
    async start() {
      server = http.createServer(handler)
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
      port = (server.address() as AddressInfo).port
    },
    async stop() {
      server?.closeAllConnections()
      await new Promise((resolve) => server?.close(resolve))
    },
  }
}

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); await sleep(50)) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
  }
}

const FAST = {
  allow_private: true,
  poll_ms: 50,
  retry_base_ms: 50,
  retry_max_ms: 200,
  timeout_ms: 500,
}

describeEachEngine('webhooks', (ctx) => {
  let t: TestApp
  let second: FastifyInstance
  let secret = ''
  const hook = receiver(() => secret)

  beforeAll(async () => {
    t = await testApp(ctx.store, { feed_poll_ms: 50, webhooks: FAST })
    const other = await ctx.open()
    second = await buildApp({ store: other, authenticator: t.auth, webhooks: FAST })
    await hook.start()
  })
  afterAll(async () => {
    await second?.close()
    await t?.app.close()
    await hook.stop()
  })

  const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: t.as('admin'), ...(payload ? { payload } : {}) })

  it('delivers every event once, signed and in order, also across a receiver outage', async () => {
    const created = await admin('POST', '/v1/admin/webhooks', {
      url: hook.url(),
      types: ['conversation.*'],
    })
    expect(created.statusCode).toBe(201)
    const endpoint = created.json<{ id: string; secret: string }>()
    secret = endpoint.secret
    expect(secret).toMatch(/^whsec_/)
    const user = ctx.store.forUser(t.users.alice.id)
    const before = await user.conversations.create({ title: 'one' })
    await until(() => hook.got.length === 1)

    await hook.stop()
    const during = []
    for (let i = 0; i < 4; i++) during.push(await user.conversations.create({ title: `off ${i}` }))
    // Attempts fail (and are logged) while it is down.
    await until(async () => {
      const log = await admin('GET', `/v1/admin/webhooks/${endpoint.id}/deliveries`)
      return log.json<{ data: { ok: boolean }[] }>().data.some((d) => !d.ok)
    })
    await hook.start()
    await until(() => hook.got.length === 5)
    await sleep(300) // nothing more, and nothing twice, arrives
    const ids = hook.got.map((g) => g.body.data.conversation_id)
    expect(ids).toEqual([before.id, ...during.map((c) => c.id)])
    expect(new Set(hook.got.map((g) => g.id)).size).toBe(5)
    expect(hook.got.every((g) => g.valid)).toBe(true)
    expect(hook.got.map((g) => g.body.type)).toEqual(Array(5).fill('conversation.created'))

    const log = await admin('GET', `/v1/admin/webhooks/${endpoint.id}/deliveries?limit=200`)
    const attempts = log.json<{ data: { ok: boolean; attempt: number; error: string | null }[] }>()
      .data
    expect(attempts.filter((a) => a.ok).length).toBe(5)
    expect(attempts.some((a) => !a.ok && a.attempt >= 1 && a.error !== null)).toBe(true)
    await admin('PATCH', `/v1/admin/webhooks/${endpoint.id}`, { enabled: false })
  })

  it('sends an event whose answer never came again, with the same webhook-id', async () => {
    hook.got.length = 0
    const created = await admin('POST', '/v1/admin/webhooks', { url: hook.url() })
    const endpoint = created.json<{ id: string; secret: string }>()
    secret = endpoint.secret
    hook.hangNext(1)
    const chat = await ctx.store.forUser(t.users.bob.id).conversations.create({ title: 'hung' })
    await until(() => hook.got.some((g) => g.body.data.conversation_id === chat.id))
    const cursor = hook.got.find((g) => g.body.data.conversation_id === chat.id)!.body.data.cursor
    // The receiver has the event before the sender has its answer and logs the attempt.
    const attempts = async () => {
      const log = await admin('GET', `/v1/admin/webhooks/${endpoint.id}/deliveries`)
      const tries = log.json<{ data: { ok: boolean; event_cursor: string }[] }>().data
      return tries.filter((d) => d.event_cursor === cursor).map((d) => d.ok)
    }
    await until(async () => (await attempts()).includes(true))
    expect(await attempts()).toEqual([true, false])
    await admin('PATCH', `/v1/admin/webhooks/${endpoint.id}`, { enabled: false })
  })

  it('disables an endpoint that keeps failing, with the reason', async () => {
    const app = await buildApp({
      store: ctx.store,
      authenticator: t.auth,
      webhooks: { ...FAST, give_up_after_ms: 300 },
    })
    try {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/admin/webhooks',
        headers: t.as('admin'),
        payload: { url: 'http://127.0.0.1:9/nobody' },
      })
      const { id } = created.json<{ id: string }>()
      await ctx.store.forUser(t.users.alice.id).conversations.create({ title: 'lost cause' })
      await until(async () => {
        const got = await app.inject({ url: `/v1/admin/webhooks/${id}`, headers: t.as('admin') })
        return got.json<{ enabled: boolean }>().enabled === false
      })
      const got = await app.inject({ url: `/v1/admin/webhooks/${id}`, headers: t.as('admin') })
      expect(got.json<{ disabled_reason: string }>().disabled_reason).toMatch(/failed/)
    } finally {
      await app.close()
    }
  })

  it('refuses private and loopback targets unless WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const strict = await buildApp({ store: ctx.store, authenticator: t.auth })
    try {
      for (const url of [
        'http://127.0.0.1/x',
        'http://10.1.2.3/x',
        'http://[::1]/x',
        'ftp://x.io',
      ]) {
        const answer = await strict.inject({
          method: 'POST',
          url: '/v1/admin/webhooks',
          headers: t.as('admin'),
          payload: { url },
        })
        expect(answer.statusCode, url).toBe(400)
        expect(answer.json()).toMatchObject({ code: 'validation_failed', field: '/url' })
      }
      const asUser = await strict.inject({
        method: 'POST',
        url: '/v1/admin/webhooks',
        headers: t.as('alice'),
        payload: { url: 'https://example.com/x' },
      })
      expect(asUser.statusCode).toBe(403)
    } finally {
      await strict.close()
    }
  })
})
