// @ts-check
import { call } from '../lib/api.js'
import { field, h, highlighted, select, table, valueOf, when } from '../lib/dom.js'

/**
 * Full-text search over every user's messages, or over documents' chunks, with the matched
 * words highlighted.
 * @param {HTMLElement} main
 * @param {string | undefined} _id
 * @param {URLSearchParams} query
 */
export async function render(main, _id, query) {
  const q = query.get('q') ?? ''
  const scope = query.get('scope') === 'documents' ? 'documents' : 'messages'
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Search' },
    field('Words', h('input', { name: 'q', type: 'search', value: q, required: true })),
    field(
      'In',
      select(
        { name: 'scope' },
        [
          ['messages', 'Messages'],
          ['documents', 'Documents'],
        ],
        scope,
      ),
    ),
    h('button', { type: 'submit' }, 'Search'),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const next = new URLSearchParams({
      q: valueOf(/** @type {HTMLFormElement} */ (form), 'q'),
      scope: valueOf(/** @type {HTMLFormElement} */ (form), 'scope'),
    })
    location.hash = `#/search?${next}`
  })
  main.append(form)
  if (q === '') return
  const page = await call('GET', '/v1/search', { query: { q, scope, limit: 50 } })
  main.append(
    table(
      `${page.data.length}${page.has_more ? '+' : ''} hits for “${q}”`,
      scope === 'messages'
        ? ['Snippet', 'Role', 'Conversation', 'When']
        : ['Snippet', 'Document', 'Chunk', 'When'],
      page.data.map((/** @type {any} */ hit) =>
        scope === 'messages'
          ? [
              highlighted(hit.snippet),
              hit.role ?? '',
              h('a', { href: `#/conversations/${hit.conversation_id}` }, 'open'),
              when(hit.created_at),
            ]
          : [
              highlighted(hit.snippet),
              h('a', { href: `#/documents/${hit.document_id}` }, hit.title ?? hit.document_id),
              String(hit.chunk_index),
              when(hit.created_at),
            ],
      ),
    ),
  )
}
