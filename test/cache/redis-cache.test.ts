/**
 * The Redis cache against the real Redis (a key prefix per test, never a flush): shared between
 * instances, time to live, fill and delete semantics, and failing open through a partition
 * (a relay the test cuts) with the deletes it missed delivered before anything is read again.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { INVALIDATION_HOLD_MS } from '../../src/cache/cache.js'
import { RedisCache } from '../../src/cache/redis-cache.js'
import { recordingLogger, redisCache, REDIS_URL, uniquePrefix } from './support.js'
import { startProxy } from '../support/redis-proxy.js'

const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function open(options: Parameters<typeof redisCache>[0] = {}) {
  const cache = await redisCache(options)
  closers.push(() => cache.close())
  return cache
}

async function raw() {
  const redis = new Redis(REDIS_URL)
  closers.push(() => redis.quit())
  return redis
}

describe('RedisCache', () => {
  it('is shared: what one instance stores or deletes, another sees at once', async () => {
    const key_prefix = uniquePrefix()
    const a = await open({ key_prefix })
    const b = await open({ key_prefix })
    expect(a.shared).toBe(true)
    expect(await a.set('user:1', { role: 'user', tags: ['x'] }, 60_000)).toBe(true)
    expect(await b.get('user:1')).toEqual({ role: 'user', tags: ['x'] })
    await b.delete('user:1')
    expect(await a.get('user:1')).toBeUndefined()
    // Another prefix is another cache.
    const other = await open()
    expect(await a.set('k', 1, 60_000)).toBe(true)
    expect(await other.get('k')).toBeUndefined()
    expect(a.stats).toEqual({ hits: 0, misses: 1 })
    expect(b.stats).toEqual({ hits: 1, misses: 0 })
    await a.set('null', null, 60_000)
    expect(await b.get('null')).toBeNull()
  })

  it('deletePrefix removes every key under the prefix for every instance, and no other key', async () => {
    const key_prefix = uniquePrefix()
    const a = await open({ key_prefix })
    const b = await open({ key_prefix })
    for (let i = 0; i < 2500; i++) await a.set(`response:a:${i}`, i, 60_000)
    await a.set('response:ab:1', 'other user', 60_000)
    await a.set('user:a', 'profile', 60_000)
    await b.deletePrefix('response:a:')
    const redis = await raw()
    expect(await redis.keys(`${key_prefix}response:a:*`)).toEqual([])
    expect(await a.get('response:a:7')).toBeUndefined()
    expect(await a.get('response:ab:1')).toBe('other user')
    expect(await a.get('user:a')).toBe('profile')
  })

  it('expires entries after their time to live; a deleted key holds against fills for the hold time', async () => {
    const key_prefix = uniquePrefix()
    const cache = await open({ key_prefix })
    const redis = await raw()
    await cache.set('short', 'v', 150)
    expect(await cache.get('short')).toBe('v')
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect(await cache.get('short')).toBeUndefined()

    await cache.fill('k', 'first', 60_000)
    await cache.fill('k', 'second', 60_000)
    expect(await cache.get('k')).toBe('first')
    await cache.delete('k')
    expect(await cache.get('k')).toBeUndefined()
    await cache.fill('k', 'stale read', 60_000)
    expect(await cache.get('k')).toBeUndefined()
    const hold = await redis.pttl(`${key_prefix}k`)
    expect(hold).toBeGreaterThan(INVALIDATION_HOLD_MS - 1000)
    expect(hold).toBeLessThanOrEqual(INVALIDATION_HOLD_MS)
    expect(await cache.set('k', 'stored on purpose', 60_000)).toBe(true)
    expect(await cache.get('k')).toBe('stored on purpose')
  })

  it('refuses a value larger than max_value_bytes', async () => {
    const cache = await RedisCache.connect({
      url: REDIS_URL,
      key_prefix: uniquePrefix(),
      logger: recordingLogger(),
      max_value_bytes: 1000,
    })
    closers.push(() => cache.close())
    expect(await cache.set('big', 'x'.repeat(1000), 60_000)).toBe(false)
    expect(await cache.get('big')).toBeUndefined()
    expect(await cache.set('small', 'x'.repeat(100), 60_000)).toBe(true)
  })

  it('fails open through a partition, logs it once, and delivers the deletes it missed before reading again', async () => {
    const key_prefix = uniquePrefix()
    const proxy = await startProxy(new URL(REDIS_URL))
    closers.push(() => proxy.stop())
    const a = await open({ url: proxy.url, key_prefix, settle_ms: 300 })
    const b = await open({ key_prefix })
    await a.set('user:1', { is_active: true }, 60_000)
    await a.set('user:2', { is_active: true }, 60_000)
    expect(await b.get('user:1')).toEqual({ is_active: true })

    await proxy.pause()
    // Everything a asks fails fast and reads as a miss; the deletes are kept.
    const started = performance.now()
    for (let i = 0; i < 20; i++) {
      expect(await a.get('user:1')).toBeUndefined()
      expect(await a.set('other', i, 60_000)).toBe(false)
    }
    await a.delete('user:1')
    expect(performance.now() - started).toBeLessThan(2000)
    expect(a.down).toBe(true)
    expect(a.logger.lines).toEqual([{ level: 'warn', msg: expect.stringMatching(/unreachable/) }])
    // b still reaches Redis, which never heard of the delete: the documented window.
    expect(await b.get('user:1')).toEqual({ is_active: true })

    await proxy.resume()
    await expect.poll(() => a.logger.lines.length, { timeout: 10_000 }).toBe(2)
    expect(a.logger.lines[1]).toEqual({ level: 'info', msg: expect.stringMatching(/again/) })
    // Delivered on reconnect, before a reads anything: b no longer sees the old entry.
    await expect.poll(() => b.get('user:1'), { timeout: 2000 }).toBeUndefined()
    // a settles (its reads stay misses for settle_ms), then hits again.
    await expect.poll(() => a.get('user:2'), { timeout: 5000 }).toEqual({ is_active: true })
    expect(await a.get('user:1')).toBeUndefined()
    expect(a.logger.lines).toHaveLength(2)
  })

  it('removes every key under its prefix on recovery when it missed too many deletes to keep', async () => {
    const key_prefix = uniquePrefix()
    const proxy = await startProxy(new URL(REDIS_URL))
    closers.push(() => proxy.stop())
    const a = await open({ url: proxy.url, key_prefix })
    const b = await open({ key_prefix })
    for (let i = 0; i < 5; i++) await b.set(`response:${i}`, i, 60_000)
    await proxy.pause()
    for (let i = 0; i <= 10_000; i++) await a.delete(`user:${i}`)
    await proxy.resume()
    const redis = await raw()
    await expect.poll(() => redis.keys(`${key_prefix}*`), { timeout: 10_000 }).toEqual([])
  })

  it('starts bypassed when Redis cannot be reached at start, logging once', async () => {
    // Port 1 on localhost: nothing listens, the connection is refused at once.
    const cache = await open({ url: 'redis://127.0.0.1:1' })
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.set('k', 1, 1000)).toBe(false)
    await cache.fill('k', 1, 1000)
    await cache.delete('k')
    expect(cache.logger.lines).toHaveLength(1)
    expect(cache.logger.lines[0]!.level).toBe('warn')
  })
})
