/** `chatkeep cleanup --embedding-ids FILE`: seed 001's orphaned-chunk cleanup from the CLI. */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { runChatkeep } from '../support/cli.js'

describeEachEngine('chatkeep cleanup --embedding-ids', (ctx) => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-embedding-ids-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const listedLater = (path: string) => {
    const later = new Date(Date.now() + 1000)
    utimesSync(path, later, later)
  }

  const embeddingIds = async () =>
    (
      await ctx.store.database.kysely
        .selectFrom('document_chunks')
        .select('embedding_id')
        .where('embedding_id', 'is not', null)
        .orderBy('embedding_id')
        .execute()
    ).map((r) => r.embedding_id)

  it('removes chunks whose id the file lacks, from a list or a JSON array, dry run first', async () => {
    await ctx.store.documents.ingest({
      chunks: ['a', 'b', 'c', 'd'].map((id) => ({ content: `chunk ${id}`, embedding_id: id })),
    })
    const env = { DATABASE_URL: ctx.database.database_url }
    const lines = join(dir, 'ids.txt')
    writeFileSync(lines, 'a\n\nc\nd\n')
    // The kernel stamps a file with its coarse clock, which can lag Date.now() by a tick, so a
    // file written right after the ingest may look older than the chunks; say it was listed later.
    listedLater(lines)
    const dry = await runChatkeep(['cleanup', '--embedding-ids', lines, '--dry-run'], env)
    expect(dry.stdout).toContain('Would remove (dry run, nothing changed) 1 of 4 chunks')
    expect(await embeddingIds()).toEqual(['a', 'b', 'c', 'd'])
    const run = await runChatkeep(['cleanup', '--embedding-ids', lines, '--json'], env)
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({ dry_run: false, checked: 4, removed: 1 })
    const json = join(dir, 'ids.json')
    writeFileSync(json, JSON.stringify(['a', 'd']))
    listedLater(json)
    await runChatkeep(['cleanup', '--embedding-ids', json], env)
    expect(await embeddingIds()).toEqual(['a', 'd'])
  })

  it('keeps chunks written after the file was, and refuses a bad file or mixed options', async () => {
    const env = { DATABASE_URL: ctx.database.database_url }
    const old = join(dir, 'old.txt')
    writeFileSync(old, '')
    const hourAgo = new Date(Date.now() - 3_600_000)
    utimesSync(old, hourAgo, hourAgo)
    await ctx.store.documents.ingest({ chunks: [{ content: 'chunk late', embedding_id: 'late' }] })
    const run = await runChatkeep(['cleanup', '--embedding-ids', old, '--json'], env)
    expect(JSON.parse(run.stdout).removed).toBe(0)
    expect(await embeddingIds()).toContain('late')

    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '[1, 2]')
    const refused = await runChatkeep(['cleanup', '--embedding-ids', bad], env)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('not an array of id strings')
    const missing = await runChatkeep(['cleanup', '--embedding-ids', join(dir, 'nope')], env)
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('Cannot read')
    const mixed = await runChatkeep(
      ['cleanup', '--embedding-ids', old, '--retention-days', '3'],
      env,
    )
    expect(mixed.code).toBe(2)
    expect(await embeddingIds()).toContain('late')
  })
})
