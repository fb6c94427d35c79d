import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Conversation, Message } from '../../src/index.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import { CSV_COLUMNS } from '../../src/transcripts/render-csv.js'
import { chatkeep, runChatkeep } from '../support/cli.js'
import { describeEachEngine } from '../support/engines.js'
import { type LocalS3, startS3 } from '../support/s3.js'
import { parseCsv, sha256, trickyConversation, unguard } from './fixtures.js'

describeEachEngine('chatkeep transcript', (ctx) => {
  let root: string
  let dir: string
  let s3: LocalS3
  let conversation: Conversation
  let live: Message[]
  let env: Record<string, string>

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'chatkeep-cli-transcripts-'))
    dir = join(root, 'transcripts')
    s3 = await startS3(`cli-${ctx.engine}`)
    ;({ conversation, live } = await trickyConversation(ctx.store))
    env = { DATABASE_URL: ctx.database.database_url, TRANSCRIPT_DIR: dir }
  })
  afterAll(async () => {
    await s3?.dispose()
    rmSync(root, { recursive: true, force: true })
  })

  const rows = () =>
    ctx.store.database.kysely
      .selectFrom('transcripts')
      .selectAll()
      .where('conversation_id', '=', conversation.id)
      .orderBy('id')
      .execute()

  it('stores and records a transcript in TRANSCRIPT_DIR and says where', async () => {
    const run = await runChatkeep(['transcript', conversation.id, '--format', 'markdown'], env)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const [row] = (await rows()).slice(-1)
    expect(row).toMatchObject({ format: 'markdown', storage: 'fs', message_count: live.length })
    const path = join(dir, row!.storage_key)
    const bytes = readFileSync(path)
    expect(sha256(bytes)).toBe(row!.sha256)
    expect(Number(row!.file_size_bytes)).toBe(bytes.length)
    expect(run.stdout).toBe(
      `Transcript ${row!.id}: ${live.length} message(s), ${bytes.length} bytes of markdown, ` +
        `sha256 ${row!.sha256}\nStored at ${path}\n`,
    )
  })

  it('uploads to S3 when S3_BUCKET is set', async () => {
    const run = await runChatkeep(['transcript', conversation.id], { ...env, ...s3.env })
    expect(run.code, run.stderr).toBe(0)
    const [row] = (await rows()).slice(-1)
    expect(row).toMatchObject({ format: 'json', storage: 's3' })
    expect(run.stdout).toContain(`Stored at s3://${s3.config.bucket}/${row!.storage_key}\n`)
    const object = (await s3.objects()).get(row!.storage_key)
    expect(sha256(object!.body)).toBe(row!.sha256)
  })

  it('writes --output FILE whole, without recording it', async () => {
    const before = await rows()
    const file = join(root, `export-${ctx.engine}.csv`)
    writeFileSync(file, 'an older export, replaced whole')
    const run = await runChatkeep(
      ['transcript', conversation.id, '--format', 'csv', '--output', file],
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    const bytes = readFileSync(file)
    expect(run.stdout).toBe(
      `Wrote ${file}: ${live.length} message(s), ${bytes.length} bytes of csv, ` +
        `sha256 ${sha256(bytes)} (not stored)\n`,
    )
    const [header, ...records] = parseCsv(bytes.toString('utf8'))
    expect(header).toEqual([...CSV_COLUMNS])
    expect(records.map((r) => unguard(r[CSV_COLUMNS.indexOf('content')]!))).toEqual(
      live.map((m) => m.content),
    )
    expect(readdirSync(root).filter((name) => name.endsWith('.tmp'))).toEqual([])
    expect(await rows()).toEqual(before)
  })

  it('writes --output - to stdout byte for byte', async () => {
    const before = await rows()
    const run = await runChatkeep(
      ['transcript', conversation.id, '--format', 'csv', '--output', '-'],
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    const rendered: Buffer[] = []
    await ctx.store.transcripts.render(conversation.id, { format: 'csv' }, (chunk) => {
      rendered.push(chunk)
    })
    expect(run.stdout).toBe(Buffer.concat(rendered).toString('utf8'))
    const json = await runChatkeep(['transcript', conversation.id, '--output', '-'], env)
    expect(JSON.parse(json.stdout).messages).toEqual(live)
    expect(await rows()).toEqual(before)
  })

  it('fails with one error line and leaves nothing behind', async () => {
    const before = await rows()
    const missing = await runChatkeep(['transcript', uuid7()], env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^error \[not_found\]: conversation .* does not exist/)

    const blocked = join(root, `blocked-${ctx.engine}`)
    writeFileSync(blocked, 'a file, not a folder')
    const unwritable = await runChatkeep(['transcript', conversation.id], {
      ...env,
      TRANSCRIPT_DIR: join(blocked, 'sub'),
    })
    expect(unwritable.code).toBe(1)
    expect(unwritable.stderr).toMatch(/^error \[storage_failed\]: .*ENOTDIR/)
    expect(unwritable.stderr.trim().split('\n')).toHaveLength(1)

    const nowhere = join(root, 'no-such-folder', 'out.json')
    const output = await runChatkeep(['transcript', conversation.id, '--output', nowhere], env)
    expect(output.code).toBe(1)
    expect(existsSync(join(root, 'no-such-folder'))).toBe(false)
    expect(await rows()).toEqual(before)
  })

  it('checks its arguments (exit 2) and prints --help', async () => {
    const help = await runChatkeep(['transcript', '--help'], {})
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: chatkeep transcript CONVERSATION_ID')
    for (const args of [
      [],
      [conversation.id, '--format', 'xml'],
      [conversation.id, 'extra'],
      [conversation.id, '--output', ''],
      [conversation.id, '--color'],
    ]) {
      const run = await runChatkeep(['transcript', ...args], env)
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stderr).toContain('Usage: chatkeep transcript')
    }
    const listed = await runChatkeep(['--help'], {})
    expect(listed.stdout).toMatch(/\n {2}transcript +Export a conversation/)
  })

  it('runs as a process: S3 upload, exit 0, no SDK warning on stderr', async () => {
    const run = await chatkeep(['transcript', conversation.id, '--format', 'csv'], {
      ...env,
      ...s3.env,
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const [row] = (await rows()).slice(-1)
    expect(row).toMatchObject({ format: 'csv', storage: 's3' })
    expect((await s3.objects()).has(row!.storage_key)).toBe(true)
  })
})
