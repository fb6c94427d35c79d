import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../src/server/serve.js'
import { readmeBlock } from './support/readme.js'

/** The README's curl walkthrough, as a reader pastes it. */
const WALKTHROUGH = readmeBlock('sh', 'API=http://127.0.0.1:8080')

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs shell text with bash, stopping at the first failing command (as `set -e` does). */
function bash(script: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', '-c', script],
      // `node` (the json helper) is the one running these tests.
      {
        env: {
          ...process.env,
          PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
        },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe("the README's curl walkthrough", () => {
  let dir: string
  let server: RunningServer
  let script: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chatkeep-readme-'))
    server = await startServer({
      store_config: { database_url: join(dir, 'chatkeep.db'), transcript_dir: join(dir, 't') },
      server_config: { port: 0, log_level: 'silent' },
    })
    // The one line that names the server: the walkthrough talks to this one instead.
    script = WALKTHROUGH.replace(/^API=http:\/\/127\.0\.0\.1:8080$/m, `API=${server.url}`)
    expect(script, 'the walkthrough sets API=http://127.0.0.1:8080 on a line of its own').not.toBe(
      WALKTHROUGH,
    )
  })

  afterAll(async () => {
    await server?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  /** What the three printing curls answered: two appended messages, then the context window. */
  function answers(run: Run) {
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  }

  it('runs as written, and again: the second time ada logs in', async () => {
    for (const time of ['first', 'second']) {
      const [user, assistant, window] = answers(await bash(script))
      expect(user, time).toMatchObject({ role: 'user', content: 'Hi', sequence: 1 })
      expect(assistant, time).toMatchObject({ role: 'assistant', content: 'Hello!', sequence: 2 })
      const data = (window as { data: { content: string }[] }).data
      expect(data.map((m) => m.content)).toEqual(['Hi', 'Hello!'])
    }
  })

  it('stops with the answer when a field is not there, instead of going on with "undefined"', async () => {
    const helper = /^json\(\) \{\n[\s\S]*?\n\}$/m.exec(WALKTHROUGH)?.[0]
    expect(helper, 'the walkthrough defines json() { … }').toBeDefined()
    const missing = await bash(`${helper}\nTOKEN=$(echo '{"status":409}' | json access_token)`)
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('no access_token in the answer: {"status":409}')
    const notJson = await bash(`${helper}\necho 'Bad Gateway' | json id`)
    expect(notJson.code).not.toBe(0)
    expect(notJson.stderr).toContain('no id in the answer: Bad Gateway')
    const found = await bash(`${helper}\necho '{"id":"c-1"}' | json id`)
    expect(found).toEqual({ code: 0, stdout: 'c-1\n', stderr: '' })
  })
})
