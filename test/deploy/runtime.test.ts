import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  execForm,
  flags,
  instructions,
  parseDockerfile,
  parseUnit,
  readRepoFile,
  ROOT,
  stageEnv,
} from './files.js'

/**
 * What the image runs, run here without a Docker engine: the build stage's files copied as its
 * COPY lines say, deploy/assemble.sh run over them (the repository's node_modules stand in for
 * the stage's `npm ci`, from the same lock file), then the runtime stage's command started in
 * the assembled tree with the stage's environment, /data mapped to a temporary folder and, when
 * this runs as root, as an unprivileged user, as USER does. Under strace when it is installed,
 * so that the syscalls the server makes can be checked against the systemd unit's filter.
 */

const stages = parseDockerfile(readRepoFile('Dockerfile'))
const build = stages.find((s) => s.name === 'build')!
const runtime = stages.at(-1)!
const healthcheck = execForm(
  flags(instructions(runtime, 'HEALTHCHECK')[0]!.args).rest.replace(/^CMD /, ''),
)!
const command = [
  ...execForm(instructions(runtime, 'ENTRYPOINT').at(-1)!.args)!,
  ...execForm(instructions(runtime, 'CMD').at(-1)!.args)!,
]
const VOLUME = execForm(instructions(runtime, 'VOLUME').at(-1)!.args)![0]!

const AS_ROOT = process.getuid?.() === 0
/** Who the server runs as: `nobody` when this runs as root, as USER makes the image do. */
const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout)
const USER = AS_ROOT ? { name: 'nobody', uid: id('-u'), gid: id('-g') } : undefined
const asUser = () => (USER === undefined ? {} : { uid: USER.uid, gid: USER.gid })
const STRACE = spawnSync('strace', ['-V']).status === 0
const ANALYZE = spawnSync('systemd-analyze', ['--version']).status === 0
if (USER === undefined)
  console.warn('Not root: the server runs as this user, not an unprivileged one.')
if (!STRACE || !ANALYZE) {
  console.warn(
    'strace or systemd-analyze is not installed here: the systemd unit’s SystemCallFilter and ' +
      'RestrictAddressFamilies were NOT checked against the syscalls the server makes.',
  )
}

const work = mkdtempSync(join(tmpdir(), 'chatkeep-runtime-'))
const context = join(work, 'context')
const app = join(work, 'app')
const data = join(work, 'data')
const trace = join(work, 'strace.txt')

/**
 * The node the server runs with: this one, or a copy in the work folder when the unprivileged
 * user cannot execute this one (a Node installed under /root, as CI installs 22 and 24); the
 * image has its node in /usr/local/bin, where every user reaches it.
 */
let node = process.execPath
let assembled: { status: number | null; output: string; seconds: number }
let server: ChildProcess
let output = ''
let port = 0

/** The runtime stage's environment, /data moved to the temporary folder; nothing else. */
function containerEnv(): Record<string, string> {
  const env = Object.fromEntries(
    [...stageEnv(runtime)].map(([name, value]) => [name, value.replace(VOLUME, data)]),
  )
  return { ...env, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: data }
}

function runHealthcheck(): number | null {
  const [, ...args] = healthcheck
  return spawnSync(node, args, {
    env: { ...containerEnv(), PORT: String(port) },
    timeout: 10_000,
    ...asUser(),
  }).status
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

/** The node process: the server itself, or strace's child when it runs under strace. */
function serverPid(): number {
  if (!STRACE) return server.pid!
  const tasks = readdirSync(`/proc/${server.pid}/task`)
  const children = tasks.flatMap((t) =>
    readFileSync(`/proc/${server.pid}/task/${t}/children`, 'utf8').trim().split(/\s+/),
  )
  return Number(children.find((c) => c !== ''))
}

beforeAll(async () => {
  chmodSync(work, 0o755)
  if (USER !== undefined && spawnSync(node, ['--version'], asUser()).status !== 0) {
    node = join(work, 'node')
    copyFileSync(process.execPath, node)
    chmodSync(node, 0o755)
  }
  for (const copy of instructions(build, 'COPY')) {
    const paths = flags(copy.args).rest.split(/\s+/).slice(0, -1)
    for (const path of paths) cpSync(join(ROOT, path), join(context, path), { recursive: true })
  }
  symlinkSync(join(ROOT, 'node_modules'), join(context, 'node_modules'))
  const started = performance.now()
  const run = spawnSync('sh', ['deploy/assemble.sh', app], { cwd: context, encoding: 'utf8' })
  assembled = {
    status: run.status,
    output: `${run.stdout}${run.stderr}`,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  }
  console.log(`deploy/assemble.sh took ${assembled.seconds} s`)
  if (assembled.status !== 0) return

  mkdirSync(data)
  if (USER !== undefined) chownSync(data, USER.uid, USER.gid)
  // `node bin/chatkeep.js serve`, run from /app (WORKDIR), as `docker run IMAGE serve --port 0`.
  const [program, ...args] = command
  expect(program).toBe('node')
  const argv = [node, ...args, '--port', '0']
  const options = { cwd: app, env: containerEnv() }
  server = STRACE
    ? spawn(
        'strace',
        ['-f', '-qq', '-o', trace, ...(USER ? ['-u', USER.name] : []), ...argv],
        options,
      )
    : spawn(argv[0]!, argv.slice(1), { ...options, ...asUser() })
  server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  await new Promise<void>((resolve, reject) => {
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      const listening = /Chatkeep listening on http:\/\/[^:]+:(\d+)/.exec(output)
      if (listening !== null && port === 0) {
        port = Number(listening[1])
        resolve()
      }
    })
    server.once('exit', () => reject(new Error(`the server exited before listening:\n${output}`)))
  })
}, 300_000)

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    // The node process first: killing strace alone could leave it running, detached.
    if (STRACE) process.kill(serverPid(), 'SIGKILL')
    server.kill('SIGKILL')
    await exited(server)
  }
  rmSync(work, { recursive: true, force: true })
})

