import { ChatkeepError, isChatkeepError } from '../errors.js'

/**
 * Runs a service call made with a route's query options. The service names a bad option as it
 * is named there (`/since`); over HTTP it is a query parameter, named `/query/since` as the
 * route's own schema names every other one. Only fields the query holds are renamed, so an
 * error about anything else (a path parameter) keeps its name.
 */
export async function inQuery<T>(query: object, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (!isChatkeepError(error, 'validation_failed') || error.field === undefined) throw error
    const name = error.field.split('/')[1] ?? ''
    if (!Object.hasOwn(query, name)) throw error
    const field = `/query${error.field}`
    const reason = error.message.startsWith(error.field)
      ? error.message.slice(error.field.length)
      : `: ${error.message}`
    throw new ChatkeepError('validation_failed', `${field}${reason}`, { field, cause: error })
  }
}
