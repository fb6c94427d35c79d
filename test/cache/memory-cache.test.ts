/**
 * The in-process cache: bounded by entries and by bytes (least recently used out first), a time
 * to live per entry on an injected clock, JSON copies, and deletes that hold their key against a
 * racing fill.
 */
import { describe, expect, it } from 'vitest'
import { INVALIDATION_HOLD_MS } from '../../src/cache/cache.js'
import { readThrough } from '../../src/cache/lookups.js'
import { MemoryCache } from '../../src/cache/memory-cache.js'

function clock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

describe('MemoryCache', () => {
  it('keeps JSON copies: changing what went in or came out changes nothing cached', async () => {
    const cache = new MemoryCache()
    const value = { name: 'alice', tags: ['a'], at: new Date(0) }
    expect(await cache.set('k', value, 1000)).toBe(true)
    value.tags.push('b')
    const got = await cache.get<{ tags: string[]; at: string }>('k')
    expect(got).toEqual({ name: 'alice', tags: ['a'], at: '1970-01-01T00:00:00.000Z' })
    got!.tags.push('c')
    expect(await cache.get('k')).toEqual({ name: 'alice', tags: ['a'], at: new Date(0).toJSON() })
    expect(cache.stats).toEqual({ hits: 2, misses: 0 })
    expect(await cache.get('nothing')).toBeUndefined()
    expect(cache.stats.misses).toBe(1)
    // null is a value (a setting known to be missing), not a miss.
    await cache.set('null', null, 1000)
    expect(await cache.get('null')).toBeNull()
  })

  it('expires an entry after its time to live, by its clock', async () => {
    const time = clock()
    const cache = new MemoryCache({ now: time.now })
    await cache.set('short', 1, 1000)
    await cache.set('long', 2, 60_000)
    time.advance(999)
    expect(await cache.get('short')).toBe(1)
    time.advance(1)
    expect(await cache.get('short')).toBeUndefined()
    expect(await cache.get('long')).toBe(2)
    expect(cache.size).toBe(1)
    time.advance(59_000)
    expect(await cache.get('long')).toBeUndefined()
    expect(cache.size).toBe(0)
    expect(cache.bytes).toBe(0)
  })

  it('holds at most max_entries, dropping the least recently used', async () => {
    const cache = new MemoryCache({ max_entries: 3 })
    for (const key of ['a', 'b', 'c']) await cache.set(key, key, 60_000)
    expect(await cache.get('a')).toBe('a') // a is now the most recently used
    await cache.set('d', 'd', 60_000)
    expect(cache.size).toBe(3)
    expect(await cache.get('b')).toBeUndefined()
    expect(await cache.get('a')).toBe('a')
    expect(await cache.get('c')).toBe('c')
    expect(await cache.get('d')).toBe('d')
    // Replacing a key does not count it twice.
    await cache.set('d', 'D', 60_000)
    expect(cache.size).toBe(3)
    expect(await cache.get('a')).toBe('a')
  })

  it('holds at most max_bytes, and refuses a value that could never fit without evicting', async () => {
    const cache = new MemoryCache({ max_bytes: 10_000 })
    const text = 'x'.repeat(1000) // about 2 KB held
    for (let i = 0; i < 20; i++) {
      expect(await cache.set(`k${i}`, text, 60_000)).toBe(true)
      expect(cache.bytes).toBeLessThanOrEqual(10_000)
    }
    expect(cache.size).toBeLessThan(20)
    expect(cache.size).toBeGreaterThanOrEqual(3)
    expect(await cache.get('k19')).toBe(text)
    expect(await cache.get('k0')).toBeUndefined()
    const before = cache.size
    expect(await cache.set('huge', 'y'.repeat(10_000), 60_000)).toBe(false)
    expect(cache.size).toBe(before)
    expect(await cache.get('k19')).toBe(text)
  })

  it('fill adds only to an empty key; a delete holds the key against fills, not against set', async () => {
    const time = clock()
    const cache = new MemoryCache({ now: time.now })
    await cache.fill('k', 'first', 60_000)
    await cache.fill('k', 'second', 60_000)
    expect(await cache.get('k')).toBe('first')
    await cache.delete('k')
    expect(await cache.get('k')).toBeUndefined()
    await cache.fill('k', 'stale read', 60_000)
    expect(await cache.get('k')).toBeUndefined()
    time.advance(INVALIDATION_HOLD_MS)
    await cache.fill('k', 'fresh read', 60_000)
    expect(await cache.get('k')).toBe('fresh read')
    await cache.delete('k')
    expect(await cache.set('k', 'stored on purpose', 60_000)).toBe(true)
    expect(await cache.get('k')).toBe('stored on purpose')
  })

  it('deletePrefix forgets every key under the prefix and holds them against fills, and no other key', async () => {
    const cache = new MemoryCache()
    await cache.set('response:a:1', 'one', 60_000)
    await cache.set('response:a:2', 'two', 60_000)
    await cache.set('response:ab:1', 'other user', 60_000)
    await cache.set('user:a', 'profile', 60_000)
    await cache.deletePrefix('response:a:')
    expect(await cache.get('response:a:1')).toBeUndefined()
    expect(await cache.get('response:a:2')).toBeUndefined()
    await cache.fill('response:a:1', 'stale read', 60_000)
    expect(await cache.get('response:a:1')).toBeUndefined()
    expect(await cache.get('response:ab:1')).toBe('other user')
    expect(await cache.get('user:a')).toBe('profile')
  })

  it('readThrough: a database read that raced a change does not put the old value back', async () => {
    const cache = new MemoryCache()
    let row = { role: 'user' }
    let release!: () => void
    let reading!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const read = new Promise<void>((resolve) => (reading = resolve))
    // A request reads the row, and is slow to come back with it.
    const slow = readThrough(cache, 'user:1', 60_000, async () => {
      const copy = { ...row }
      reading()
      await gate
      return copy
    })
    await read
    // Meanwhile the row changes, and the change deletes the key.
    row = { role: 'admin' }
    await cache.delete('user:1')
    release()
    expect(await slow).toEqual({ role: 'user' })
    const next = await readThrough(cache, 'user:1', 60_000, async () => ({ ...row }))
    expect(next).toEqual({ role: 'admin' })
    // Nothing found is not cached.
    let reads = 0
    const none = () => readThrough(cache, 'user:2', 60_000, async () => void reads++)
    await none()
    await none()
    expect(reads).toBe(2)
  })
})
