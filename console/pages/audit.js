// @ts-check
import { call } from '../lib/api.js'
import { field, h, table, when } from '../lib/dom.js'
import { dayStart, keepInAddress, userNamed, userNames } from '../lib/filters.js'

const FILTERS = ['actor', 'action', 'target_type', 'target_id', 'since', 'until']

/**
 * The audit log, newest first, filtered by actor, action, target and time. Reading it is
 * itself audited by the server.
 * @param {HTMLElement} main
 * @param {string | undefined} _id
 * @param {URLSearchParams} query
 */
export async function render(main, _id, query) {
  const value = (/** @type {string} */ name) => query.get(name) ?? ''
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
    field('Actor (username)', h('input', { name: 'actor', value: value('actor') })),
    field(
      'Action',
      h('input', { name: 'action', value: value('action'), placeholder: 'config.update' }),
    ),
    field(
      'Target type',
      h('input', { name: 'target_type', value: value('target_type'), placeholder: 'conversation' }),
    ),
    field('Target id', h('input', { name: 'target_id', value: value('target_id') })),
    field('Since', h('input', { name: 'since', type: 'date', value: value('since') })),
    field('Until', h('input', { name: 'until', type: 'date', value: value('until') })),
    h('button', { type: 'submit' }, 'Filter'),
  )
  keepInAddress(form, FILTERS, 'audit')
  main.append(form)
  const names = await userNames()
  /** @type {string | undefined} */
  let user_id
  if (value('actor') !== '') {
    const user = await userNamed(value('actor'))
    if (user === null) {
      main.append(h('p', { role: 'status' }, `No user matches “${value('actor')}”.`))
      return
    }
    user_id = user.id
  }
  const page = await call('GET', '/v1/admin/audit-events', {
    query: {
      user_id,
      action: value('action'),
      target_type: value('target_type'),
      target_id: value('target_id'),
      since: dayStart(value('since')),
      until: dayStart(value('until'), 1),
      limit: 100,
    },
  })
  main.append(
    table(
      `${page.data.length}${page.has_more ? '+' : ''} events`,
      ['When', 'Actor', 'Action', 'Target', 'Address', 'Details'],
      page.data.map((/** @type {any} */ e) => [
        when(e.created_at),
        e.user_id === null ? '—' : (names.get(e.user_id) ?? e.user_id),
        h('code', null, e.action),
        e.target_type === null ? '' : `${e.target_type} ${e.target_id ?? ''}`,
        e.ip_address ?? '',
        Object.keys(e.details ?? {}).length === 0
          ? ''
          : h('code', { class: 'json' }, JSON.stringify(e.details)),
      ]),
    ),
  )
}
