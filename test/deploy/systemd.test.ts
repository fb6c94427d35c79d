import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../../src/server/serve.js'
import { CHATKEEP_ENV_NAMES, envFileNames, parseUnit, readRepoFile, unitValue } from './files.js'

/**
 * deploy/systemd: the server's unit, the nightly backup's service and timer, and their env
 * file. `systemd-analyze verify` checks each unit as systemd would load it.
 */

const UNITS = ['chatkeep.service', 'chatkeep-backup.service', 'chatkeep-backup.timer']
const texts = Object.fromEntries(UNITS.map((u) => [u, readRepoFile(`deploy/systemd/${u}`)]))
const units = Object.fromEntries(UNITS.map((u) => [u, parseUnit(texts[u]!)]))
const server = units['chatkeep.service']!
const backup = units['chatkeep-backup.service']!
const ENV_FILE = 'deploy/systemd/chatkeep.env.example'

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' })
const HAVE_ANALYZE = analyze.status === 0
if (!HAVE_ANALYZE) {
  console.warn(
    'systemd-analyze is not installed here: the systemd units were NOT verified ' +
      '(install systemd to run those tests).',
  )
}
// The units systemd ships: verify loads the targets ours are ordered against from them.
const HOST_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(d))
if (HAVE_ANALYZE && HOST_UNITS === undefined) {
  console.warn(
    "systemd-analyze is here but systemd's own units are not (/usr/lib/systemd/system): " +
      'the systemd units were NOT verified.',
  )
}

function seconds(value: string): number {
  const match = /^(\d+)(s|min)?$/.exec(value)
  if (match === null) throw new Error(`write ${value} as Ns or Nmin`)
  return Number(match[1]) * (match[2] === 'min' ? 60 : 1)
}

const roots: string[] = []
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

/**
 * A root file system holding the host's own units, the units given and, as the install would,
 * an executable at each ExecStart path, so that verify checks the unit files as they are.
 */
function installRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'chatkeep-systemd-'))
  roots.push(root)
  cpSync(HOST_UNITS!, join(root, 'usr/lib/systemd/system'), { recursive: true })
  symlinkSync('usr/lib', join(root, 'lib'))
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true })
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(root, 'etc/systemd/system', name), text)
    for (const exec of parseUnit(text).get('Service')?.get('ExecStart') ?? []) {
      const program = join(root, exec.split(/\s+/)[0]!)
      mkdirSync(dirname(program), { recursive: true })
      writeFileSync(program, '#!/bin/sh\n')
      chmodSync(program, 0o755)
    }
  }
  return root
}

/** What `systemd-analyze verify` says about our units: every line that names one. */
function verify(files: Record<string, string>): { status: number | null; about: string[] } {
  const root = installRoot(files)
  const run = spawnSync(
    'systemd-analyze',
    ['verify', '--man=no', `--root=${root}`, ...Object.keys(files)],
    { encoding: 'utf8', cwd: join(root, 'etc/systemd/system') },
  )
  const lines = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '')
  const about = lines.filter((l) => l.includes('chatkeep'))
  const other = lines.filter((l) => !l.includes('chatkeep'))
  if (other.length > 0)
    console.warn(`systemd-analyze verify, about other units:\n${other.join('\n')}`)
  return { status: run.status, about }
}

