#!/usr/bin/env node
// Runs the compiled CLI. A fresh checkout has no dist/ until `npm run build`.
import { existsSync } from 'node:fs'
import { URL } from 'node:url'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (existsSync(main)) {
  await import(main.href)
} else {
  process.stderr.write('error: chatkeep is not built yet (no dist/); run `npm run build` first.\n')
  process.exitCode = 1
}
