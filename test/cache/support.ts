import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'
import { MemoryCache } from '../../src/cache/memory-cache.js'
import { RedisCache } from '../../src/cache/redis-cache.js'
import { recordingLogger, REDIS_URL, uniquePrefix } from '../support/rate-limits.js'

export { recordingLogger, REDIS_URL, uniquePrefix }

/** A clock the test moves by hand. */
export function manualClock(start = Date.parse('2026-12-01T12:00:00.000Z')) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

/** A Redis cache on the suite's Redis, under a prefix of its own. */
export async function redisCache(
  options: { url?: string; key_prefix?: string; settle_ms?: number } = {},
) {
  const logger = recordingLogger()
  const cache = await RedisCache.connect({
    url: options.url ?? REDIS_URL,
    key_prefix: options.key_prefix ?? uniquePrefix(),
    logger,
    connect_timeout_ms: 500,
    settle_ms: options.settle_ms ?? 0,
  })
  return Object.assign(cache, { logger })
}

export type CacheKind = 'memory' | 'redis'
export const CACHE_KINDS: CacheKind[] = ['memory', 'redis']

export const openTestCache = (kind: CacheKind, key_prefix = uniquePrefix()) =>
  kind === 'memory' ? Promise.resolve(new MemoryCache()) : redisCache({ key_prefix })

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Sends PING over a plain socket; true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

/**
 * A redis-server of the test's own (no persistence), so that it can be killed without touching
 * the Redis other tests share. `kill` is SIGKILL; `start` again comes back on the same port, empty.
 */
export async function ownRedis() {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    )
    for (let i = 0; i < 100; i++) {
      if (await ping(port)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`redis-server on port ${port} did not start`)
  }
  const kill = async () => {
    const running = child
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  }
  await start()
  return { port, url: `redis://127.0.0.1:${port}`, start, kill }
}
