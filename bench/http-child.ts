import { startServer, type ServerSpec } from './http-servers.js'

/**
 * A W5 server in a process of its own, so that the load generator does not share its event loop.
 * Protocol over the IPC channel: the parent sends a ServerSpec, the child answers `{ url }` (or
 * `{ error }`) once listening; the parent sends `'close'`, the child closes and exits.
 */

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()))
}

process.once('message', (spec: ServerSpec) => {
  startServer(spec).then(
    async (server) => {
      process.once('message', () => {
        server.close().finally(() => process.exit(0))
      })
      await send({ url: server.url })
    },
    async (error: unknown) => {
      await send({ error: error instanceof Error ? error.message : String(error) })
      process.exit(1)
    },
  )
})

// The parent gone (killed, say), nothing is left to serve.
process.once('disconnect', () => process.exit(0))
