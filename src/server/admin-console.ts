import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'

/**
 * The admin console at /admin: static files from the package's `console/` folder, read once at
 * start-up and served from memory. It has no routes of its own beyond its files: every read and
 * change goes through the /v1 API with the signed-in admin's token, so the API's ownership and
 * role checks are the console's only guard.
 */

/** The same folder from src/server and from dist/server. */
const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

/**
 * Nothing but the console's own files may run or load: no inline script, no other origin, no
 * framing (clickjacking), no form posting elsewhere.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; " +
    "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // Revalidated every time (cheap: an ETag), so an upgraded server never serves a stale page.
  'cache-control': 'no-cache',
}

interface ConsoleFile {
  body: Buffer
  type: string
  etag: string
}

function loadFiles(dir: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>()
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const type = TYPES[extname(entry.name)]
    if (!entry.isFile() || type === undefined) continue
    const path = join(entry.parentPath, entry.name)
    const body = readFileSync(path)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
    files.set(relative(dir, path).split(sep).join('/'), { body, type, etag })
  }
  return files
}

export async function adminConsole(app: FastifyInstance): Promise<void> {
  const files = loadFiles(CONSOLE_DIR)
  const send = (reply: FastifyReply, file: ConsoleFile, if_none_match: string | undefined) => {
    reply.headers(SECURITY_HEADERS).header('etag', file.etag)
    if (if_none_match === file.etag) return reply.code(304).send()
    return reply.type(file.type).send(file.body)
  }
  const index = files.get('index.html')
  if (index === undefined)
    throw new Error(`The admin console's index.html is missing from ${CONSOLE_DIR}`)

  const page = { schema: { hide: true } }
  app.get('/admin', page, (request, reply) => send(reply, index, request.headers['if-none-match']))
  app.get('/admin/', page, (_request, reply) => reply.redirect('/admin', 301))
  app.get<{ Params: { '*': string } }>('/admin/*', page, (request, reply) => {
    const file = files.get(request.params['*'])
    if (file === undefined) return reply.callNotFound()
    return send(reply, file, request.headers['if-none-match'])
  })
}
