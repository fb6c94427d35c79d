// @ts-check
/**
 * Charts drawn with SVG and CSS from the page's own code: no library, nothing from another
 * origin. Each chart has a text summary for screen readers, and each bar its value as a title.
 */
import { count, h } from './dom.js'

const SVG = 'http://www.w3.org/2000/svg'

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {...(Node | string)} children
 */
function svg(tag, attrs, ...children) {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value))
  element.append(...children)
  return element
}

/**
 * Sets a bar's width through the CSSOM: the console's Content-Security-Policy refuses style
 * attributes, not styles set from its own script.
 * @param {HTMLElement} element
 * @param {number} percent
 */
function sized(element, percent) {
  element.style.width = `${percent.toFixed(1)}%`
  return element
}

/**
 * Columns over time, one per day: `points` oldest first.
 * @param {string} title
 * @param {{ label: string, value: number }[]} points
 * @param {string} unit what a value counts, for the summary ("messages")
 */
export function columns(title, points, unit) {
  const width = 600
  const height = 180
  const top = 10
  const bottom = 24
  const max = Math.max(1, ...points.map((p) => p.value))
  const step = width / Math.max(1, points.length)
  const total = points.reduce((sum, p) => sum + p.value, 0)
  const peak = points.reduce(
    (best, p) => (p.value > best.value ? p : best),
    points[0] ?? { label: '', value: 0 },
  )
  const summary =
    `${title}: ${count(total)} ${unit} over ${points.length} days` +
    (total > 0 ? `, the most on ${peak.label} (${count(peak.value)}).` : '.')
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, class: 'chart' },
    svg('title', {}, summary),
    svg('line', { x1: 0, y1: height - bottom, x2: width, y2: height - bottom, class: 'axis' }),
    ...points.map((point, i) => {
      const barHeight = ((height - top - bottom) * point.value) / max
      return svg(
        'rect',
        {
          x: i * step + step * 0.15,
          y: height - bottom - barHeight,
          width: step * 0.7,
          height: Math.max(point.value > 0 ? 1 : 0, barHeight),
          class: 'bar',
          'data-value': point.value,
        },
        svg('title', {}, `${point.label}: ${count(point.value)} ${unit}`),
      )
    }),
    ...[0, Math.floor((points.length - 1) / 2), points.length - 1]
      .filter((i, n, all) => i >= 0 && all.indexOf(i) === n)
      .map((i) =>
        svg(
          'text',
          {
            x: i * step + step / 2,
            y: height - 6,
            'text-anchor': i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle',
            class: 'tick',
          },
          points[i]?.label ?? '',
        ),
      ),
    svg('text', { x: 4, y: top + 10, class: 'tick' }, `max ${count(max)}`),
  )
  return h('figure', { class: 'chart-figure' }, h('figcaption', null, title), chart)
}

/**
 * Horizontal bars, one per row, longest first as given.
 * @param {string} title
 * @param {{ label: string, value: number, note?: string }[]} rows
 * @param {string} unit
 */
export function bars(title, rows, unit) {
  const max = Math.max(1, ...rows.map((r) => r.value))
  return h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', null, title),
    rows.length === 0
      ? h('p', { class: 'muted' }, 'No data in this range.')
      : h(
          'ul',
          { class: 'hbars', 'aria-label': title },
          rows.map((row) =>
            h(
              'li',
              null,
              h('span', { class: 'hbar-label' }, row.label),
              h(
                'span',
                { class: 'hbar-track', 'aria-hidden': 'true' },
                sized(h('span', { class: 'hbar' }), Math.max(0.5, (100 * row.value) / max)),
              ),
              h(
                'span',
                { class: 'hbar-value' },
                `${count(row.value)} ${unit}`,
                row.note === undefined ? null : h('small', null, ` ${row.note}`),
              ),
            ),
          ),
        ),
  )
}

/**
 * A bar split in two parts (thumbs up against down, connections in use against idle).
 * @param {string} title
 * @param {{ label: string, value: number, kind: string }[]} parts
 */
export function split(title, parts) {
  const total = parts.reduce((sum, p) => sum + p.value, 0)
  const summary = parts.map((p) => `${p.label} ${count(p.value)}`).join(', ')
  return h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', null, title),
    h(
      'div',
      { class: 'split', role: 'img', 'aria-label': `${title}: ${summary}` },
      total === 0
        ? h('span', { class: 'split-empty' }, 'none yet')
        : parts.map((part) =>
            sized(
              h('span', {
                class: `split-part ${part.kind}`,
                title: `${part.label}: ${count(part.value)}`,
              }),
              (100 * part.value) / total,
            ),
          ),
    ),
    h(
      'p',
      { class: 'legend' },
      parts.map((part) =>
        h(
          'span',
          null,
          h('span', { class: `swatch ${part.kind}`, 'aria-hidden': 'true' }),
          `${part.label}: ${count(part.value)}`,
        ),
      ),
    ),
  )
}
