import { execFile } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/serve.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'

/**
 * README's "Use it over HTTP from TypeScript" runs as written, from an app of its own that has
 * chatkeep installed (a link to this built package), against a real server: only the server's
 * address is changed, to the port the test got.
 */

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SECTION = '## Use it over HTTP from TypeScript'
const README_URL = 'http://127.0.0.1:8080'

function snippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(SECTION)
  expect(start, `README.md has a "${SECTION}" section`).toBeGreaterThan(-1)
  const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(start))?.[1]
  expect(code, 'the section has a ts block').toBeDefined()
  expect(code).toContain(README_URL)
  return code!
}

/** An app folder with chatkeep in its node_modules, as `npm install chatkeep` would leave it. */
function app(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-readme-client-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'chatkeep'), 'dir')
  writeFileSync(join(dir, 'app.mts'), code)
  return join(dir, 'app.mts')
}

test('the README snippet type-checks against the built package, as a browser would see it', async () => {
  expect(existsSync(join(ROOT, 'dist/client/index.d.ts')), 'run `npm run build` first').toBe(true)
  const file = app(snippet())
  const dir = join(file, '..')
  // No @types/node: the DOM's globals only.
  const compilerOptions = { strict: true, noEmit: true, target: 'es2022', module: 'nodenext' }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { ...compilerOptions, lib: ['es2023', 'dom'], types: [] },
      files: ['app.mts'],
    }),
  )
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
  const result = await run(process.execPath, [tsc, '-p', dir]).catch(
    (error: { stdout: string }) => ({ stdout: error.stdout }),
  )
  expect(result.stdout).toBe('')
})

for (const engine of ENGINES) {
  describe(`README: Use it over HTTP from TypeScript [${engine}]`, () => {
    let database: TestDatabase
    let server: RunningServer
    beforeAll(async () => {
      database = await createTestDatabase(engine)
      server = await startServer({
        store_config: { database_url: database.database_url },
        server_config: { port: 0, log_level: 'silent' },
      })
    })
    afterAll(async () => {
      await server?.close()
      await database?.drop()
    })

    test('runs as written and prints what its comments say', async () => {
      const file = app(snippet().replaceAll(README_URL, server.url))
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: ROOT })
      expect(stdout.trimEnd().split('\n')).toEqual([
        'user: Hi',
        'assistant: Hello!',
        'Trip 2',
        '404 /id',
        'grace',
      ])
    })
  })
}
