// @ts-check
import { all, call, follow } from '../lib/api.js'
import { count, errorBox, fill, h, when } from '../lib/dom.js'

/**
 * @typedef {{
 *   id: string, parent_id: string | null, role: string, content: string, sequence: number,
 *   model_version: string | null, tokens_used: number, prompt_tokens: number | null,
 *   completion_tokens: number | null, feedback: -1 | 1 | null, feedback_reason: string | null,
 *   status: string, finish_reason: string | null, created_at: string, completed_at: string | null,
 *   metadata: Record<string, unknown>, context_documents: unknown[],
 * }} Message
 */

/**
 * One conversation read as a tree: the active path from the root, and at every message that
 * has alternatives (an edit, a regeneration) the choice of which one to follow. A message
 * still streaming grows as its deltas arrive.
 * @param {HTMLElement} main
 * @param {string | undefined} id
 */
export async function render(main, id) {
  if (id === undefined) return
  const [conversation, messages] = await Promise.all([
    call('GET', `/v1/conversations/${encodeURIComponent(id)}`),
    /** @type {Promise<Message[]>} */ (
      all(`/v1/conversations/${encodeURIComponent(id)}/messages`, {}, 10_000)
    ),
  ])
  const owner = await call('GET', `/v1/users/${conversation.user_id}`).catch(() => null)
  /** @type {Map<string | null, Message[]>} */
  const children = new Map()
  /** @type {Map<string, Message>} */
  const byId = new Map()
  for (const message of messages) {
    byId.set(message.id, message)
    const siblings = children.get(message.parent_id) ?? []
    siblings.push(message)
    children.set(message.parent_id, siblings)
  }
  // Which child each message continues with: the active path's, else the newest.
  /** @type {Map<string | null, string>} */
  const chosen = new Map()
  for (
    let at =
      conversation.active_leaf_id === null ? undefined : byId.get(conversation.active_leaf_id);
    at !== undefined;
    at = at.parent_id === null ? undefined : byId.get(at.parent_id)
  ) {
    chosen.set(at.parent_id, at.id)
  }
  const controller = new AbortController()
  const path = h('ol', { class: 'thread', 'aria-label': 'Messages on the shown path' })
  const branches = [...children.values()].filter((list) => list.length > 1).length

  const draw = () => {
    fill(path)
    let parent = /** @type {string | null} */ (null)
    for (;;) {
      const options = children.get(parent) ?? []
      if (options.length === 0) break
      const pick = options.find((m) => m.id === chosen.get(parent)) ?? options[options.length - 1]
      if (pick === undefined) break
      const at = parent
      path.append(
        messageItem(
          pick,
          options,
          (next) => {
            chosen.set(at, next)
            draw()
            document.getElementById(`message-${next}`)?.focus()
          },
          controller.signal,
        ),
      )
      parent = pick.id
    }
  }
  draw()

  main.append(
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Title'),
      h('dd', null, conversation.title ?? '(untitled)'),
      h('dt', null, 'User'),
      h(
        'dd',
        null,
        owner === null
          ? conversation.user_id
          : h('a', { href: `#/users/${owner.id}` }, owner.username),
      ),
      h('dt', null, 'Status'),
      h('dd', null, conversation.status, conversation.temporary ? ', temporary' : ''),
      h('dt', null, 'Origin'),
      h('dd', null, conversation.origin),
      h('dt', null, 'Messages'),
      h(
        'dd',
        null,
        `${count(messages.length)} in ${count(branches)} branching point${branches === 1 ? '' : 's'}`,
      ),
      h('dt', null, 'Tokens'),
      h('dd', null, count(conversation.total_tokens)),
      h('dt', null, 'Last active'),
      h('dd', null, when(conversation.last_activity)),
    ),
    path,
  )
  return () => controller.abort()
}

/**
 * @param {Message} message
 * @param {Message[]} siblings the message and its alternatives, oldest first
 * @param {(id: string) => void} onChoose
 * @param {AbortSignal} signal
 */
