import { execFile } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './support/cli.js'
import { createTestDatabase, type TestDatabase } from './support/engines.js'
import { readmeBlock } from './support/readme.js'

/**
 * Chatkeep as a user installs it: built afresh from src/ (never the checkout's dist/, which may
 * be stale), packed by npm with package.json's `files` and `exports`, unpacked into an app's
 * node_modules. Its dependencies are this checkout's node_modules.
 */
const RECORDER = join(ROOT, 'test/support/record-modules.mjs')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

async function mustRun(command: string, args: string[], cwd: string): Promise<void> {
  const result = await run(command, args, cwd)
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`)
}

let dir: string
/** The app that depends on chatkeep: the tests' scripts run here. */
let app: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chatkeep-package-'))
  const pkg = join(dir, 'pkg')
  await mustRun(
    process.execPath,
    [TSC, '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')],
    ROOT,
  )
  for (const file of ['package.json', 'README.md', 'bin', 'console']) {
    cpSync(join(ROOT, file), join(pkg, file), { recursive: true })
  }
  await mustRun('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], pkg)
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!
  app = join(dir, 'app')
  mkdirSync(join(app, 'node_modules'), { recursive: true })
  await mustRun('tar', ['-xzf', join(dir, tarball), '-C', join(app, 'node_modules')], dir)
  renameSync(join(app, 'node_modules/package'), join(app, 'node_modules/chatkeep'))
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules/chatkeep/node_modules'))
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', type: 'module', private: true }),
  )
}, 240_000)

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** Runs a script in the app with plain node, recording the modules it loads. */
async function node(name: string, code: string, env: Record<string, string> = {}) {
  writeFileSync(join(app, name), code)
  const modules = join(dir, `${name}.modules`)
  const result = await run(process.execPath, ['--import', RECORDER, name], app, {
    CHATKEEP_RECORD_MODULES: modules,
    ...env,
  })
  const loaded = readFileSync(modules, 'utf8').split('\n').filter(Boolean)
  const uses = (pkg: string) => loaded.some((url) => url.includes(`/node_modules/${pkg}/`))
  return { ...result, uses }
}

describe('the packed package', () => {
  it("runs the README's library example as plain JavaScript", async () => {
    const example = readmeBlock('js', "from 'chatkeep'")
    const result = await node('example.mjs', example)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("[ 'user: Hi', 'assistant: Hello!' ]")
  })

  it('serves from chatkeep/server, and neither it nor chatkeep loads pg or ioredis on SQLite', async () => {
    const result = await node(
      'sqlite-app.mjs',
      `import { openStore } from 'chatkeep'
import { AuthService, buildApp } from 'chatkeep/server'
const store = await openStore({ database_url: ':memory:', migrate: true })
const auth = await AuthService.open(store, { access_token_ttl_s: 900, refresh_token_ttl_s: 3600 })
const app = await buildApp({ store, auth })
const answer = await app.inject({ method: 'GET', url: '/healthz' })
console.log(answer.statusCode)
await app.close()
await store.close()
`,
    )
    expect(result).toMatchObject({ code: 0, stdout: '200\n', stderr: '' })
    expect(result.uses('fastify')).toBe(true)
    expect(result.uses('pg')).toBe(false)
    expect(result.uses('ioredis')).toBe(false)
  })

  describe('and loads them when asked for', () => {
    let database: TestDatabase
    beforeAll(async () => {
      database = await createTestDatabase('postgres')
    })
    afterAll(async () => {
      await database?.drop()
    })

    it('pg for a PostgreSQL URL, ioredis for a Redis URL', async () => {
      const result = await node(
        'postgres-app.mjs',
        `import { startServer } from 'chatkeep/server'
const server = await startServer({
  store_config: { database_url: process.env.DB },
  server_config: { port: 0, log_level: 'silent', redis_url: 'redis://127.0.0.1:6379' },
})
console.log((await fetch(server.url + '/healthz')).status)
await server.close()
`,
        { DB: database.database_url },
      )
      expect(result).toMatchObject({ code: 0, stdout: '200\n', stderr: '' })
      expect(result.uses('pg')).toBe(true)
      expect(result.uses('ioredis')).toBe(true)
    })
  })

  it('is typed: chatkeep and chatkeep/server resolve to declarations that check', async () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    )
    writeFileSync(
      join(app, 'check.ts'),
      `import { openStore, type Store } from 'chatkeep'
import { AuthService, buildApp, startServer, type RunningServer } from 'chatkeep/server'

export async function check(): Promise<void> {
  const store: Store = await openStore({ database_url: ':memory:' })
  const auth = await AuthService.open(store, { access_token_ttl_s: 900, refresh_token_ttl_s: 60 })
  const app = await buildApp({ store, auth })
  await app.inject({ method: 'GET', url: '/healthz' })
  // @ts-expect-error: buildApp takes a store, not something else
  await buildApp({ stor: store, auth })
  const server: RunningServer = await startServer({ store_config: {}, server_config: { port: 0 } })
  const url: string = server.url
  // @ts-expect-error: the url is a string
  const port: boolean = server.url
  console.log(url, port)
}
`,
    )
    const result = await run(process.execPath, [TSC, '-p', app], app)
    expect(result.stdout + result.stderr).toBe('')
    expect(result.code).toBe(0)
  })
})
