// @ts-check
/**
 * The console's shell: sign-in, the section links, and a router over the URL's hash
 * (`#/conversations/ID`), so that every view has an address and the back button works.
 */
import { ApiError, currentUser, onSessionEnded, signIn, signOut } from './lib/api.js'
import { announce, errorBox, field, fill, h } from './lib/dom.js'
import * as activity from './pages/activity.js'
import * as audit from './pages/audit.js'
import * as backups from './pages/backups.js'
import * as config from './pages/config.js'
import * as conversation from './pages/conversation.js'
import * as conversations from './pages/conversations.js'
import * as dashboard from './pages/dashboard.js'
import * as documents from './pages/documents.js'
import * as search from './pages/search.js'
import * as user from './pages/user.js'
import * as users from './pages/users.js'

/**
 * @typedef {(main: HTMLElement, id: string | undefined, query: URLSearchParams) =>
 *   Promise<void | (() => void)>} Render
 */

/** @type {Record<string, { title: string, render: Render, detail?: Render, detailTitle?: string }>} */
const SECTIONS = {
  dashboard: { title: 'Dashboard', render: dashboard.render },
  conversations: {
    title: 'Conversations',
    render: conversations.render,
    detail: conversation.render,
    detailTitle: 'Conversation',
  },
  users: { title: 'Users', render: users.render, detail: user.render, detailTitle: 'User' },
  search: { title: 'Search', render: search.render },
  documents: {
    title: 'Documents',
    render: documents.render,
    detail: documents.renderOne,
    detailTitle: 'Document',
  },
  audit: { title: 'Audit log', render: audit.render },
  config: { title: 'System config', render: config.render },
  backups: { title: 'Backups', render: backups.render },
  activity: { title: 'Live activity', render: activity.render },
}

const main = /** @type {HTMLElement} */ (document.getElementById('main'))
const nav = /** @type {HTMLElement} */ (document.getElementById('sections'))
const account = /** @type {HTMLElement} */ (document.getElementById('account'))
/** @type {(() => void) | null} */
let leaveView = null
let shown = 0

async function show() {
  leaveView?.()
  leaveView = null
  const user = currentUser()
  nav.hidden = user === null
  account.hidden = user === null
  if (user === null) return showSignIn()
  const [, name = 'dashboard', id] = /^#\/([a-z-]+)(?:\/([^?]+))?/.exec(location.hash) ?? []
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '')
  const section = SECTIONS[name] ?? SECTIONS.dashboard
  if (section === undefined) return
  const render = id !== undefined && section.detail !== undefined ? section.detail : section.render
  const title =
    id !== undefined && section.detailTitle !== undefined ? section.detailTitle : section.title
  document.title = `${title} · Chatkeep admin`
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  const view = ++shown
  fill(main, h('h1', null, title), h('p', { class: 'muted' }, 'Loading…'))
  try {
    const body = h('div')
    const leave = await render(body, id === undefined ? undefined : decodeURIComponent(id), query)
    if (view !== shown) return leave?.()
    fill(main, h('h1', null, title), body)
    leaveView = leave ?? null
  } catch (error) {
    if (view !== shown) return
    fill(main, h('h1', null, title), errorBox(error))
  }
  main.focus({ preventScroll: true })
}

/** @param {unknown} [problem] why the last attempt or session failed */
function showSignIn(problem) {
  document.title = 'Sign in · Chatkeep admin'
  const username = h('input', { name: 'username', autocomplete: 'username', required: true })
  const password = /** @type {HTMLInputElement} */ (
    h('input', {
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    })
  )
  const message = h(
    'div',
    { 'aria-live': 'assertive' },
    problem === undefined ? null : errorBox(problem),
  )
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in'),
    h('p', { class: 'muted' }, 'The console is for admins: sign in with an admin account.'),
    field('Username', username),
    field('Password', password),
    h('button', { type: 'submit' }, 'Sign in'),
    message,
  )
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const name = /** @type {HTMLInputElement} */ (username).value.trim()
    try {
      const user = await signIn(name, password.value)
      if (user.role !== 'admin') {
        // The API refuses a non-admin every admin route anyway; say so now and end the session.
        await signOut()
        throw new ApiError(
          403,
          'forbidden',
          `${user.username} is not an admin: the console is for admins.`,
        )
      }
      fill(
        /** @type {HTMLElement} */ (document.getElementById('signed-in-as')),
        'Signed in as ',
        h('strong', null, user.username),
      )
      announce(`Signed in as ${user.username}`)
      await show()
    } catch (error) {
      fill(message, errorBox(error))
      password.value = ''
      password.focus()
    }
  })
  fill(main, form)
  username.focus()
}

document.getElementById('sign-out')?.addEventListener('click', async () => {
  await signOut().catch(() => {})
  location.hash = ''
  announce('Signed out')
  await show()
})
onSessionEnded(() => {
  leaveView?.()
  leaveView = null
  nav.hidden = true
  account.hidden = true
  showSignIn(new Error('Your session has ended: sign in again.'))
})
window.addEventListener('hashchange', () => void show())
void show()
