import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ERROR_CODES } from '../../src/index.js'
import { type RunningServer, startServer } from '../../src/server/serve.js'
import { ROOT } from '../support/cli.js'
import { readmeBlock } from '../support/readme.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'

/**
 * The Python client (clients/python/chatkeep.py) runs its unittest suite against a real server
 * on each engine. Python runs with -S (no site-packages): the client needs nothing but the
 * standard library. Without python3 these tests say so and skip; CI sets
 * CHATKEEP_REQUIRE_PYTHON=1, so there a missing python3 fails instead.
 */
const PYTHON = 'python3'
const CLIENT_DIR = join(ROOT, 'clients/python')
const version = spawnSync(
  PYTHON,
  ['-S', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
  {
    encoding: 'utf8',
  },
)
const found = version.status === 0 ? version.stdout.trim() : undefined
const [major = 0, minor = 0] = (found ?? '0.0').split('.').map(Number)
const usable = major === 3 && minor >= 9
const required = process.env.CHATKEEP_REQUIRE_PYTHON === '1'
const WHY_MISSING = found
  ? `python3 is ${found}; the Python client needs 3.9 or later, so its tests did not run here`
  : 'python3 is not on PATH, so the Python client (clients/python) was not tested here'

function python(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      PYTHON,
      ['-S', ...args],
      {
        cwd: CLIENT_DIR,
        // No __pycache__ left in the checkout.
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), output: stdout + stderr }),
    )
  })
}

/** Skips (saying why) or, with CHATKEEP_REQUIRE_PYTHON=1, fails when python3 is not usable. */
function needPython(ctx: { skip: (note?: string) => void }) {
  if (usable) return
  if (required) throw new Error(`${WHY_MISSING} (CHATKEEP_REQUIRE_PYTHON=1).`)
  console.warn(`${WHY_MISSING}.`)
  ctx.skip(WHY_MISSING)
}

test('the Python client knows every error code of the server, with its status', async (ctx) => {
  needPython(ctx)
  const { code, output } = await python([
    '-c',
    'import json, chatkeep; print(json.dumps(chatkeep.ERROR_CODES))',
  ])
  expect(code, output).toBe(0)
  expect(JSON.parse(output)).toEqual(ERROR_CODES)
})

for (const engine of ENGINES) {
  describe(`the Python client against the server [${engine}]`, () => {
    let database: TestDatabase
    let server: RunningServer
    let transcripts: string

    beforeAll(async () => {
      if (!usable) return
      database = await createTestDatabase(engine)
      transcripts = mkdtempSync(join(tmpdir(), 'chatkeep-python-transcripts-'))
      server = await startServer({
        store_config: { database_url: database.database_url, transcript_dir: transcripts },
        server_config: {
          port: 0,
          log_level: 'silent',
          jwt_secret: 'python-client-test-secret-of-at-least-32-characters',
          rate_limit_per_minute: 100_000,
          auth_rate_limit_per_minute: 100_000,
        },
      })
    })
    afterAll(async () => {
      await server?.close()
      await database?.drop()
      if (transcripts !== undefined) rmSync(transcripts, { recursive: true, force: true })
    })

    test('python -m unittest test_chatkeep passes, none skipped', async (ctx) => {
      needPython(ctx)
      const { code, output } = await python(['-m', 'unittest', '-v', 'test_chatkeep'], {
        CHATKEEP_URL: server.url,
      })
      expect(code, output).toBe(0)
      expect(output).toMatch(/^OK$/m)
      expect(output).not.toContain('skipped')
      expect(Number(/^Ran (\d+) tests?/m.exec(output)?.[1])).toBeGreaterThanOrEqual(15)
    })

    test("README's 'Use it from Python' runs as written (but for the server's address)", async (ctx) => {
      needPython(ctx)
      const example = readmeBlock('python', 'from chatkeep import')
      expect(example).toContain('http://127.0.0.1:8080')
      const { code, output } = await python([
        '-c',
        example.replace('http://127.0.0.1:8080', server.url),
      ])
      expect(code, output).toBe(0)
      expect(output).toBe('user: Hi\nassistant: Hello!\n1 hit\n# Trip\nnot_found 404 False\n')
    })
  })
}
