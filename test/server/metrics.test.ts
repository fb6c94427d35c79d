import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MAX_MODELS, NO_MODEL, OTHER_MODEL } from '../../src/server/metrics/appends.js'
import { UNMATCHED_ROUTE } from '../../src/server/plugins/metrics.js'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}
interface Family {
  name: string
  help: string | undefined
  type: string
  samples: Sample[]
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  // Prometheus reads floats with Go's ParseFloat, which takes NaN in any case; prom-client
  // writes `Nan` for an event-loop gauge with no sample yet.
  if (text.toLowerCase() === 'nan') return NaN
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text}`)
  return Number(text)
}

/** `{a="x",b="y\"z"}` from `start` (the `{`): the labels and where the text after them starts. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {}
  let i = start + 1
  while (line[i] !== '}') {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0]
    if (name === undefined || !LABEL_NAME.test(name)) throw new Error(`bad label at ${i}: ${line}`)
    i += name.length
    if (line.slice(i, i + 2) !== '="') throw new Error(`expected =" at ${i}: ${line}`)
    i += 2
    let value = ''
    for (;;) {
      const c = line[i]
      if (c === undefined) throw new Error(`unterminated label value: ${line}`)
      i += 1
      if (c === '"') break
      if (c !== '\\') {
        value += c
        continue
      }
      const escaped = line[i]
      i += 1
      if (escaped === 'n') value += '\n'
      else if (escaped === '\\' || escaped === '"') value += escaped
      else throw new Error(`bad escape \\${escaped}: ${line}`)
    }
    if (name in labels) throw new Error(`label ${name} twice: ${line}`)
    labels[name] = value
    if (line[i] === ',') i += 1
    else if (line[i] !== '}') throw new Error(`expected , or } at ${i}: ${line}`)
  }
  return { labels, end: i + 1 }
}

/**
 * A strict reader of the Prometheus text format 0.0.4: HELP and TYPE once per family and before
 * its samples, a family's samples together, escapes in label values, histogram series complete.
 */
function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed')
  const families = new Map<string, Family>()
  const finished = new Set<string>()
  let current: Family | undefined
  const helps = new Map<string, string>()
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) ([^ ]+) (.*)$/.exec(line)
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name ${name}`)
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`HELP twice for ${name}`)
        helps.set(name, rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'))
        continue
      }
      if (families.has(name)) throw new Error(`TYPE twice for ${name}`)
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) {
        throw new Error(`bad type ${rest} for ${name}`)
      }
      if (current !== undefined) finished.add(current.name)
      current = { name, help: helps.get(name), type: rest, samples: [] }
      families.set(name, current)
      continue
    }
    if (line.startsWith('#')) continue
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]
    if (name === undefined) throw new Error(`bad sample line: ${line}`)
    let labels: Record<string, string> = {}
    let rest = line.slice(name.length)
    if (rest.startsWith('{')) {
      const parsed = parseLabels(line, name.length)
      labels = parsed.labels
      rest = line.slice(parsed.end)
    }
    const fields = /^ (\S+)(?: (-?\d+))?$/.exec(rest)
    if (fields === null) throw new Error(`bad value part: ${line}`)
    const base = name.replace(/_(bucket|sum|count)$/, '')
    const family =
      families.get(name) ??
      (families.get(base)?.type === 'histogram' ? families.get(base) : undefined)
    if (family === undefined) throw new Error(`sample ${name} without a TYPE`)
    if (family !== current || finished.has(family.name)) {
      throw new Error(`samples of ${family.name} are not together`)
    }
    family.samples.push({ name, labels, value: parseValue(fields[1]!) })
  }
  for (const family of families.values()) checkFamily(family)
  return families
}

function checkFamily(family: Family): void {
  if (family.type === 'counter') {
    for (const sample of family.samples) expect(sample.value).toBeGreaterThanOrEqual(0)
  }
  if (family.type !== 'histogram') return
  const series = new Map<string, Sample[]>()
  for (const sample of family.samples) {
    const key = JSON.stringify(
      Object.entries(sample.labels)
        .filter(([name]) => name !== 'le')
        .sort(),
    )
    series.set(key, [...(series.get(key) ?? []), sample])
  }
  for (const samples of series.values()) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`)
    const bounds = buckets.map((b) => parseValue(b.labels.le ?? 'missing'))
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b))
    expect(bounds.at(-1)).toBe(Infinity)
    const counts = buckets.map((b) => b.value)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    const count = samples.find((s) => s.name === `${family.name}_count`)
    const sum = samples.find((s) => s.name === `${family.name}_sum`)
    expect(count?.value).toBe(counts.at(-1))
    expect(sum?.value).toBeGreaterThanOrEqual(0)
  }
}

function families(all: Map<string, Family>, name: string): Family {
  const family = all.get(name)
  if (family === undefined) throw new Error(`no ${name} in the exposition`)
  return family
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string>) {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name)
  const sample = family?.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  return sample?.value ?? 0
}

