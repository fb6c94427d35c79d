import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  CHATKEEP_ENV_NAMES,
  execForm,
  flags,
  instructions,
  parseDockerfile,
  readRepoFile,
  ROOT,
  stageEnv,
} from './files.js'

/**
 * The Dockerfile, read without a Docker engine (there is none on our machines): its stages, the
 * user, the probe and the entry point. test/deploy/runtime.test.ts runs what the image runs.
 */

const stages = parseDockerfile(readRepoFile('Dockerfile'))
const build = stages.find((s) => s.name === 'build')!
const runtime = stages.at(-1)!

describe('Dockerfile', () => {
  it('builds in one stage and runs from a second that takes only the assembled /app', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime'])
    expect(runtime.base).toBe(build.base)
    const runs = instructions(build, 'RUN').map((i) => i.args)
    // All dependencies, dev ones included (TypeScript builds dist/), from the lock file.
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit'))).toBe(true)
    expect(runs.at(-1)).toBe('deploy/assemble.sh /app')
    const copies = instructions(runtime, 'COPY').map((i) => flags(i.args))
    expect(copies).toEqual([{ flags: new Map([['from', 'build']]), rest: '/app /app' }])
    expect(
      instructions(runtime, 'RUN')
        .map((i) => i.args)
        .join(' '),
    ).not.toMatch(/\bnpm\b/)
  })

  it('runs as an unprivileged user it creates', () => {
    expect(instructions(runtime, 'USER').map((i) => i.args)).toEqual(['chatkeep'])
    const setup = instructions(runtime, 'RUN')
      .map((i) => i.args)
      .join(' ')
    const useradd = /useradd ([^&]*) chatkeep\s*(&&|$)/.exec(setup)
    expect(useradd).not.toBeNull()
    expect(Number(/--uid (\d+)/.exec(useradd![1]!)?.[1])).toBeGreaterThan(0)
    expect(useradd![1]).toContain('--shell /usr/sbin/nologin')
  })

  it('checks readiness on /readyz, in exec form, on the port PORT gives', () => {
    const [healthcheck, ...more] = instructions(runtime, 'HEALTHCHECK')
    expect(more).toEqual([])
    const { flags: options, rest } = flags(healthcheck!.args)
    expect([...options.keys()].sort()).toEqual(['interval', 'retries', 'start-period', 'timeout'])
    expect(rest.startsWith('CMD ')).toBe(true)
    const command = execForm(rest.slice('CMD '.length))!
    expect(command.slice(0, 2)).toEqual(['node', '-e'])
    expect(command[2]).toContain("process.env.PORT + '/readyz'")
    expect(stageEnv(runtime).get('PORT')).toBe('8080')
    expect(instructions(runtime, 'EXPOSE').map((i) => i.args)).toEqual(['8080'])
  })

  it('starts `chatkeep serve` as PID 1 in exec form, so SIGTERM reaches node', () => {
    const entrypoint = execForm(instructions(runtime, 'ENTRYPOINT').at(-1)!.args)
    const cmd = execForm(instructions(runtime, 'CMD').at(-1)!.args)
    expect(entrypoint).toEqual(['node', 'bin/chatkeep.js'])
    expect(cmd).toEqual(['serve'])
    expect(instructions(runtime, 'WORKDIR').at(-1)!.args).toBe('/app')
    expect(instructions(runtime, 'STOPSIGNAL')).toEqual([])
  })

  it('listens on every interface and keeps everything it writes on the /data volume', () => {
    const env = stageEnv(runtime)
    expect(env.get('HOST')).toBe('0.0.0.0')
    expect(execForm(instructions(runtime, 'VOLUME').at(-1)!.args)).toEqual(['/data'])
    for (const name of ['DATABASE_URL', 'TRANSCRIPT_DIR', 'BACKUP_DIR']) {
      expect(env.get(name), name).toMatch(/^\/data\//)
    }
    const setup = instructions(runtime, 'RUN')
      .map((i) => i.args)
      .join(' ')
    expect(setup).toContain('chown chatkeep:chatkeep /data')
  })

  it('sets only variables Chatkeep reads, and no secret', () => {
    const names = [...stageEnv(runtime).keys(), ...stageEnv(build).keys()]
    expect(names.filter((n) => !CHATKEEP_ENV_NAMES.has(n))).toEqual([])
    expect(names).not.toContain('JWT_SECRET')
    expect(names).not.toContain('ENCRYPTION_KEYS')
    expect(stages.flatMap((s) => instructions(s, 'ARG')).map((i) => i.args)).toEqual([])
  })
})

describe('.dockerignore', () => {
  const lines = readRepoFile('.dockerignore')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
  const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1))
  const copied = instructions(build, 'COPY').flatMap((i) => {
    const parts = flags(i.args).rest.split(/\s+/)
    return parts.slice(0, -1)
  })

  it('sends nothing but what the build stage copies, and every file of it exists', () => {
    expect(lines[0]).toBe('*')
    expect(allowed.sort()).toEqual(copied.map((p) => p.replace(/^\.\//, '')).sort())
    for (const path of allowed) expect(existsSync(`${ROOT}${path}`), path).toBe(true)
  })

  it('keeps .env files out even inside the folders it lets in', () => {
    const afterAllowed = lines.slice(lines.findLastIndex((l) => l.startsWith('!')) + 1)
    expect(afterAllowed).toContain('**/.env')
  })

  it('lets in everything the npm package is made of, or its sources', () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { files: string[] }
    const sourcesOf: Record<string, string> = { dist: 'src' }
    for (const entry of pkg.files) expect(allowed, entry).toContain(sourcesOf[entry] ?? entry)
  })
})
