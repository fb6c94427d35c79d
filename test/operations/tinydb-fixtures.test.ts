import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from '../support/cli.js'

/**
 * The TinyDB import tests read committed fixtures, so they pass on a machine without Python's
 * TinyDB. This test keeps those files honest: it writes them again with the real library and
 * compares. CI installs Debian's python3-tinydb and sets CHATKEEP_REQUIRE_TINYDB=1, so there a
 * missing library fails instead of skipping.
 */
const PYTHON = '/usr/bin/python3'
const FIXTURES = join(ROOT, 'test/fixtures/tinydb')
const SCRIPT = join(FIXTURES, 'make_fixture.py')
const WHY_MISSING =
  `TinyDB is not importable by ${PYTHON} (apt-get install python3-tinydb), so the committed ` +
  'TinyDB fixtures were not checked against make_fixture.py here'

const hasTinyDb = spawnSync(PYTHON, ['-c', 'import tinydb']).status === 0
const required = process.env.CHATKEEP_REQUIRE_TINYDB === '1'

describe('the committed TinyDB fixtures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-tinydb-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const [file, args] of [
    ['tinydb.json', []],
    ['tinydb-later.json', ['--later']],
  ] as const) {
    const command = ['make_fixture.py', ...args].join(' ')
    it(`${file} is what ${command} writes with the real TinyDB`, (ctx) => {
      if (!hasTinyDb) {
        if (required) throw new Error(`${WHY_MISSING} (CHATKEEP_REQUIRE_TINYDB=1).`)
        console.warn(`${WHY_MISSING}.`)
        ctx.skip(WHY_MISSING)
      }
      const fresh = join(dir, file)
      execFileSync(PYTHON, [SCRIPT, fresh, ...args])
      const read = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'))
      // Compared as data: a TinyDB release that spaces its JSON differently is not drift.
      expect(
        read(join(FIXTURES, file)),
        `regenerate it: ${PYTHON} ${SCRIPT} ${join(FIXTURES, file)} ${args.join(' ')}`,
      ).toEqual(read(fresh))
    })
  }
})
