#!/usr/bin/env node
// Runs the compiled CLI. `npm ci` (or `npm install`) builds dist/ in a checkout; after editing
// src/, `npm run build` brings it up to date.
import { existsSync } from 'node:fs'
import { URL } from 'node:url'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (existsSync(main)) {
  await import(main.href)
} else {
  process.stderr.write(
    'error: chatkeep is not built yet (no dist/); run `npm ci` or `npm run build` first.\n',
  )
  process.exitCode = 1
}
