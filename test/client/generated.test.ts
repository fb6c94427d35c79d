import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import {
  CLIENT_GENERATE_COMMAND,
  CLIENT_TYPES_PATH,
  renderClientTypes,
} from '../../scripts/client-types.js'

test("the client's committed types are what the server's OpenAPI document generates now", async () => {
  const committed = readFileSync(CLIENT_TYPES_PATH, 'utf8')
  const current = await renderClientTypes()
  const fresh = join(mkdtempSync(join(tmpdir(), 'chatkeep-client-types-')), 'openapi.ts')
  writeFileSync(fresh, current)
  expect(
    committed === current,
    `src/client/generated/openapi.ts is out of date with the server's routes (a fresh one is ${fresh}): run \`${CLIENT_GENERATE_COMMAND}\` and commit the result.`,
  ).toBe(true)
  expect(committed).toContain("'/v1/conversations/{id}/messages'")
})
