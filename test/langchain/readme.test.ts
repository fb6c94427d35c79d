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
 * with chatkeep (a link to this built package) and @langchain/core installed.
 */

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

test("the README's LangChain.js example runs and stores the turns in Chatkeep", async () => {
  expect(existsSync(join(ROOT, 'dist/langchain/index.js')), 'run `npm run build` first').toBe(true)
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-readme-langchain-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'chatkeep'), 'dir')
  symlinkSync(join(ROOT, 'node_modules/@langchain'), join(dir, 'node_modules/@langchain'), 'dir')
  writeFileSync(join(dir, 'app.mjs'), readmeBlock('js', "from 'chatkeep/langchain'"))
  const { stdout, stderr } = await run(process.execPath, ['app.mjs'], { cwd: dir }).finally(() =>
    rmSync(dir, { recursive: true, force: true }),
  )
  expect(stderr).toBe('')
  expect(stdout).toBe('user: Hello\nassistant: Bonjour !\nuser: Goodbye\nassistant: Au revoir !\n')
})
