import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBenchDatabase } from './databases.js'
import { cannon, type Load, launch, prepare } from './http.js'
import { readOptions } from './options.js'
import { message } from './payloads.js'

/**
 * `npm run bench:profile`: where a request's CPU goes in the default server. For each engine,
 * `chatkeep serve` as it starts with no settings (W5's `defaults`) runs in a child process under
 * V8's sampling profiler while autocannon sends it one load at a time (GET last 20, append, list
 * conversations, search); each sample is charged to a part of the request (see LAYERS), and the
 * table gives each part's share of the server's busy time and its CPU per request.
 * BENCH_ENGINES, BENCH_QUICK and BENCH_PROFILE_LOADS=read,append,list,search choose what runs;
 * BENCH_PROFILE_SERVER=raw profiles W5's baseline (Fastify + the raw driver) instead, for the
 * loads it has; BENCH_PROFILE_TOP=N lists the N functions with the most self time.
 */

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  /** µs on the monotonic clock that process.hrtime reads (the same in every process here). */
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

/** Now on the profiler's clock, µs. */
const now = () => Number(process.hrtime.bigint() / 1000n)

/** The samples taken while the load ran: not the start-up, warm-up or shutdown. */
function within(profile: Profile, from: number, to: number): Profile {
  const samples: number[] = []
  const timeDeltas: number[] = []
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at >= from && at <= to) {
      samples.push(id)
      timeDeltas.push(delta)
    }
  })
  return { ...profile, samples, timeDeltas }
}

/**
 * The parts of a request, each recognized by the source a stack frame comes from. A sample is
 * charged to the outermost frame that belongs to a hook or plugin (the rate-limit hook's counts
 * are the rate limit's, not the database's); failing that, to the innermost frame that belongs
 * to a layer (a route's query is the database's, its own code the service's).
 */
const PLUGINS: [string, RegExp][] = [
  ['rate limit', /src\/server\/plugins\/rate-limit|src\/rate-limit\//],
  ['auth', /src\/server\/plugins\/auth|src\/auth\/|src\/services\/auth|node_modules\/jose\//],
  ['audit', /src\/server\/plugins\/audit|src\/services\/audit/],
  ['logging', /node_modules\/(pino|sonic-boom|pino-std-serializers)\/|log-redaction/],
]
const LAYERS: [string, RegExp][] = [
  ['validation', /node_modules\/(ajv|@sinclair\/typebox|fast-uri)\/|src\/schemas\//],
  ['serialization', /node_modules\/fast-json-stringify\/|src\/server\/(serialize|response)/],
  [
    'database',
    /node_modules\/(kysely|better-sqlite3|pg|pg-protocol|pg-pool|postgres-array)\/|src\/db\/|src\/repositories\//,
  ],
  ['routes and services', /src\/(server\/routes|services|store|lib|crypto)\//],
  ['other Chatkeep code', /\/src\//],
  ['Fastify', /node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify)\//],
]
/**
 * Code that Ajv and fast-json-stringify generate has no source file; its names tell: Ajv's
 * validators are `validate12`, fast-json-stringify's serializers `anonymous3`.
 */
const GENERATED: [string, RegExp][] = [
  ['validation', /^validate\d+$/],
  ['serialization', /^anonymous\d*$/],
]
const layerOfFrame = (frame: ProfileNode): string | undefined => {
  const { url, functionName } = frame.callFrame
  if (url === '') return GENERATED.find(([, re]) => re.test(functionName))?.[0]
  return LAYERS.find(([, re]) => re.test(url))?.[0]
}
const NODE_HTTP = 'Node, HTTP and native'
const SPECIAL: Record<string, string> = {
  '(garbage collector)': 'garbage collection',
  '(program)': NODE_HTTP,
  '(idle)': 'idle',
}

/** The functions with the most self time, for BENCH_PROFILE_TOP=N. */
function topFunctions(profile: Profile, n: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const { functionName, url } = byId.get(id)!.callFrame
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|src)\//, '$1/')}`
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  })
  return [...self]
    .filter(([key]) => !key.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, ms]) => `    ${ms.toFixed(0).padStart(6)} ms  ${key}`)
}

