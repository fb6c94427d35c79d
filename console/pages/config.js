// @ts-check
import { call } from '../lib/api.js'
import { announce, errorBox, field, fill, h, when } from '../lib/dom.js'

/**
 * Every setting with who set it and when; each value is edited as JSON and saved through the
 * API, which checks the known keys' types and audits the change.
 * @param {HTMLElement} main
 */
export async function render(main) {
  const [settings, users] = await Promise.all([
    call('GET', '/v1/admin/config'),
    call('GET', '/v1/users', { query: { limit: 200 } }),
  ])
  /** @type {Map<string, string>} */
  const names = new Map(users.data.map((/** @type {any} */ u) => [u.id, u.username]))
  const list = h('div', { class: 'settings' })
  for (const setting of settings.data) list.append(settingForm(setting, names))
  const key = h('input', { name: 'key', required: true, pattern: '[a-z0-9_.:-]+' })
  const value = h('textarea', { name: 'value', rows: 2, required: true })
  const problem = h('div', { 'aria-live': 'assertive' })
  const add = h(
    'form',
    { class: 'card', 'aria-labelledby': 'new-setting' },
    h('h2', { id: 'new-setting' }, 'New setting'),
    field('Key', key),
    field('Value (JSON)', value, 'For example 42, "text", {"a": 1}'),
    h('button', { type: 'submit' }, 'Add'),
    problem,
  )
  add.addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      const name = /** @type {HTMLInputElement} */ (key).value.trim()
      await call('PUT', `/v1/admin/config/${encodeURIComponent(name)}`, {
        body: { value: parsed(/** @type {HTMLTextAreaElement} */ (value).value) },
      })
      announce(`${name} saved`)
      window.dispatchEvent(new HashChangeEvent('hashchange'))
    } catch (error) {
      fill(problem, errorBox(error))
    }
  })
  main.append(list, add)
}

/**
 * @param {{ key: string, value: unknown, updated_at: string, updated_by: string | null }} setting
 * @param {Map<string, string>} names
 */
function settingForm(setting, names) {
  const editor = h(
    'textarea',
    { name: 'value', rows: 3, spellcheck: 'false' },
    JSON.stringify(setting.value, null, 2),
  )
  const by = h(
    'p',
    { class: 'muted' },
    'Set ',
    when(setting.updated_at),
    ' by ',
    setting.updated_by === null
      ? 'the library or the CLI'
      : (names.get(setting.updated_by) ?? setting.updated_by),
  )
  const problem = h('div', { 'aria-live': 'assertive' })
  const form = h(
    'form',
    { class: 'card setting', 'aria-label': setting.key },
    h('h2', null, h('code', null, setting.key)),
    field(`Value of ${setting.key} (JSON)`, editor),
    by,
    h('button', { type: 'submit' }, 'Save'),
    problem,
  )
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      const saved = await call('PUT', `/v1/admin/config/${encodeURIComponent(setting.key)}`, {
        body: { value: parsed(/** @type {HTMLTextAreaElement} */ (editor).value) },
      })
      fill(problem)
      fill(by, 'Saved ', when(saved.updated_at), ' by you')
      announce(`${setting.key} saved`)
    } catch (error) {
      fill(problem, errorBox(error))
    }
  })
  return form
}

/** @param {string} text */
function parsed(text) {
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(
      'The value is not JSON: quote text ("like this"), or write a number, true, false, null, [..] or {..}.',
    )
  }
}
