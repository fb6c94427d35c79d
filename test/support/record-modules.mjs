// Preload (`node --import ./test/support/record-modules.mjs …`): every module the process loads
// is appended, one URL a line, to the file CHATKEEP_RECORD_MODULES names. Plain JavaScript, so
// it runs before and without any TypeScript loader.
import { register } from 'node:module'

register('./record-modules-hooks.mjs', import.meta.url, {
  data: { out: process.env.CHATKEEP_RECORD_MODULES },
})
