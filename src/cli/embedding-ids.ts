import { readFile, stat } from 'node:fs/promises'
import { ChatkeepError } from '../errors.js'

/**
 * The ids a vector store holds, as `chatkeep cleanup --embedding-ids FILE` reads them: one per
 * line (blank lines skipped), or a JSON array of strings. The file's modification time says when
 * they were listed.
 */
export async function readEmbeddingIds(path: string): Promise<{ ids: string[]; listed_at: Date }> {
  let text: string
  let listed_at: Date
  try {
    ;[text, listed_at] = await Promise.all([
      readFile(path, 'utf8'),
      stat(path).then((s) => s.mtime),
    ])
  } catch (cause) {
    throw new ChatkeepError('not_found', `Cannot read ${path}; check the path.`, { cause })
  }
  if (!text.trimStart().startsWith('[')) {
    const ids = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '')
    return { ids, listed_at }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw invalid(path, cause)
  }
  if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === 'string')) throw invalid(path)
  return { ids: parsed as string[], listed_at }
}

const invalid = (path: string, cause?: unknown) =>
  new ChatkeepError(
    'validation_failed',
    `${path} starts like JSON but is not an array of id strings; give a JSON array of strings, or one id per line.`,
    { cause },
  )
