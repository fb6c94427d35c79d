import net from 'node:net'

/**
 * A TCP relay to Redis that the test can cut and restore, to stage a network partition: Redis
 * keeps its entries, only this client loses it.
 */
export async function startProxy(target: URL) {
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined
  let port = 0
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on('close', () => sockets.delete(s))
          s.on('error', () => {
            client.destroy()
            upstream.destroy()
          })
        }
        client.pipe(upstream).pipe(client)
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port
        resolve()
      })
    })
  const pause = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server!.close(() => resolve())
    })
  await listen()
  return {
    get url() {
      return `redis://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    pause,
    resume: listen,
    stop: async () => {
      if (server?.listening) await pause()
    },
  }
}