describe('systemd units', () => {
  it.runIf(HAVE_ANALYZE && HOST_UNITS !== undefined)(
    'pass systemd-analyze verify without a single warning',
    () => {
      expect(verify(texts)).toEqual({ status: 0, about: [] })
    },
  )

  it.runIf(HAVE_ANALYZE && HOST_UNITS !== undefined)(
    'would be caught by that check if they had a mistake',
    () => {
      const broken = texts['chatkeep.service']!.replace(
        '[Service]\n',
        '[Service]\nRestart=sometimes\n',
      )
      const { about } = verify({ 'chatkeep.service': broken })
      expect(about.join('\n')).toMatch(/chatkeep\.service:\d+: Failed to parse service restart/)
    },
  )

  it.runIf(HAVE_ANALYZE && HOST_UNITS !== undefined)(
    'rate as well hardened by systemd-analyze security (exposure 2.0 at most)',
    () => {
      const root = installRoot(texts)
      for (const unit of ['chatkeep.service', 'chatkeep-backup.service']) {
        const run = spawnSync(
          'systemd-analyze',
          ['security', '--offline=yes', `--root=${root}`, '--no-pager', unit],
          { encoding: 'utf8', cwd: join(root, 'etc/systemd/system') },
        )
        const level = /Overall exposure level for \S+: ([\d.]+)/.exec(run.stdout)
        expect(level, `${run.stdout}${run.stderr}`).not.toBeNull()
        console.log(`systemd-analyze security ${unit}: exposure ${level![1]}`)
        expect(Number(level![1])).toBeLessThanOrEqual(2)
      }
    },
  )

  it('run `chatkeep serve` as a dedicated user, restarted on failure', () => {
    expect(unitValue(server, 'Service', 'ExecStart')).toBe('/opt/chatkeep/bin/chatkeep.js serve')
    expect(unitValue(server, 'Service', 'User')).toBe('chatkeep')
    expect(unitValue(server, 'Service', 'Group')).toBe('chatkeep')
    expect(unitValue(server, 'Service', 'Restart')).toBe('on-failure')
    expect(unitValue(server, 'Install', 'WantedBy')).toBe('multi-user.target')
  })

  it('wait longer for a stop than the server drains requests', () => {
    expect(unitValue(server, 'Service', 'KillSignal')).toBe('SIGTERM')
    const stop = seconds(unitValue(server, 'Service', 'TimeoutStopSec')!)
    expect(stop * 1000).toBeGreaterThan(DEFAULT_SHUTDOWN_GRACE_MS + 5_000)
  })

  it('write only to the state directory, under the same hardening for server and backup', () => {
    const hardening = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ReadWritePaths: '/var/lib/chatkeep',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      CapabilityBoundingSet: '',
      StateDirectory: 'chatkeep',
      WorkingDirectory: '/var/lib/chatkeep',
      EnvironmentFile: '/etc/chatkeep/chatkeep.env',
    }
    for (const unit of [server, backup]) {
      for (const [key, value] of Object.entries(hardening)) {
        expect(unitValue(unit, 'Service', key), key).toBe(value)
      }
    }
    const serverKeys = [...server.get('Service')!].filter(
      ([k]) => !/^(Exec|Restart|Kill|Timeout|Type)/.test(k),
    )
    const backupService = backup.get('Service')!
    for (const [key, values] of serverKeys) {
      expect(backupService.get(key), key).toEqual(values)
    }
  })

  it('back up nightly with `chatkeep backup`, catching up a missed night', () => {
    expect(unitValue(backup, 'Service', 'Type')).toBe('oneshot')
    expect(unitValue(backup, 'Service', 'ExecStart')).toBe('/opt/chatkeep/bin/chatkeep.js backup')
    const timer = units['chatkeep-backup.timer']!
    expect(unitValue(timer, 'Timer', 'OnCalendar')).toBe('*-*-* 03:00:00')
    expect(unitValue(timer, 'Timer', 'Persistent')).toBe('true')
    // No Unit=: a timer starts the service of its own name.
    expect(unitValue(timer, 'Timer', 'Unit')).toBeUndefined()
  })
})

describe(ENV_FILE, () => {
  const env = envFileNames(ENV_FILE)

  it('sets only variables Chatkeep reads, secrets left empty', () => {
    expect(Object.keys(env).filter((n) => !CHATKEEP_ENV_NAMES.has(n))).toEqual([])
    expect(env.JWT_SECRET).toBe('')
    expect(env.ENCRYPTION_KEYS).toBe('')
  })

  it('keeps transcripts and backups where the unit lets the server write', () => {
    const writable = unitValue(server, 'Service', 'ReadWritePaths')!
    for (const name of ['TRANSCRIPT_DIR', 'BACKUP_DIR']) {
      expect(env[name]!.startsWith(`${writable}/`), name).toBe(true)
    }
  })
})
