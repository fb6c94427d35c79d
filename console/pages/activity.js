// @ts-check
import { follow } from '../lib/api.js'
import { errorBox, fill, h, when } from '../lib/dom.js'

const SHOWN = 200

/**
 * The change feed as it happens: every change of every user, newest on top.
 * @param {HTMLElement} main
 */
export async function render(main) {
  const list = h('ol', { class: 'feed', reversed: true, 'aria-label': 'Changes, newest first' })
  const state = h('p', { role: 'status' }, 'Following the change feed…')
  const controller = new AbortController()
  main.append(state, list)
  follow('/v1/events/stream', {}, controller.signal, (message) => {
    const event = JSON.parse(message.data)
    list.prepend(
      h(
        'li',
        null,
        when(event.at),
        ' ',
        h('code', null, event.type),
        event.conversation_id === null
          ? null
          : h(
              'span',
              null,
              ' in ',
              h('a', { href: `#/conversations/${event.conversation_id}` }, 'a conversation'),
            ),
        event.user_id === null
          ? null
          : h('span', null, ' of ', h('a', { href: `#/users/${event.user_id}` }, 'a user')),
      ),
    )
    while (list.childElementCount > SHOWN) list.lastElementChild?.remove()
  })
    .then(() => fill(state, 'The feed ended.'))
    .catch((error) => fill(state, errorBox(error)))
  return () => controller.abort()
}
