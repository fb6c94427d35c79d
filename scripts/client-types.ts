// The typed client's generated types: the server's OpenAPI document, taken in process, through
// openapi-typescript, formatted as the repo formats code. `npm run client:generate` writes them;
// test/client/generated.test.ts fails when the committed file drifts from this.
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript'
import { format, resolveConfig } from 'prettier'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/server/app.js'
import { AuthService } from '../src/services/auth.js'
import { openStore } from '../src/store.js'

/** Where the generated types are committed. */
export const CLIENT_TYPES_PATH = fileURLToPath(
  new URL('../src/client/generated/openapi.ts', import.meta.url),
)

export const CLIENT_GENERATE_COMMAND = 'npm run client:generate'

const HEADER = `// Generated from the server's OpenAPI document by openapi-typescript: do not edit.
// Regenerate with \`${CLIENT_GENERATE_COMMAND}\` after changing a route's schema.
`

/** The OpenAPI document the server serves at /openapi.json, built without listening. */
export async function openApiDocument(): Promise<OpenAPI3> {
  await using store = await openStore({ database_url: ':memory:', migrate: true })
  const auth = await AuthService.open(store, {
    access_token_ttl_s: 900,
    refresh_token_ttl_s: 86_400,
    jwt_secret: 'client-generation-secret-of-32-characters',
  })
  const app = await buildApp({ store, auth })
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' })
    return response.json() as OpenAPI3
  } finally {
    await app.close()
  }
}

/** The text of src/client/generated/openapi.ts for the server as it is now. */
export async function renderClientTypes(): Promise<string> {
  const document = await openApiDocument()
  const ast = await openapiTS(document, { silent: true })
  const text = HEADER + astToString(ast)
  const options = await resolveConfig(CLIENT_TYPES_PATH)
  return format(text, { ...options, filepath: CLIENT_TYPES_PATH })
}
