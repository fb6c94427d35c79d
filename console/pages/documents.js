// @ts-check
import { call } from '../lib/api.js'
import { count, h, table, when } from '../lib/dom.js'

/** @param {HTMLElement} main */
export async function render(main) {
  const page = await call('GET', '/v1/documents', { query: { limit: 200 } })
  main.append(
    table(
      `${page.data.length}${page.has_more ? '+' : ''} documents`,
      ['Title', 'Type', 'Owner', 'Version', 'Updated'],
      page.data.map((/** @type {any} */ d) => [
        h('a', { href: `#/documents/${d.id}` }, d.title ?? d.source_url ?? d.id),
        d.doc_type ?? '',
        d.user_id === null ? 'shared' : h('a', { href: `#/users/${d.user_id}` }, 'owner'),
        d.version ?? '',
        when(d.updated_at),
      ]),
    ),
  )
}

/**
 * One document and its chunks, in order.
 * @param {HTMLElement} main
 * @param {string | undefined} id
 */
export async function renderOne(main, id) {
  if (id === undefined) return
  const document = await call('GET', `/v1/documents/${encodeURIComponent(id)}`)
  main.append(
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Title'),
      h('dd', null, document.title ?? '—'),
      h('dt', null, 'Source'),
      h('dd', null, document.source_url ?? '—'),
      h('dt', null, 'Type'),
      h('dd', null, document.doc_type ?? '—'),
      h('dt', null, 'Chunks'),
      h('dd', null, count(document.chunks.length)),
      h('dt', null, 'Updated'),
      h('dd', null, when(document.updated_at)),
    ),
    h(
      'ol',
      { class: 'chunks', 'aria-label': 'Chunks' },
      document.chunks.map((/** @type {any} */ chunk) =>
        h(
          'li',
          { id: `chunk-${chunk.id}` },
          h('p', { class: 'content' }, chunk.content),
          h(
            'p',
            { class: 'message-facts' },
            h('span', null, `#${chunk.chunk_index}`),
            chunk.token_count === null
              ? null
              : h('span', null, `${count(chunk.token_count)} tokens`),
            chunk.embedding_dimensions === null
              ? null
              : h('span', null, `embedding ${chunk.embedding_dimensions} dims`),
            h('span', null, h('code', null, chunk.content_hash.slice(0, 12))),
          ),
        ),
      ),
    ),
  )
}
