// @ts-check
import { call } from '../lib/api.js'
import { count, field, h, select, table, when } from '../lib/dom.js'
import { dayStart, keepInAddress, userNamed, userNames } from '../lib/filters.js'

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
  keepInAddress(form, FILTERS, 'conversations')
  main.append(form)

  const names = await userNames()
  /** @type {string | undefined} */
  let user_id
  if (value('user') !== '') {
    const user = await userNamed(value('user'))
    if (user === null) {
      main.append(h('p', { role: 'status' }, `No user matches “${value('user')}”.`))
      return
    }
    user_id = user.id
    names.set(user.id, user.username)
  }
  const page = await call('GET', '/v1/conversations', {
    query: {
      user_id,
      status: value('status'),
      origin: value('origin'),
      tag: value('tag'),
      search: value('search'),
      active_since: dayStart(value('since')),
      // The whole of the "until" day is in.
      active_until: dayStart(value('until'), 1),
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
