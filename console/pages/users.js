// @ts-check
import { call } from '../lib/api.js'
import { field, h, select, table, when } from '../lib/dom.js'
import { keepInAddress } from '../lib/filters.js'

/**
 * @param {HTMLElement} main
 * @param {string | undefined} _id
 * @param {URLSearchParams} query
 */
export async function render(main, _id, query) {
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find users' },
    field(
      'Username or name contains',
      h('input', { name: 'search', value: query.get('search') ?? '' }),
    ),
    field(
      'Role',
      select(
        { name: 'role' },
        [
          ['', 'Any'],
          ['user', 'User'],
          ['admin', 'Admin'],
        ],
        query.get('role') ?? '',
      ),
    ),
    field(
      'State',
      select(
        { name: 'is_active' },
        [
          ['', 'Any'],
          ['true', 'Active'],
          ['false', 'Deactivated'],
        ],
        query.get('is_active') ?? '',
      ),
    ),
    h('button', { type: 'submit' }, 'Find'),
  )
  keepInAddress(form, ['search', 'role', 'is_active'], 'users')
  const page = await call('GET', '/v1/users', {
    query: {
      search: query.get('search'),
      role: query.get('role'),
      is_active: query.get('is_active'),
      limit: 200,
    },
  })
  main.append(
    form,
    table(
      `${page.data.length}${page.has_more ? '+' : ''} users`,
      ['Username', 'Name', 'Role', 'State', 'Last login', 'Created'],
      page.data.map((/** @type {any} */ u) => [
        h('a', { href: `#/users/${u.id}` }, u.username),
        u.display_name ?? '',
        u.role,
        u.is_active ? 'active' : 'deactivated',
        when(u.last_login_at),
        when(u.created_at),
      ]),
    ),
  )
}