function classify(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id)
  const memo = new Map<number, string>()
  const layerOf = (id: number): string => {
    const known = memo.get(id)
    if (known !== undefined) return known
    const stack: ProfileNode[] = []
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      stack.push(byId.get(at)!)
    }
    const leaf = stack[0]!
    let layer = SPECIAL[leaf.callFrame.functionName]
    if (layer === undefined) {
      for (const frame of [...stack].reverse()) {
        const plugin = PLUGINS.find(([, re]) => re.test(frame.callFrame.url))
        if (plugin !== undefined) {
          layer = plugin[0]
          break
        }
      }
    }
    if (layer === undefined) {
      for (const frame of stack) {
        layer = layerOfFrame(frame)
        if (layer !== undefined) break
      }
    }
    layer ??= NODE_HTTP
    memo.set(id, layer)
    return layer
  }
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const layer = layerOf(id)
    totals.set(layer, (totals.get(layer) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  })
  return totals
}

const ORDER = [
  'auth',
  'rate limit',
  'audit',
  'logging',
  'validation',
  'serialization',
  'database',
  'routes and services',
  'other Chatkeep code',
  'Fastify',
  NODE_HTTP,
  'garbage collection',
]

function printProfile(title: string, totals: Map<string, number>, requests: number): void {
  const busy = [...totals].filter(([k]) => k !== 'idle').reduce((n, [, ms]) => n + ms, 0)
  console.log(
    `\n${title}: ${requests.toLocaleString('en')} requests, ` +
      `${(busy / requests).toFixed(3)} ms CPU per request on the server's main thread`,
  )
  for (const layer of ORDER) {
    const ms = totals.get(layer) ?? 0
    console.log(
      `  ${layer.padEnd(24)} ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ` +
        `${(ms / requests).toFixed(3)} ms/request`,
    )
  }
}

async function main(): Promise<void> {
  const options = readOptions()
  const seconds = options.quick ? 3 : 10
  const loads = (process.env.BENCH_PROFILE_LOADS ?? 'read,append,list,search')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  const raw = process.env.BENCH_PROFILE_SERVER === 'raw'
  for (const engine of options.engines) {
    const database = await createBenchDatabase(engine, options.pg_admin_url)
    const work = mkdtempSync(join(tmpdir(), 'chatkeep-profile-'))
    try {
      const setup = await prepare({ chatkeep: database, baseline: database }, options)
      const side = raw ? 'baseline' : 'chatkeep'
      const headers: Record<string, string> = raw ? {} : { authorization: `Bearer ${setup.token}` }
      const all: Record<string, Load> = {
        read: { method: 'GET', paths: [setup.readPaths[side]], headers },
        append: {
          method: 'POST',
          paths: setup.appendPaths[side],
          headers,
          body: JSON.stringify(message(0)),
        },
        list: { method: 'GET', paths: [setup.listPaths[side]], headers },
        ...(raw
          ? {}
          : {
              search: {
                method: 'GET' as const,
                paths: ['/v1/search?q=retrieval%20embedding&limit=10'],
                headers,
              },
            }),
      }
      for (const name of loads) {
        const load = all[name]
        if (load === undefined) continue
        const dir = join(work, name)
        const synchronous = engine === 'sqlite' ? 'FULL' : 'on'
        const server = await launch(
          raw
            ? { kind: 'raw', engine, url: database.url, synchronous, pool: 10 }
            : { kind: 'chatkeep', url: database.url, variant: 'defaults', redis_url: '' },
          'child',
          join(work, `${name}.log`),
          ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '500'],
        )
        let requests = 0
        let window = { from: 0, to: 0 }
        try {
          await cannon(server.url, load, options.counts.w5_connections, 1)
          const from = now()
          const measured = await cannon(server.url, load, options.counts.w5_connections, seconds)
          window = { from, to: now() }
          if (measured.failed !== undefined) throw new Error(`${name}: ${measured.failed}`)
          requests = measured.latencies.length
        } finally {
          await server.close()
        }
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
        if (file === undefined) throw new Error(`${name}: the server wrote no profile`)
        const whole = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
        const profile = within(whole, window.from, window.to)
        printProfile(
          `${engine} ${name}${raw ? ' (Fastify + the raw driver)' : ''}`,
          classify(profile),
          requests,
        )
        const top = Number(process.env.BENCH_PROFILE_TOP ?? 0)
        if (top > 0) console.log(topFunctions(profile, top).join('\n'))
      }
    } finally {
      rmSync(work, { recursive: true, force: true })
      await database.drop()
    }
  }
}

await main()
