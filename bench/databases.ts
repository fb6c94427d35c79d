import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { EngineName } from './options.js'

/** A throwaway database for one engine's run, dropped again when the run ends. */
export interface BenchDatabase {
  engine: EngineName
  /** What openStore takes: a file path, or a postgres:// URL. */
  url: string
  drop(): Promise<void>
}

/** A file in a new temporary folder (on disk, so commits really reach the disk). */
function sqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-bench-'))
  return {
    engine: 'sqlite',
    url: join(dir, 'bench.db'),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

async function onAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

async function postgresDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `ck_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  await onAdmin(adminUrl, (c) => c.query(`create database ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    engine: 'postgres',
    url: url.toString(),
    drop: async () => {
      await onAdmin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`))
    },
  }
}

export function createBenchDatabase(
  engine: EngineName,
  pgAdminUrl: string,
): Promise<BenchDatabase> {
  return engine === 'sqlite' ? Promise.resolve(sqliteDatabase()) : postgresDatabase(pgAdminUrl)
}
