// @ts-check
/**
 * Building the page from data without ever parsing data as HTML: every string becomes a text
 * node, so a message or a username cannot inject markup.
 */

/**
 * @typedef {Node | string | number | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 */

/**
 * `h('a', { href: '#/x' }, 'text')`: an element with attributes (`on…` are listeners; `true`
 * is a bare attribute; null, undefined and false leave it out) and children.
 * @param {string} tag
 * @param {Attrs | null} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value)
    else if (value === true) element.setAttribute(name, '')
    else if (value !== null && value !== undefined && value !== false) {
      element.setAttribute(name, String(value))
    }
  }
  append(element, children)
  return element
}

/**
 * @param {Element} parent
 * @param {(Child | Child[])[]} children
 */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    parent.append(typeof child === 'number' ? String(child) : child)
  }
}

/**
 * Replaces the element's content.
 * @param {Element} element
 * @param {...(Child | Child[])} children
 */
export function fill(element, ...children) {
  element.replaceChildren()
  append(element, children)
}

/** A form field with its label, bound by id. */
let fieldCount = 0
/**
 * @param {string} label
 * @param {HTMLElement} control an input, select or textarea
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  const id = control.id || `field-${++fieldCount}`
  control.id = id
  const hintId = hint === undefined ? null : `${id}-hint`
  if (hintId !== null) control.setAttribute('aria-describedby', hintId)
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint === undefined ? null : h('small', { id: hintId }, hint),
  )
}

/**
 * A select of `[value, label]` options.
 * @param {Attrs} attrs
 * @param {[string, string][]} options
 * @param {string} [selected]
 */
export function select(attrs, options, selected) {
  return h(
    'select',
    attrs,
    options.map(([value, label]) => h('option', { value, selected: value === selected }, label)),
  )
}

/**
 * Text with the search engine's `<mark>` … `</mark>` shown as highlights, the rest as text.
 * @param {string} snippet
 */
export function highlighted(snippet) {
  const parts = snippet.split(/<\/?mark>/)
  return h(
    'span',
    { class: 'snippet' },
    parts.map((part, i) => (i % 2 === 1 ? h('mark', null, part) : part)),
  )
}

/** Tells screen readers what just happened (a save, a refusal). */
/** @param {string} text */
export function announce(text) {
  const announcer = document.getElementById('announcer')
  if (announcer !== null) announcer.textContent = text
}

/**
 * An error or a notice inside the page.
 * @param {unknown} error
 */
export function errorBox(error) {
  const message = error instanceof Error ? error.message : String(error)
  const code = /** @type {{ code?: string }} */ (error).code
  return h(
    'p',
    { class: 'error', role: 'alert' },
    code !== undefined && code !== 'unknown' ? h('code', null, code) : null,
    code !== undefined && code !== 'unknown' ? ' ' : null,
    message,
  )
}

const numbers = new Intl.NumberFormat('en-US')
/** @param {number | null | undefined} n */
export const count = (n) => (n === null || n === undefined ? '—' : numbers.format(n))

/** @param {number | null | undefined} bytes */
export function size(bytes) {
  if (bytes === null || bytes === undefined) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/** @param {string | null | undefined} iso */
export function when(iso) {
  if (iso === null || iso === undefined) return '—'
  const date = new Date(iso)
  return h(
    'time',
    { datetime: iso, title: iso },
    date.toLocaleString('en-GB', { timeZone: 'UTC' }) + ' UTC',
  )
}

/**
 * A `<table>` with a caption, header cells and rows.
 * @param {string} caption
 * @param {string[]} headers
 * @param {(Child | Child[])[][]} rows
 */
export function table(caption, headers, rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('caption', null, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.length === 0
          ? h('tr', null, h('td', { colspan: headers.length }, 'Nothing here.'))
          : rows.map((cells) =>
              h(
                'tr',
                null,
                cells.map((cell) => h('td', null, cell)),
              ),
            ),
      ),
    ),
  )
}

/**
 * The value of a form's named control.
 * @param {HTMLFormElement} form
 * @param {string} name
 */
export function valueOf(form, name) {
  const control = form.elements.namedItem(name)
  return control instanceof HTMLInputElement ||
    control instanceof HTMLSelectElement ||
    control instanceof HTMLTextAreaElement
    ? control.value.trim()
    : ''
}
