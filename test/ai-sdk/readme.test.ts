import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { readmeBlock } from '../support/readme.js'

/**
 * README's "Use it from the AI SDK" runs as written with plain node, from an app of its own with
 * chatkeep (a link to this built package) and ai installed.
 */

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

test("the README's AI SDK example runs, stores the chat and the streamed answer", async () => {
  expect(existsSync(join(ROOT, 'dist/ai-sdk/index.js')), 'run `npm run build` first').toBe(true)
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-readme-ai-sdk-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'chatkeep'), 'dir')
  symlinkSync(join(ROOT, 'node_modules/ai'), join(dir, 'node_modules/ai'), 'dir')
  writeFileSync(join(dir, 'app.mjs'), readmeBlock('js', "from 'chatkeep/ai-sdk'"))
  const { stdout, stderr } = await run(process.execPath, ['app.mjs'], { cwd: dir }).finally(() =>
    rmSync(dir, { recursive: true, force: true }),
  )
  expect(stderr).toBe('')
  const [first, ...rest] = stdout.split('\n')
  expect(first).toBe('complete 8')
  const loaded = rest.join('\n')
  expect(loaded).toContain("id: 'u1'")
  expect(loaded).toContain("id: 'a1'")
  expect(loaded).toContain("role: 'assistant'")
})
