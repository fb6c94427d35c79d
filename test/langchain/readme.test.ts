import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { readmeBlock } from '../support/readme.js'

/**
 * README's "Use it from LangChain.js" runs as written with plain node, from an app of its own
 * with chatkeep (a link to this built package) and @langchain/core installed; and the built
 * declarations of chatkeep/langchain type-check in such an app.
 */

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** An app folder with chatkeep and @langchain/core in its node_modules, and `files` in it. */
function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-readme-langchain-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'chatkeep'), 'dir')
  symlinkSync(join(ROOT, 'node_modules/@langchain'), join(dir, 'node_modules/@langchain'), 'dir')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const CHECK = `import { openStore } from 'chatkeep'
import { createClient } from 'chatkeep/client'
import { ChatkeepChatMessageHistory } from 'chatkeep/langchain'
import { BaseListChatMessageHistory } from '@langchain/core/chat_history'

export async function check(): Promise<BaseListChatMessageHistory[]> {
  const store = await openStore({ database_url: ':memory:' })
  const client = createClient({ base_url: 'http://127.0.0.1:8080' })
  const conversation_id = 'c'
  // @ts-expect-error: the source is a store or a client, not a URL
  new ChatkeepChatMessageHistory({ source: 'http://127.0.0.1:8080', conversation_id })
  return [
    new ChatkeepChatMessageHistory({ source: store.forUser('u'), conversation_id, last_n: 20 }),
    new ChatkeepChatMessageHistory({ source: client, conversation_id }),
  ]
}
`

test('chatkeep/langchain is typed: a store or a client is a source, anything else is not', async () => {
  expect(existsSync(join(ROOT, 'dist/langchain/index.d.ts')), 'run `npm run build` first').toBe(
    true,
  )
  const compilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: 'es2022',
    module: 'nodenext',
    types: [],
  }
  const dir = app({
    'check.mts': CHECK,
    'tsconfig.json': JSON.stringify({ compilerOptions, files: ['check.mts'] }),
  })
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
  const result = await run(process.execPath, [tsc, '-p', dir])
    .catch((error: { stdout: string }) => ({ stdout: error.stdout }))
    .finally(() => rmSync(dir, { recursive: true, force: true }))
  expect(result.stdout).toBe('')
})

test("the README's LangChain.js example runs and stores the turns in Chatkeep", async () => {
  expect(existsSync(join(ROOT, 'dist/langchain/index.js')), 'run `npm run build` first').toBe(true)
  const dir = app({ 'app.mjs': readmeBlock('js', "from 'chatkeep/langchain'") })
  const { stdout, stderr } = await run(process.execPath, ['app.mjs'], { cwd: dir }).finally(() =>
    rmSync(dir, { recursive: true, force: true }),
  )
  expect(stderr).toBe('')
  expect(stdout).toBe('user: Hello\nassistant: Bonjour !\nuser: Goodbye\nassistant: Au revoir !\n')
})
