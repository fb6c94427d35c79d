// @ts-check
import { call } from '../lib/api.js'
import { count, field, h, select, table, valueOf, when } from '../lib/dom.js'

const FILTERS = ['user', 'status', 'origin', 'tag', 'search', 'since', 'until']

/**
 * Every user's conversations, most recently active first, filtered by user, status, origin,
 * tag, dates and title; the filters live in the address, so a filtered list can be shared.
 * @param {HTMLElement} main
 * @param {string | undefined} _id
 * @param {URLSearchParams} query
 */
export async function render(main, _id, query) {
  const value = (/** @type {string} */ name) => query.get(name) ?? ''
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter conversations' },
    field('User (username)', h('input', { name: 'user', value: value('user') })),
    field(
      'Status',
      select(
        { name: 'status' },
        [
          ['', 'Any'],
          ['active', 'Active'],
          ['archived', 'Archived'],
          ['closed', 'Closed'],
        ],
        value('status'),
      ),
    ),
    field('Origin', h('input', { name: 'origin', value: value('origin'), placeholder: 'api' })),
    field('Tag', h('input', { name: 'tag', value: value('tag') })),
    field('Title contains', h('input', { name: 'search', value: value('search') })),
    field('Active since', h('input', { name: 'since', type: 'date', value: value('since') })),
    field('Active until', h('input', { name: 'until', type: 'date', value: value('until') })),
    h('button', { type: 'submit' }, 'Filter'),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const next = new URLSearchParams()
    for (const name of FILTERS) {
      const text = valueOf(/** @type {HTMLFormElement} */ (form), name)
      if (text !== '') next.set(name, text)
    }
    location.hash = `#/conversations?${next}`
  })
  main.append(form)

  const users = await call('GET', '/v1/users', { query: { limit: 200 } })
  /** @type {Map<string, string>} */
  const names = new Map(users.data.map((/** @type {any} */ u) => [u.id, u.username]))
  /** @type {string | undefined} */
  let user_id
  if (value('user') !== '') {
    const found = await call('GET', '/v1/users', { query: { search: value('user'), limit: 50 } })
    const exact =
      found.data.find((/** @type {any} */ u) => u.username === value('user')) ?? found.data[0]
    if (exact === undefined) {
      main.append(h('p', { role: 'status' }, `No user matches “${value('user')}”.`))
      return
    }
    user_id = exact.id
    names.set(exact.id, exact.username)
  }
  const day = (/** @type {string} */ name, /** @type {number} */ plus) => {
    const text = value(name)
    if (text === '') return undefined
    return new Date(Date.parse(`${text}T00:00:00Z`) + plus).toISOString()
  }
  const page = await call('GET', '/v1/conversations', {
    query: {
      user_id,
      status: value('status'),
      origin: value('origin'),
      tag: value('tag'),
      search: value('search'),
      active_since: day('since', 0),
      // The whole of the "until" day is in.
      active_until: day('until', 86_400_000),
      include_temporary: true,
      limit: 100,
    },
  })
  main.append(
    table(
      `${count(page.data.length)}${page.has_more ? '+' : ''} conversations`,
      ['Title', 'User', 'Status', 'Origin', 'Messages', 'Tokens', 'Last active'],
      page.data.map((/** @type {any} */ c) => [
        h('a', { href: `#/conversations/${c.id}` }, c.title ?? '(untitled)'),
        names.get(c.user_id) ?? c.user_id,
        c.temporary ? `${c.status}, temporary` : c.status,
        c.origin,
        count(c.message_count),
        count(c.total_tokens),
        when(c.last_activity),
      ]),
    ),
  )
}
