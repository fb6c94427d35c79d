import http from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ChatkeepError,
  createClient,
  EventStreamParser,
  readEventStream,
  type ServerSentEvent,
} from '../../src/client/index.js'

const parse = (...chunks: string[]) => {
  const parser = new EventStreamParser()
  return { events: chunks.flatMap((c) => parser.push(c)), parser }
}

describe('EventStreamParser', () => {
  test('dispatches on a blank line, joining data lines with LF', () => {
    const { events } = parse('data: one\ndata: two\n\nevent: delta\ndata:{"x":1}\n\n')
    expect(events).toEqual([
      { event: 'message', data: 'one\ntwo', id: '' },
      { event: 'delta', data: '{"x":1}', id: '' },
    ])
  })

  test('ends lines at CRLF, LF or CR, even when a chunk ends between CR and LF', () => {
    expect(parse('data: a\r\n\r\ndata: b\r\rdata: c\n\n').events.map((e) => e.data)).toEqual([
      'a',
      'b',
      'c',
    ])
    const split = parse('data: a\r', '\n\r', '\ndata: b\r', '\r')
    expect(split.events.map((e) => e.data)).toEqual(['a', 'b'])
  })

  test('keeps the last id across events, and takes an id without data; ignores one with NUL', () => {
    const { events, parser } = parse(
      'id: 1\ndata: a\n\ndata: b\n\nid: 7\n\nid: bad\0id\ndata: c\n\n',
    )
    expect(events.map((e) => [e.data, e.id])).toEqual([
      ['a', '1'],
      ['b', '1'],
      ['c', '7'],
    ])
    expect(parser.last_event_id).toBe('7')
    expect(parse('id\ndata: x\n\n').events[0]!.id).toBe('')
  })

  test('reads retry only when it is all digits; skips comments and unknown fields', () => {
    const { events, parser } = parse(': keep-alive\nretry: 250\nretry: soon\nfoo: bar\ndata\n\n')
    expect(parser.retry_ms).toBe(250)
    expect(events).toEqual([{ event: 'message', data: '', id: '' }])
  })

  test('an event type lasts one event; a block with no data dispatches nothing', () => {
    const { events } = parse('event: ping\n\ndata: after\n\nevent: x\ndata: y\n\ndata: z\n\n')
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['message', 'after'],
      ['x', 'y'],
      ['message', 'z'],
    ])
  })

  test('an event the stream left unfinished is dropped at its end, its id kept', () => {
    const parser = new EventStreamParser('3')
    expect(parser.push('id: 4\ndata: half')).toEqual([])
    parser.end()
    expect(parser.last_event_id).toBe('3')
    expect(parser.push('\n\ndata: next\n\n')).toEqual([{ event: 'message', data: 'next', id: '3' }])
  })

  test('cutting the stream into chunks anywhere gives the same events', () => {
    const stream =
      'id: 1\r\nevent: a\r\ndata: x\r\n\r\n: c\rdata: y\rdata:  z\r\r' + 'retry: 5\nid: 2\ndata\n\n'
    const whole = parse(stream).events
    expect(whole).toHaveLength(3)
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 })), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), stream.length]
        const chunks = at.slice(1).map((end, i) => stream.slice(at[i], end))
        expect(parse(...chunks).events).toEqual(whole)
      }),
    )
  })
})

/** A tiny event-stream server: each connection gets what `script` writes for it. */
interface Connection {
  last_event_id: string | undefined
  authorization: string | undefined
  closed: Promise<void>
}
type Script = (n: number, res: http.ServerResponse, req: http.IncomingMessage) => void

