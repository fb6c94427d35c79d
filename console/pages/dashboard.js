// @ts-check
import { call } from '../lib/api.js'
import { bars, columns, split } from '../lib/charts.js'
import { count, errorBox, field, h, select, size, when } from '../lib/dom.js'

const RANGES = /** @type {[string, string][]} */ ([
  ['7', 'Last 7 days'],
  ['30', 'Last 30 days'],
  ['90', 'Last 90 days'],
  ['365', 'Last 365 days'],
])

/**
 * Messages and tokens per day, tokens per model, top users, feedback, the database and the last
 * backup, over a chosen range.
 * @param {HTMLElement} main
 * @param {string | undefined} _id
 * @param {URLSearchParams} query
 */
export async function render(main, _id, query) {
  const days = RANGES.some(([value]) => value === query.get('days'))
    ? String(query.get('days'))
    : '30'
  const range = select({ name: 'days' }, RANGES, days)
  range.addEventListener('change', () => {
    location.hash = `#/dashboard?days=${/** @type {HTMLSelectElement} */ (range).value}`
  })
  const [stats, ready, backups] = await Promise.all([
    call('GET', '/v1/admin/stats', { query: { days, top: 8 } }),
    call('GET', '/readyz').catch((error) => ({ error })),
    call('GET', '/v1/admin/backups', { query: { limit: 1 } }),
  ])
  /** @type {{ day: string, messages: number, tokens: number }[]} */
  const perDay = stats.messages_per_day
  /** @type {{ model_version: string | null, tokens: number, messages: number, cost: number | null }[]} */
  const models = stats.tokens_per_model
  const last = backups.data[0]
  main.append(
    h('form', { class: 'toolbar' }, field('Range', range)),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card wide', 'aria-label': 'Messages per day' },
        columns(
          'Messages per day',
          perDay.map((d) => ({ label: d.day, value: d.messages })),
          'messages',
        ),
      ),
      h(
        'section',
        { class: 'card wide', 'aria-label': 'Tokens per day' },
        columns(
          'Tokens per day',
          perDay.map((d) => ({ label: d.day, value: d.tokens })),
          'tokens',
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'Tokens per model' },
        bars(
          'Tokens per model (all time)',
          models.map((m) => ({
            label: m.model_version ?? '(no model)',
            value: m.tokens,
            ...(m.cost === null ? {} : { note: `$${m.cost.toFixed(2)}` }),
          })),
          'tokens',
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'Top users' },
        bars(
          'Top users by tokens',
          stats.top_users.by_tokens.map((/** @type {any} */ u) => ({
            label: u.username,
            value: u.tokens,
            note: `${count(u.messages)} messages`,
          })),
          'tokens',
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'Feedback' },
        split('Feedback', [
          { label: 'Thumbs up', value: stats.feedback.up, kind: 'good' },
          { label: 'Thumbs down', value: stats.feedback.down, kind: 'bad' },
        ]),
        h('p', { class: 'muted' }, `${count(stats.feedback.with_reason)} came with a reason.`),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'Database' },
        h('h2', null, 'Database'),
        h(
          'p',
          { class: 'figure' },
          size(stats.database_size_bytes),
          h('small', null, ` on ${stats.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`),
        ),
        'error' in ready
          ? errorBox(ready.error)
          : split(`Connection pool (at most ${ready.pool.max})`, [
              { label: 'In use', value: ready.pool.in_use, kind: 'busy' },
              { label: 'Idle', value: ready.pool.idle, kind: 'idle' },
              { label: 'Waiting', value: ready.pool.waiting, kind: 'bad' },
            ]),
      ),
      h(
        'section',
        { class: 'card', 'aria-label': 'Last backup' },
        h('h2', null, 'Last backup'),
        last === undefined
          ? h('p', null, 'No backup yet. ', h('a', { href: '#/backups' }, 'Take one'))
          : h(
              'p',
              null,
              h('strong', { class: `status ${last.status}` }, last.status),
              ' ',
              when(last.completed_at ?? last.started_at),
              h('br'),
              `${last.backup_type}, ${size(last.file_size_bytes)}`,
            ),
      ),
    ),
  )
}
