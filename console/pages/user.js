// @ts-check
import { call, currentUser } from '../lib/api.js'
import { announce, count, errorBox, field, fill, h, select, table, when } from '../lib/dom.js'

const LABELS = /** @type {Record<string, string>} */ ({
  conversations: 'conversations',
  messages: 'messages',
  documents: 'documents',
  document_chunks: 'document chunks',
  transcripts: 'transcripts (rows and files)',
  auth_sessions: 'sessions',
  refresh_tokens: 'refresh tokens',
  api_keys: 'API keys',
  events: 'change-feed events',
})

/**
 * One user: activate or deactivate, change the role, end sessions, revoke API keys, and erase
 * them after a confirmation that lists what goes.
 * @param {HTMLElement} main
 * @param {string | undefined} id
 */
export async function render(main, id) {
  if (id === undefined) return
  const base = `/v1/users/${encodeURIComponent(id)}`
  const [user, sessions, keys] = await Promise.all([
    call('GET', base),
    call('GET', `${base}/sessions`, { query: { limit: 100 } }),
    call('GET', `${base}/api-keys`, { query: { limit: 100 } }),
  ])
  const notice = h('div', { 'aria-live': 'polite' })
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'))
  const act = async (/** @type {() => Promise<unknown>} */ work, /** @type {string} */ done) => {
    try {
      await work()
      announce(done)
      reload()
    } catch (error) {
      fill(notice, errorBox(error))
    }
  }
  const self = currentUser()?.id === user.id

  const role = select(
    { name: 'role' },
    [
      ['user', 'User'],
      ['admin', 'Admin'],
    ],
    user.role,
  )
  const roleForm = h(
    'form',
    { class: 'inline' },
    field('Role', role),
    h('button', { type: 'submit' }, 'Change role'),
  )
  roleForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const value = /** @type {HTMLSelectElement} */ (role).value
    void act(() => call('PATCH', base, { body: { role: value } }), `Role set to ${value}`)
  })
  const toggle = h('button', { type: 'button' }, user.is_active ? 'Deactivate' : 'Activate')
  toggle.addEventListener('click', () =>
    act(
      () => call('PATCH', base, { body: { is_active: !user.is_active } }),
      user.is_active ? 'Deactivated' : 'Activated',
    ),
  )

  main.append(
    notice,
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Username'),
      h('dd', null, user.username),
      h('dt', null, 'Name'),
      h('dd', null, user.display_name ?? '—'),
      h('dt', null, 'Email'),
      h('dd', null, user.email ?? '—'),
      h('dt', null, 'State'),
      h('dd', null, user.is_active ? 'active' : 'deactivated'),
      h('dt', null, 'Created'),
      h('dd', null, when(user.created_at)),
      h('dt', null, 'Last login'),
      h('dd', null, when(user.last_login_at)),
    ),
    h(
      'p',
      null,
      h(
        'a',
        { href: `#/conversations?user=${encodeURIComponent(user.username)}` },
        `${user.username}’s conversations`,
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'access' },
      h('h2', { id: 'access' }, 'Access'),
      roleForm,
      h('p', null, toggle),
    ),
    h(
      'section',
      { 'aria-labelledby': 'sessions' },
      h('h2', { id: 'sessions' }, 'Sessions'),
      table(
        `${sessions.data.length} live sessions`,
        ['Started', 'Last active', 'Expires', 'Address', 'Client', ''],
        sessions.data.map((/** @type {any} */ s) => [
          when(s.created_at),
          when(s.last_activity),
          when(s.expires_at),
          s.ip_address ?? '',
          s.user_agent ?? '',
          s.current
            ? 'this console'
            : h(
                'button',
                {
                  type: 'button',
                  onclick: () =>
                    act(() => call('DELETE', `${base}/sessions/${s.id}`), 'Session ended'),
                },
                'End session',
              ),
        ]),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'keys' },
      h('h2', { id: 'keys' }, 'API keys'),
      table(
        `${keys.data.length} live API keys`,
        ['Name', 'Prefix', 'Scopes', 'Created', 'Last used', ''],
        keys.data.map((/** @type {any} */ k) => [
          k.name,
          h('code', null, k.prefix ?? ''),
          (k.scopes ?? []).join(', '),
          when(k.created_at),
          when(k.last_used_at),
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                act(() => call('DELETE', `${base}/api-keys/${k.id}`), 'API key revoked'),
            },
            'Revoke',
          ),
        ]),
      ),
    ),
    self ? h('p', { class: 'muted' }, 'You cannot erase yourself here.') : eraseSection(user, base),
  )
}

/**
 * Erasure behind a dialog that says, with today's counts, what will be removed, and asks for
 * the username typed out.
 * @param {{ id: string, username: string }} user
 * @param {string} base
 */
function eraseSection(user, base) {
  const dialog = /** @type {HTMLDialogElement} */ (
    h('dialog', { 'aria-labelledby': 'erase-title' })
  )
  const open = h('button', { type: 'button', class: 'danger' }, `Erase ${user.username}…`)
  open.addEventListener('click', async () => {
    const counts = await call('GET', `${base}/erase`).catch((error) => ({ error }))
    const confirm = h('input', { name: 'confirm', autocomplete: 'off' })
    const problem = h('div', { 'aria-live': 'assertive' })
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'erase-title' }, `Erase ${user.username}?`),
      'error' in counts
        ? errorBox(counts.error)
        : h(
            'div',
            null,
            h('p', null, 'This removes, for good:'),
            h(
              'ul',
              null,
              Object.entries(counts).map(([kind, n]) =>
                h('li', null, `${count(Number(n))} ${LABELS[kind] ?? kind}`),
              ),
            ),
            h(
              'p',
              null,
              'and their cached copies. The audit log keeps the erasure. It cannot be undone.',
            ),
          ),
      field(`Type ${user.username} to confirm`, confirm),
      h(
        'p',
        { class: 'actions' },
        h('button', { type: 'submit', value: 'cancel' }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', id: 'erase-confirm' }, 'Erase'),
      ),
      problem,
    )
    form.querySelector('#erase-confirm')?.addEventListener('click', async () => {
      if (/** @type {HTMLInputElement} */ (confirm).value.trim() !== user.username) {
        fill(problem, errorBox(new Error(`Type ${user.username} exactly to confirm.`)))
        return
      }
      try {
        const report = await call('POST', `${base}/erase`)
        dialog.close()
        announce(`${report.username} erased`)
        location.hash = '#/users'
      } catch (error) {
        fill(problem, errorBox(error))
      }
    })
    fill(dialog, form)
    dialog.showModal()
    confirm.focus()
  })
  return h(
    'section',
    { 'aria-labelledby': 'erase' },
    h('h2', { id: 'erase' }, 'Erase'),
    h('p', null, open),
    dialog,
  )
}