describeEachEngine('GET /metrics', (ctx) => {
  let t: TestApp
  const scrape = async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    return { text: response.body, families: parseExposition(response.body) }
  }

  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  it('is well-formed exposition text with HELP and TYPE for every family', async () => {
    const { families } = await scrape()
    for (const family of families.values()) expect(family.help, family.name).toBeTruthy()
    expect(families.get('http_requests_total')?.type).toBe('counter')
    expect(families.get('http_request_duration_seconds')?.type).toBe('histogram')
    expect(families.get('chatkeep_db_pool_connections')?.type).toBe('gauge')
    expect(families.get('process_start_time_seconds')?.type).toBe('gauge')
  })

  it("carries prom-client's standard process and Node.js metrics, as Node dashboards expect", async () => {
    const { families } = await scrape()
    const expected = {
      process_cpu_seconds_total: 'counter',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      process_start_time_seconds: 'gauge',
      process_open_fds: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      nodejs_active_handles_total: 'gauge',
      nodejs_gc_duration_seconds: 'histogram',
      nodejs_version_info: 'gauge',
    }
    for (const [name, type] of Object.entries(expected)) {
      expect(families.get(name)?.type, name).toBe(type)
    }
    const version = families.get('nodejs_version_info')!.samples[0]!
    expect(version.labels.version).toBe(process.version)
  })

  it('escapes label values so that they read back unchanged', async () => {
    const conversation = await ctx.store.conversations.create({ user_id: t.users.alice.id })
    const tricky = `odd "model" \\ with\na new line ${randomUUID()}`
    await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'escaped',
      tokens_used: 2,
      model_version: tricky,
    })
    const { families } = await scrape()
    const sample = families
      .get('chatkeep_tokens_total')!
      .samples.find((s) => s.labels.model === tricky)
    expect(sample?.value).toBe(2)
  })

  it('counts requests by method, route pattern and status, and times them', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: t.as('alice'),
      payload: { title: 'metrics' },
    })
    expect(created.statusCode).toBe(201)
    const id = created.json<{ id: string }>().id
    const route = '/v1/conversations/:id'
    const before = (await scrape()).families

    for (let i = 0; i < 3; i++) {
      const got = await t.app.inject({ url: `/v1/conversations/${id}`, headers: t.as('alice') })
      expect(got.statusCode).toBe(200)
    }
    const missing = await t.app.inject({
      url: `/v1/conversations/${randomUUID()}`,
      headers: t.as('alice'),
    })
    expect(missing.statusCode).toBe(404)
    const after = (await scrape()).families

    const ok = { method: 'GET', route, status: '200' }
    const notFound = { method: 'GET', route, status: '404' }
    expect(value(after, 'http_requests_total', ok) - value(before, 'http_requests_total', ok)).toBe(
      3,
    )
    expect(
      value(after, 'http_requests_total', notFound) -
        value(before, 'http_requests_total', notFound),
    ).toBe(1)
    const timed = (status_class: string) => ({ method: 'GET', route, status_class })
    const count = (f: Map<string, Family>, status_class: string) =>
      value(f, 'http_request_duration_seconds_count', timed(status_class))
    expect(count(after, '2xx') - count(before, '2xx')).toBe(3)
    expect(count(after, '4xx') - count(before, '4xx')).toBe(1)
    const sum = (f: Map<string, Family>) =>
      value(f, 'http_request_duration_seconds_sum', timed('2xx'))
    expect(sum(after)).toBeGreaterThan(sum(before))
    expect(
      value(after, 'http_requests_total', { method: 'POST', route: '/v1/conversations' }),
    ).toBeGreaterThanOrEqual(1)
  })

  it('labels routes by their pattern, never by the raw URL', async () => {
    const id = randomUUID()
    await t.app.inject({ url: `/v1/messages/${id}`, headers: t.as('bob') })
    await t.app.inject({ url: `/no/such/route/${id}?q=${id}` })
    await t.app.inject({ method: 'DELETE', url: `/api/chat/sessions/${id}`, headers: t.as('bob') })
    const { text, families } = await scrape()
    expect(text).not.toContain(id)
    const routes = new Set(
      families.get('http_requests_total')!.samples.map((sample) => sample.labels.route),
    )
    expect(routes).toContain('/v1/messages/:id')
    expect(routes).toContain('/api/chat/sessions/:id')
    expect(routes).toContain(UNMATCHED_ROUTE)
    for (const route of routes) {
      expect(route === UNMATCHED_ROUTE || route?.startsWith('/'), route).toBe(true)
      expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/)
    }
    expect(value(families, 'http_requests_total', { route: UNMATCHED_ROUTE, status: '404' })).toBe(
      1,
    )
  })

  it('reports the database pool and the process start time', async () => {
    const { families } = await scrape()
    const state = (s: string) => value(families, 'chatkeep_db_pool_connections', { state: s })
    const pool = families.get('chatkeep_db_pool_connections')!.samples
    expect(pool.map((s) => s.labels.state).sort()).toEqual(['idle', 'total', 'waiting'])
    const max = value(families, 'chatkeep_db_pool_max_connections', {})
    expect(state('total')).toBeGreaterThanOrEqual(1)
    expect(state('idle')).toBeLessThanOrEqual(state('total'))
    expect(state('total')).toBeLessThanOrEqual(max)
    expect(state('waiting')).toBeGreaterThanOrEqual(0)
    expect(max).toBe(ctx.engine === 'sqlite' ? 1 : ctx.store.database.poolStatus().max)
    const started = value(families, 'process_start_time_seconds', {})
    expect(Math.abs(started - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5)
    expect(value(families, 'process_resident_memory_bytes', {})).toBeGreaterThan(0)
  })

  it('counts appends by role and tokens by model once each append is acknowledged', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: t.as('alice'),
      payload: { title: 'counted' },
    })
    const id = created.json<{ id: string }>().id
    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: t.as('alice'), payload })
    const model = `model-${randomUUID()}`
    const before = (await scrape()).families

    const turn = {
      role: 'user',
      content: 'Hi',
      request_id: 'turn-1',
      tokens_used: 5,
      model_version: model,
    }
    expect((await post(`/v1/conversations/${id}/messages`, turn)).statusCode).toBe(201)
    // A replay answers with the first message and stores nothing: not counted again.
    expect((await post(`/v1/conversations/${id}/messages`, turn)).statusCode).toBe(201)
    const conflict = await post(`/v1/conversations/${id}/messages`, { ...turn, content: 'Other' })
    expect(conflict.statusCode).toBe(409)
    const batch = await post(`/v1/conversations/${id}/messages/batch`, {
      messages: [
        { role: 'assistant', content: 'Hello', tokens_used: 7, model_version: model },
        { role: 'tool', content: '{}', tokens_used: 4 },
      ],
    })
    expect(batch.statusCode).toBe(201)
    const seed = {
      session_id: id,
      message: 'From the seed route',
      request_id: 'seed-1',
      tokens_used: 3,
      model_version: model,
    }
    expect((await post('/api/chat/message', seed)).statusCode).toBe(201)
    expect((await post('/api/chat/message', seed)).statusCode).toBe(201)
    // Racing replays of one key: one of them stores the message, one is counted.
    const race = { role: 'user', content: 'Again?', request_id: 'race' }
    const raced = await Promise.all(
      Array.from({ length: 5 }, () => post(`/v1/conversations/${id}/messages`, race)),
    )
    expect(raced.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201])
    expect(new Set(raced.map((r) => r.json<{ id: string }>().id)).size).toBe(1)
    const missing = await post(`/v1/conversations/${randomUUID()}/messages`, turn)
    expect(missing.statusCode).toBe(404)
    // An append through the library, on the same database, is an append too.
    await ctx.store.messages.append(id, { role: 'system', content: 'Be brief.' })

    const after = (await scrape()).families
    const appended = (role: string) =>
      value(after, 'chatkeep_messages_appended_total', { role }) -
      value(before, 'chatkeep_messages_appended_total', { role })
    expect(['user', 'assistant', 'tool', 'system'].map(appended)).toEqual([3, 1, 1, 1])
    const tokens = (m: string) =>
      value(after, 'chatkeep_tokens_total', { model: m }) -
      value(before, 'chatkeep_tokens_total', { model: m })
    expect(tokens(model)).toBe(15)
    expect(tokens(NO_MODEL)).toBe(4)
    expect(families(after, 'chatkeep_messages_appended_total').type).toBe('counter')
    const stored = await ctx.store.messages.list(id, { limit: 100 })
    expect(stored.data).toHaveLength(6)
  })

  it('names at most 100 models, and counts the tokens of the rest as (other)', async () => {
    const fresh = await testApp(ctx.store)
    try {
      const conversation = await ctx.store.conversations.create({ user_id: fresh.users.alice.id })
      const run = randomUUID().slice(0, 8)
      await ctx.store.messages.appendMany(
        conversation.id,
        Array.from({ length: MAX_MODELS + 10 }, (_, i) => ({
          role: 'assistant' as const,
          content: `answer ${i}`,
          tokens_used: i + 1,
          model_version: `${run}-${i}`,
        })),
      )
      const response = await fresh.app.inject({ method: 'GET', url: '/metrics' })
      const samples = families(parseExposition(response.body), 'chatkeep_tokens_total').samples
      expect(samples).toHaveLength(MAX_MODELS + 1)
      expect(samples.filter((s) => s.labels.model?.startsWith(run))).toHaveLength(MAX_MODELS)
      const other = samples.find((s) => s.labels.model === OTHER_MODEL)
      // Models 100..109 carry 101..110 tokens.
      expect(other?.value).toBe(
        Array.from({ length: 10 }, (_, i) => 101 + i).reduce((a, b) => a + b),
      )
    } finally {
      await fresh.app.close()
    }
  })
})
