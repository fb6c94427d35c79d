// `npm run client:generate`: rewrites the typed client's generated types from the server.
import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { CLIENT_TYPES_PATH, renderClientTypes } from './client-types.js'

writeFileSync(CLIENT_TYPES_PATH, await renderClientTypes())
console.log(`wrote ${relative(process.cwd(), CLIENT_TYPES_PATH)}`)
