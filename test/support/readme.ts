import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './cli.js'

/**
 * The code of the README's first fenced block in `language` that contains `marker`, exactly as
 * a reader copies it: tests run it, so the README cannot drift from what works.
 * @example
 * const walkthrough = readmeBlock('sh', 'API=http://127.0.0.1:8080')
 */
export function readmeBlock(language: string, marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  for (const match of readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (match[1] === language && match[2]!.includes(marker)) return match[2]!
  }
  throw new Error(`README.md has no \`\`\`${language} block containing ${marker}`)
}