function messageItem(message, siblings, onChoose, signal) {
  const position = siblings.indexOf(message)
  const content = h('div', { class: 'content' }, message.content)
  const facts = h('p', { class: 'message-facts' }, ...factsOf(message))
  const item = h(
    'li',
    { class: `message role-${message.role}`, id: `message-${message.id}`, tabindex: '-1' },
    h(
      'header',
      null,
      h('strong', { class: 'role' }, message.role),
      ' ',
      when(message.created_at),
      siblings.length > 1
        ? h(
            'span',
            {
              class: 'branch',
              role: 'group',
              'aria-label': `Alternatives: ${position + 1} of ${siblings.length}`,
            },
            h(
              'button',
              {
                type: 'button',
                disabled: position === 0,
                'aria-label': 'Previous alternative',
                onclick: () => onChoose(/** @type {Message} */ (siblings[position - 1]).id),
              },
              '‹',
            ),
            ` ${position + 1} of ${siblings.length} `,
            h(
              'button',
              {
                type: 'button',
                disabled: position === siblings.length - 1,
                'aria-label': 'Next alternative',
                onclick: () => onChoose(/** @type {Message} */ (siblings[position + 1]).id),
              },
              '›',
            ),
          )
        : null,
    ),
    content,
    facts,
  )
  if (message.feedback !== null) {
    item.append(
      h(
        'p',
        { class: `feedback ${message.feedback === 1 ? 'good' : 'bad'}` },
        message.feedback === 1 ? 'Rated thumbs up' : 'Rated thumbs down',
        message.feedback_reason === null ? null : `: “${message.feedback_reason}”`,
      ),
    )
  }
  if (message.context_documents.length > 0) item.append(citations(message.id))
  if (message.status === 'streaming') {
    const live = h('p', { class: 'live', role: 'status' }, 'Streaming…')
    item.append(live)
    follow(`/v1/messages/${message.id}/stream`, {}, signal, (event) => {
      const data = JSON.parse(event.data)
      if (event.event === 'content') content.textContent = data.content
      else if (event.event === 'delta') content.append(data.content)
      else if (event.event === 'end') {
        content.textContent = data.content
        fill(facts, ...factsOf(data))
        fill(live, `Ended: ${data.status}`)
      } else if (event.event === 'error') fill(live, errorBox(new Error(data.detail)))
    }).catch((error) => fill(live, errorBox(error)))
  }
  return item
}

/** @param {Message} message */
function factsOf(message) {
  const latency =
    typeof message.metadata.latency_ms === 'number'
      ? message.metadata.latency_ms
      : message.completed_at === null
        ? null
        : Date.parse(message.completed_at) - Date.parse(message.created_at)
  const tokens =
    message.prompt_tokens !== null || message.completion_tokens !== null
      ? `${count(message.tokens_used)} tokens (${count(message.prompt_tokens ?? 0)} prompt, ${count(message.completion_tokens ?? 0)} completion)`
      : `${count(message.tokens_used)} tokens`
  return [
    message.model_version === null ? null : h('span', null, `model ${message.model_version}`),
    h('span', null, tokens),
    latency === null ? null : h('span', null, `latency ${count(latency)} ms`),
    message.status === 'complete' ? null : h('span', null, `status ${message.status}`),
    message.finish_reason === null ? null : h('span', null, `finish ${message.finish_reason}`),
  ]
}

/**
 * The chunks the answer cited, with their text now and whether it changed since.
 * @param {string} id
 */
function citations(id) {
  const list = h('ul', { class: 'citations' })
  const box = h('details', { class: 'cited' }, h('summary', null, 'Cited chunks'), list)
  box.addEventListener('toggle', async () => {
    if (!(/** @type {HTMLDetailsElement} */ (box).open) || list.childElementCount > 0) return
    try {
      const answer = await call('GET', `/v1/messages/${id}/citations`)
      /** @type {Map<string, Promise<any>>} */
      const documents = new Map()
      for (const citation of answer.data) {
        let text = null
        let title = citation.document_id
        if (citation.status !== 'deleted' && citation.document_id !== null) {
          if (!documents.has(citation.document_id)) {
            documents.set(
              citation.document_id,
              call('GET', `/v1/documents/${citation.document_id}`),
            )
          }
          const document = await documents.get(citation.document_id)
          title = document.title ?? document.id
          text =
            document.chunks?.find((/** @type {any} */ c) => c.id === citation.chunk_id)?.content ??
            null
        }
        list.append(
          h(
            'li',
            null,
            h('strong', { class: `citation-status ${citation.status}` }, citation.status),
            ' ',
            citation.document_id === null
              ? 'a chunk'
              : h('a', { href: `#/documents/${citation.document_id}` }, title),
            citation.score === null ? null : ` (score ${Number(citation.score).toFixed(3)})`,
            text === null ? null : h('blockquote', null, text),
          ),
        )
      }
      if (answer.data.length === 0) list.append(h('li', null, 'No chunk recorded.'))
    } catch (error) {
      list.append(h('li', null, errorBox(error)))
    }
  })
  return box
}
