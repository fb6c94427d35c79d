// Readers for the deployment files the tests check: the Dockerfile, systemd units, env files.
// Each reads only the syntax those files use, strictly: anything else fails the test that reads
// it, rather than being skipped.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  OPERATIONS_ENV_NAMES,
  parseDotenv,
  SERVER_ENV_NAMES,
  STORE_ENV_NAMES,
} from '../../src/config/env.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export function readRepoFile(path: string): string {
  return readFileSync(`${ROOT}${path}`, 'utf8')
}

/** Every environment variable the CLI and the server read (src/config/env.ts). */
export const CHATKEEP_ENV_NAMES: ReadonlySet<string> = new Set([
  ...STORE_ENV_NAMES,
  ...SERVER_ENV_NAMES,
  ...OPERATIONS_ENV_NAMES,
])

export interface Instruction {
  keyword: string
  /** The arguments as written, continuation lines joined. */
  args: string
  line: number
}

export interface Stage {
  base: string
  name: string | undefined
  instructions: Instruction[]
}

/** Stages of a Dockerfile in order, instructions before the first FROM (ARG) left out. */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = []
  let pending: Instruction | undefined
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd()
    if (pending === undefined) {
      if (/^\s*(#|$)/.test(line)) return
      const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line)
      if (match === null) throw new Error(`Dockerfile line ${index + 1} is not an instruction`)
      pending = { keyword: match[1]!.toUpperCase(), args: match[2]!, line: index + 1 }
    } else if (!/^\s*#/.test(line)) {
      pending.args += ` ${line.trim()}`
    }
    if (pending.args.endsWith('\\')) {
      pending.args = pending.args.slice(0, -1).trimEnd()
    } else {
      instructions.push(pending)
      pending = undefined
    }
  })
  if (pending !== undefined) throw new Error('the Dockerfile ends inside a continued line')
  const stages: Stage[] = []
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [base, as, name] = instruction.args.split(/\s+/)
      if (as !== undefined && as.toUpperCase() !== 'AS') throw new Error(`FROM ${instruction.args}`)
      stages.push({ base: base!, name, instructions: [] })
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction)
    } else if (instruction.keyword !== 'ARG') {
      throw new Error(`${instruction.keyword} before the first FROM`)
    }
  }
  return stages
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword)
}

/** The JSON array of an exec-form instruction, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trimStart().startsWith('[')) return undefined
  const parsed: unknown = JSON.parse(args)
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an exec form: ${args}`)
  }
  return parsed
}

/** `--name=value` flags at the start of an instruction's arguments, and what follows them. */
export function flags(args: string): { flags: Map<string, string>; rest: string } {
  const found = new Map<string, string>()
  let rest = args.trim()
  for (
    let m = /^--([a-z-]+)=(\S+)\s*/.exec(rest);
    m !== null;
    m = /^--([a-z-]+)=(\S+)\s*/.exec(rest)
  ) {
    found.set(m[1]!, m[2]!)
    rest = rest.slice(m[0].length)
  }
  return { flags: found, rest }
}

/** The variables a stage's ENV instructions set (`KEY=value` pairs, no quoting). */
export function stageEnv(stage: Stage): Map<string, string> {
  const env = new Map<string, string>()
  for (const { args } of instructions(stage, 'ENV')) {
    for (const pair of args.trim().split(/\s+/)) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair)
      if (match === null) throw new Error(`ENV ${args}: write KEY=value pairs`)
      env.set(match[1]!, match[2]!)
    }
  }
  return env
}

/** A systemd unit file: each section's keys, with every value a key was given, in order. */
export type Unit = Map<string, Map<string, string[]>>

export function parseUnit(text: string): Unit {
  const unit: Unit = new Map()
  let section: Map<string, string[]> | undefined
  text.split('\n').forEach((line, index) => {
    if (/^\s*([#;]|$)/.test(line)) return
    const header = /^\[([A-Za-z]+)\]$/.exec(line)
    if (header !== null) {
      section = new Map()
      unit.set(header[1]!, section)
      return
    }
    const match = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (match === null || section === undefined) {
      throw new Error(`unit line ${index + 1} is not Key=value inside a section`)
    }
    section.set(match[1]!, [...(section.get(match[1]!) ?? []), match[2]!])
  })
  return unit
}

/** The one value of a key (the last, as systemd reads single-valued keys). */
export function unitValue(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1)
}

/** The variables of an env file (deploy/.env.example, the systemd env file). */
export function envFileNames(path: string): Record<string, string> {
  return parseDotenv(readRepoFile(path), path)
}
