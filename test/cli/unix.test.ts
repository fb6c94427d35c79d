import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/index.js'
import { nearest } from '../../src/cli/suggest.js'
import { CLI_FROM_SOURCE, cliEnv, ROOT, runChatkeep } from '../support/cli.js'
import { createTestDatabase, type TestDatabase } from '../support/engines.js'

interface Ended {
  code: number | null
  signal: NodeJS.Signals | null
  /** What the reader took before it hung up. */
  read: number
  stderr: string
}

/**
 * Runs the CLI with its stdout into a reader that closes the pipe after the first chunk, as
 * `| head -c 100` does, and waits for the process to end.
 */
function readFirstChunk(args: string[], env: Record<string, string>): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_FROM_SOURCE, ...args], {
      cwd: ROOT,
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let read = 0
    let stderr = ''
    child.stdout.once('data', (chunk: Buffer) => {
      read = chunk.length
      child.stdout.destroy()
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, read, stderr }))
  })
}

describe('chatkeep in a pipeline', () => {
  let database: TestDatabase
  let env: Record<string, string>
  let conversationId: string

  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
    env = { DATABASE_URL: database.database_url }
    const store = await openStore({ database_url: database.database_url, migrate: true })
    try {
      const user = await store.users.create({ username: 'piper' })
      const chat = await store.conversations.create({ user_id: user.id, title: 'Long' })
      conversationId = chat.id
      // About 1 MiB of messages: far more than a pipe holds, so the CLI is still writing when
      // the reader goes away.
      for (let batch = 0; batch < 4; batch++) {
        await store.messages.appendMany(
          chat.id,
          Array.from({ length: 1000 }, (_, i) => ({
            role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
            content: `message ${batch}-${i}: ${'lorem ipsum dolor sit amet '.repeat(9)}`,
          })),
        )
      }
    } finally {
      await store.close()
    }
  })

  afterAll(async () => {
    await database?.drop()
  })

  it('`export -o - | head` ends quietly, exit 0, when the reader stops early', async () => {
    const ended = await readFirstChunk(['export', '-o', '-'], env)
    expect(ended.read).toBeGreaterThan(0)
    expect(ended).toMatchObject({ code: 0, signal: null, stderr: '' })
  })

  it('`transcript ID --output - | head` ends quietly, exit 0, when the reader stops early', async () => {
    const ended = await readFirstChunk(
      ['transcript', conversationId, '--format', 'markdown', '--output', '-'],
      env,
    )
    expect(ended.read).toBeGreaterThan(0)
    expect(ended).toMatchObject({ code: 0, signal: null, stderr: '' })
  })
})

describe('chatkeep --version and mistyped names', () => {
  it('--version (and -v) prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string
    }
    for (const flag of ['--version', '-v']) {
      expect(await runChatkeep([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
    }
  })

  it('an unknown command suggests the nearest one, and only a near one', async () => {
    const typo = await runChatkeep(['exprot'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain("chatkeep: unknown command 'exprot'; did you mean 'export'?")
    expect(typo.stderr).toContain('Usage: chatkeep <command>')

    const far = await runChatkeep(['frobnicate'])
    expect(far.code).toBe(2)
    expect(far.stderr).toContain("chatkeep: unknown command 'frobnicate'\n")

    const action = await runChatkeep(['migrate', 'stauts'])
    expect(action.code).toBe(2)
    expect(action.stderr).toContain("unknown migrate action 'stauts'; did you mean 'status'?")
  })

  it('takes a typo as one or two edits, a swap of neighbours as one, a prefix as a match', () => {
    const names = ['serve', 'migrate', 'backup', 'restore', 'export', 'import', 'stats']
    expect(nearest('serv', names)).toBe('serve')
    expect(nearest('mirgate', names)).toBe('migrate')
    expect(nearest('MIGRATE', names)).toBe('migrate')
    expect(nearest('restroe', names)).toBe('restore')
    expect(nearest('mig', names)).toBe('migrate')
    expect(nearest('stat', names)).toBe('stats')
    expect(nearest('xyz', names)).toBeUndefined()
    expect(nearest('portex', names)).toBeUndefined()
  })
})
