// @ts-check
/**
 * What the filtered lists share: filters kept in the address (so a filtered list can be shared
 * and the back button works), a user named by username, and whole days as a time range.
 */
import { call } from './api.js'
import { valueOf } from './dom.js'

/**
 * On submit, puts the form's non-empty `names` into the address of `section`.
 * @param {HTMLElement} form
 * @param {string[]} names
 * @param {string} section
 */
export function keepInAddress(form, names, section) {
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const next = new URLSearchParams()
    for (const name of names) {
      const text = valueOf(/** @type {HTMLFormElement} */ (form), name)
      if (text !== '') next.set(name, text)
    }
    location.hash = `#/${section}?${next}`
  })
}

/**
 * The users' names by id (the first 200), for showing ids as names.
 * @returns {Promise<Map<string, string>>}
 */
export async function userNames() {
  const users = await call('GET', '/v1/users', { query: { limit: 200 } })
  return new Map(users.data.map((/** @type {any} */ u) => [u.id, u.username]))
}

/**
 * The user a filter names: that username, else the first whose name contains it; null when
 * none does.
 * @param {string} name
 * @returns {Promise<{ id: string, username: string } | null>}
 */
export async function userNamed(name) {
  const found = await call('GET', '/v1/users', { query: { search: name, limit: 50 } })
  return found.data.find((/** @type {any} */ u) => u.username === name) ?? found.data[0] ?? null
}

/**
 * A date input's day as the instant it starts (`plus_days` = 1: the instant it ends), in UTC.
 * @param {string} day `YYYY-MM-DD`, or '' for none
 * @param {number} [plus_days]
 */
export function dayStart(day, plus_days = 0) {
  if (day === '') return undefined
  return new Date(Date.parse(`${day}T00:00:00Z`) + plus_days * 86_400_000).toISOString()
}
