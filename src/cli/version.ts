import { readFileSync } from 'node:fs'

/** The version in package.json: two folders up from src/cli and from dist/cli alike. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  return (pkg as { version: string }).version
}
