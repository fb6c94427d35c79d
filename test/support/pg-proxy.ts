import net from 'node:net'

/** What the relay does with a statement that matches a rule. */
export type CutAction =
  /** Drops the connection before the statement reaches the server: nothing of it runs. */
  | 'cut_before'
  /**
   * Passes the statement on up to its Sync (or the simple query itself), then drops the
   * connection: the server runs and commits it, the client never hears back.
   */
  | 'cut_after'

export interface CutRule {
  /** Tested against the statement's SQL text and its bound parameters, as text. */
  match: RegExp
  action: CutAction
  /** How many statements it applies to; then it is used up. */
  times: number
}

const SSL_REQUEST = 80877103

/**
 * A TCP relay to PostgreSQL that reads the client's side of the wire protocol and cuts the link
 * at the moment a chosen statement is sent: before it (nothing ran) or right after it (it ran
 * and committed, the answer is lost). Statements are seen as simple queries (`Q`: BEGIN,
 * COMMIT …) and as Bind messages of the extended protocol, with the text of the statement they
 * bind (from its Parse) and their parameters.
 */
export async function startPgProxy(target: URL) {
  const rules: CutRule[] = []
  const cuts: { action: CutAction; text: string }[] = []
  const sockets = new Set<net.Socket>()

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    upstream.pipe(client)
    const statements = new Map<string, string>()
    let buffered = Buffer.alloc(0)
    let startup = true
    let cutAfterSync = false
    let cut = false

    const drop = () => {
      cut = true
      client.destroy()
      upstream.end()
    }
    const decide = (text: string): CutAction | undefined => {
      const rule = rules.find((r) => r.times > 0 && r.match.test(text))
      if (rule === undefined) return undefined
      rule.times -= 1
      cuts.push({ action: rule.action, text })
      return rule.action
    }

    client.on('data', (chunk: Buffer) => {
      if (cut) return
      buffered = Buffer.concat([buffered, chunk])
      for (;;) {
        let message: Buffer
        if (startup) {
          if (buffered.length < 8) return
          const length = buffered.readInt32BE(0)
          if (buffered.length < length) return
          message = buffered.subarray(0, length)
          if (buffered.readInt32BE(4) !== SSL_REQUEST) startup = false
        } else {
          if (buffered.length < 5) return
          const length = buffered.readInt32BE(1) + 1
          if (buffered.length < length) return
          message = buffered.subarray(0, length)
          const type = String.fromCharCode(message[0]!)
          const body = message.subarray(5)
          if (type === 'P') {
            const [name, text] = cstrings(body, 2)
            statements.set(name!, text!)
          }
          const inspected =
            type === 'B'
              ? `${statements.get(cstrings(body, 2)[1]!) ?? ''}\n${body.toString('latin1')}`
              : type === 'Q'
                ? cstrings(body, 1)[0]!
                : undefined
          const action = inspected === undefined ? undefined : decide(inspected)
          if (action === 'cut_before') return drop()
          if (action === 'cut_after' && type === 'Q') {
            upstream.write(message, drop)
            return
          }
          if (action === 'cut_after') cutAfterSync = true
          if (type === 'S' && cutAfterSync) {
            upstream.write(message, drop)
            return
          }
        }
        upstream.write(message)
        buffered = buffered.subarray(message.length)
      }
    })
    client.on('end', () => upstream.end())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const url = new URL(target)
  url.hostname = '127.0.0.1'
  url.port = String((server.address() as net.AddressInfo).port)
  return {
    url: url.toString(),
    /** Adds a rule; rules are tried in the order added. */
    cut(rule: CutRule) {
      rules.push({ ...rule })
    },
    /** Every cut made so far. */
    cuts,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** The first `count` NUL-terminated strings of a message body. */
function cstrings(body: Buffer, count: number): string[] {
  const out: string[] = []
  let at = 0
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at)
    if (end < 0) break
    out.push(body.toString('utf8', at, end))
    at = end + 1
  }
  return out
}
