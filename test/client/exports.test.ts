import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, test } from 'vitest'

/**
 * Each entry point of the built package (dist, as npm would install it) loads what it needs and
 * nothing else: the client none of the server, the drivers or Node's modules, the library none
 * of the client nor of the optional peer @langchain/core, which only chatkeep/langchain loads.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DIST = pathToFileURL(join(ROOT, 'dist')).href
const MODULES = pathToFileURL(join(ROOT, 'node_modules')).href

/** Resolve hooks that write down every module URL the entry point loads. */
const HOOKS = `
import { appendFileSync } from 'node:fs'
let file
export function initialize(data) { file = data.file }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(file, resolved.url + '\\n')
  return resolved
}
`

/** The URLs of the modules that `import(specifier)` loads, in a fresh Node process. */
function loadedBy(specifier: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-exports-'))
  const file = join(dir, 'loaded.txt')
  writeFileSync(file, '')
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS)
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)}, { data: { file: ${JSON.stringify(file)} } })\n`,
  )
  execFileSync(
    process.execPath,
    [
      '--import',
      join(dir, 'register.mjs'),
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(specifier)})`,
    ],
    { cwd: ROOT, stdio: 'pipe' },
  )
  return [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))]
}

const relative = (url: string) =>
  url.startsWith(DIST)
    ? `dist${url.slice(DIST.length)}`
    : url.startsWith(MODULES)
      ? url.slice(MODULES.length + 1)
      : url

describe('package entry points', () => {
  beforeAll(() => {
    for (const entry of ['client', 'langchain', 'ai-sdk']) {
      if (!existsSync(join(ROOT, `dist/${entry}/index.js`))) {
        throw new Error(
          `dist/ has no ${entry}: run \`npm run build\` first (CI builds before testing).`,
        )
      }
    }
  })

  test("chatkeep/client loads the client, its errors and openapi-fetch, and nothing of Node's", () => {
    const loaded = loadedBy('chatkeep/client').map(relative)
    expect(loaded).toContain('dist/client/index.js')
    expect(loaded).toContain('dist/errors.js')
    expect(loaded.some((url) => url.startsWith('openapi-fetch/'))).toBe(true)
    const outside = loaded.filter(
      (url) =>
        !url.startsWith('dist/client/') &&
        !['dist/errors.js', 'dist/lib/backoff.js'].includes(url) &&
        !/^openapi-(fetch|typescript-helpers)\//.test(url),
    )
    expect(outside, 'modules chatkeep/client should not load').toEqual([])
  })

  test("import 'chatkeep' loads the library, never the client nor an adapter's peer", () => {
    const loaded = loadedBy('chatkeep').map(relative)
    expect(loaded).toContain('dist/index.js')
    expect(
      loaded.filter(
        (url) =>
          url.startsWith('dist/client/') ||
          url.startsWith('dist/langchain/') ||
          url.startsWith('dist/ai-sdk/') ||
          url.includes('openapi-fetch') ||
          url.startsWith('@langchain/') ||
          url.startsWith('ai/'),
      ),
    ).toEqual([])
  })

  test('chatkeep/langchain loads @langchain/core and the history, not the server or drivers', () => {
    const loaded = loadedBy('chatkeep/langchain').map(relative)
    expect(loaded).toContain('dist/langchain/index.js')
    expect(loaded.some((url) => url.startsWith('@langchain/core/'))).toBe(true)
    const ours = loaded.filter((url) => url.startsWith('dist/'))
    expect(
      ours.filter(
        (url) =>
          !url.startsWith('dist/langchain/') &&
          !['dist/errors.js', 'dist/lib/backoff.js', 'dist/schemas/limits.js'].includes(url),
      ),
      'modules of chatkeep chatkeep/langchain should not load',
    ).toEqual([])
  })

  test('chatkeep/ai-sdk loads the adapter alone: `ai` is only its types', () => {
    const loaded = loadedBy('chatkeep/ai-sdk').map(relative)
    expect(loaded).toContain('dist/ai-sdk/index.js')
    expect(
      loaded.filter((url) => !url.startsWith('dist/ai-sdk/') && url !== 'dist/schemas/limits.js'),
      'modules chatkeep/ai-sdk should not load',
    ).toEqual([])
  })
})