describe('the image’s runtime stage, run without Docker', () => {
  it('assembles the npm package with production dependencies only', () => {
    expect(assembled.status, assembled.output).toBe(0)
    expect(existsSync(join(app, 'dist/cli/main.js'))).toBe(true)
    expect(statSync(join(app, 'bin/chatkeep.js')).mode & 0o111).not.toBe(0)
    for (const absent of ['src', 'tsconfig.json', 'deploy', 'test']) {
      expect(existsSync(join(app, absent)), absent).toBe(false)
    }
    const pkg = JSON.parse(readRepoFile('package.json')) as {
      dependencies: Record<string, string>
    }
    for (const name of Object.keys(pkg.dependencies)) {
      expect(existsSync(join(app, 'node_modules', name)), name).toBe(true)
    }
    for (const dev of ['typescript', 'vitest', 'eslint', 'tsx', 'prettier', 'fast-check']) {
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false)
    }
  })

  it('starts, is ready on SQLite in the data folder, and serves a write', async () => {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
    const body = (await ready.json()) as { status: string; database: { engine: string } }
    expect([ready.status, body.status, body.database.engine]).toEqual([200, 'ready', 'sqlite'])
    const register = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: 'correct horse battery' }),
    })
    expect(register.status).toBe(201)
    const database = join(data, 'chatkeep.db')
    expect(existsSync(database)).toBe(true)
    if (USER !== undefined) expect(statSync(database).uid).toBe(USER.uid)
  })

  it('passes the HEALTHCHECK command while it runs', () => {
    expect(runHealthcheck()).toBe(0)
  })

  it('drains and exits 0 on SIGTERM, after which the HEALTHCHECK fails', async () => {
    process.kill(serverPid(), 'SIGTERM')
    expect(await exited(server)).toBe(0)
    expect(output).toContain('SIGTERM: finishing the requests in flight, then stopping.')
    expect(output).toContain('Chatkeep stopped.')
    expect(runHealthcheck()).toBe(1)
  })

  it.runIf(STRACE && ANALYZE)('made only syscalls and sockets the systemd unit allows', () => {
    const unit = parseUnit(readRepoFile('deploy/systemd/chatkeep.service')).get('Service')!
    const filters = unit.get('SystemCallFilter')!
    const allowed = new Set(filters.filter((f) => !f.startsWith('~')).flatMap(expandFilter))
    for (const denied of filters
      .filter((f) => f.startsWith('~'))
      .flatMap((f) => expandFilter(f.slice(1)))) {
      allowed.delete(denied)
    }
    const lines = readFileSync(trace, 'utf8').split('\n')
    const used = new Set(lines.flatMap((l) => /^\d+\s+([a-z0-9_]+)\(/.exec(l)?.[1] ?? []))
    const families = new Set(
      lines.flatMap((l) => /^\d+\s+socket\((AF_[A-Z0-9]+)/.exec(l)?.[1] ?? []),
    )
    expect(used.size).toBeGreaterThan(20)
    expect([...used].filter((s) => !allowed.has(s))).toEqual([])
    const families_allowed = unit.get('RestrictAddressFamilies')!.at(-1)!.split(/\s+/)
    expect([...families].filter((f) => !families_allowed.includes(f))).toEqual([])
  })
})

/** The syscalls a SystemCallFilter list names, its @groups expanded by systemd-analyze. */
function expandFilter(list: string): string[] {
  return list.split(/\s+/).flatMap((item) => {
    if (!item.startsWith('@')) return [item]
    const run = spawnSync('systemd-analyze', ['syscall-filter', '--no-pager', item], {
      encoding: 'utf8',
    })
    if (run.status !== 0) throw new Error(`systemd-analyze syscall-filter ${item}: ${run.stderr}`)
    const members = run.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
    return members.flatMap((m) => (m.startsWith('@') ? expandFilter(m) : [m]))
  })
}
