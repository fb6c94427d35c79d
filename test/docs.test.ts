import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../src/index.js'

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
  const rows = new Map(
    [...doc.matchAll(/^\| `([a-z_]+)`\s*\| (\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])]),
  )

  it('lists every error code with its status, and no code that does not exist', () => {
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES)
  })
})