describe('readEventStream against a local event-stream server', () => {
  let server: http.Server
  let url = ''
  let script: Script = () => {}
  let connections: Connection[] = []

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      connections.push({
        last_event_id: req.headers['last-event-id'] as string | undefined,
        authorization: req.headers.authorization,
        closed: new Promise((resolve) => res.on('close', () => resolve())),
      })
      script(connections.length, res, req)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const begin = (res: http.ServerResponse) =>
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })

  async function collect(stream: AsyncIterable<ServerSentEvent>): Promise<ServerSentEvent[]> {
    const events: ServerSentEvent[] = []
    for await (const event of stream) events.push(event)
    return events
  }

  test('reconnects after the stream ends or drops, resuming with Last-Event-ID; stops on 204', async () => {
    connections = []
    script = (n, res) => {
      if (n === 1) {
        begin(res)
        res.end('retry: 10\nid: 1\ndata: one\n\nid: 2\ndata: two\n\n')
      } else if (n === 2) {
        begin(res)
        // A UTF-8 character cut between two writes, then the connection drops mid-event.
        const bytes = Buffer.from('id: 3\ndata: drei ü\n\nid: 4\ndata: lost')
        res.write(bytes.subarray(0, 17))
        setTimeout(() => {
          res.write(bytes.subarray(17))
          // Cut after what was written is flushed: no chunked end, so the reader sees a drop.
          setTimeout(() => res.socket?.destroySoon(), 20)
        }, 20)
      } else if (n === 3) {
        begin(res)
        res.end('id: 5\ndata: five\n\n')
      } else {
        res.writeHead(204).end()
      }
    }
    const events = await collect(readEventStream({ url: `${url}/events` }))
    expect(events.map((e) => [e.id, e.data])).toEqual([
      ['1', 'one'],
      ['2', 'two'],
      ['3', 'drei ü'],
      ['5', 'five'],
    ])
    expect(connections.map((c) => c.last_event_id)).toEqual([undefined, '2', '3', '5'])
  })

  test('resumes from a given last_event_id; breaking out of the loop closes the connection', async () => {
    connections = []
    script = (_n, res) => {
      begin(res)
      res.write('id: 10\ndata: ten\n\n')
    }
    for await (const event of readEventStream({ url, last_event_id: '9' })) {
      expect(event.id).toBe('10')
      break
    }
    await connections[0]!.closed
    expect(connections.map((c) => c.last_event_id)).toEqual(['9'])
  })

  test("a client's fetch sends its credentials; an error answer throws the server's code", async () => {
    connections = []
    script = (_n, res, req) => {
      if (req.headers.authorization !== 'Bearer ck_test') {
        res.writeHead(401, { 'content-type': 'application/problem+json' })
        res.end(
          JSON.stringify({
            type: 't',
            title: 't',
            status: 401,
            code: 'unauthorized',
            detail: 'no',
          }),
        )
        return
      }
      begin(res)
      res.end('data: hello\n\n')
      // Only one event; the reconnection is refused.
      script = (_m, next) => next.writeHead(204).end()
    }
    const client = createClient({ base_url: url, api_key: 'ck_test' })
    expect(
      (await collect(readEventStream({ url, fetch: client.fetch }))).map((e) => e.data),
    ).toEqual(['hello'])
    expect(connections[0]!.authorization).toBe('Bearer ck_test')

    script = (_n, res) => {
      res.writeHead(401, { 'content-type': 'application/problem+json' })
      res.end(
        JSON.stringify({ type: 't', title: 't', status: 401, code: 'unauthorized', detail: 'no' }),
      )
    }
    const refused = await collect(readEventStream({ url })).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ChatkeepError)
    expect(refused).toMatchObject({ code: 'unauthorized', status: 401 })
  })

  test('gives up after `reconnects` connections in a row end without an event', async () => {
    connections = []
    script = (_n, res) => {
      begin(res)
      res.end(': nothing to say\n\n')
    }
    const error = await collect(readEventStream({ url, retry_ms: 5, reconnects: 2 })).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'unavailable' })
    expect(connections).toHaveLength(3)
  })

  test('an answer that is not an event stream is an error, not a silent end', async () => {
    script = (_n, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{}')
    }
    await expect(collect(readEventStream({ url }))).rejects.toThrow(/not text\/event-stream/)
  })

  test('an abort ends the stream with the signal’s reason', async () => {
    script = (_n, res) => {
      begin(res)
      res.write('data: first\n\n')
    }
    const controller = new AbortController()
    const events: string[] = []
    const ended = (async () => {
      for await (const event of readEventStream({ url, signal: controller.signal })) {
        events.push(event.data)
        controller.abort(new Error('enough'))
      }
    })()
    await expect(ended).rejects.toThrow('enough')
    expect(events).toEqual(['first'])
  })
})
