// The module hooks of record-modules.mjs. They run on Node's hooks thread: each load is written
// down synchronously, before the module runs, so the file is complete whenever the process ends.
import { appendFileSync } from 'node:fs'

let out

export function initialize(data) {
  out = data.out
}

export async function load(url, context, nextLoad) {
  appendFileSync(out, `${url}\n`)
  return nextLoad(url, context)
}
