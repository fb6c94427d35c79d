// @ts-check
import { call } from '../lib/api.js'
import { announce, errorBox, fill, h, size, table, when } from '../lib/dom.js'

/** The notice of the backup just taken, for the next drawing of the list. */
/** @type {HTMLElement | null} */
let lastTaken = null

/**
 * The backup log, newest first, with each file's size and checksum; and a button that takes a
 * backup now, as `chatkeep backup` does, into the server's BACKUP_DIR.
 * @param {HTMLElement} main
 */
export async function render(main) {
  const page = await call('GET', '/v1/admin/backups', { query: { limit: 50 } })
  const notice = h('div', { 'aria-live': 'polite' }, lastTaken)
  lastTaken = null
  const start = h('button', { type: 'button' }, 'Back up now')
  start.addEventListener('click', async () => {
    start.setAttribute('disabled', '')
    fill(notice, h('p', { role: 'status' }, 'Backing up…'))
    try {
      const backup = await call('POST', '/v1/admin/backups')
      announce('Backup complete')
      // Shown by the list drawn anew, which now holds the backup.
      lastTaken = h(
        'p',
        { role: 'status' },
        `Backup complete: ${size(backup.file_size_bytes)}, sha256 ${backup.sha256}`,
      )
      window.dispatchEvent(new HashChangeEvent('hashchange'))
    } catch (error) {
      fill(notice, errorBox(error))
      start.removeAttribute('disabled')
    }
  })
  main.append(
    h('p', null, start),
    notice,
    table(
      `${page.data.length}${page.has_more ? '+' : ''} backups`,
      ['Started', 'Status', 'Kind', 'Size', 'SHA-256', 'File'],
      page.data.map((/** @type {any} */ b) => [
        when(b.started_at),
        h('span', { class: `status ${b.status}` }, b.status),
        b.backup_type,
        size(b.file_size_bytes),
        b.sha256 === null ? (b.error_message ?? '') : h('code', { class: 'hash' }, b.sha256),
        b.file_path ?? '',
      ]),
    ),
  )
}
