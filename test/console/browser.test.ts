import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { seed } from '../../src/operations/seed.js'
import { type RunningServer, startServer } from '../../src/server/serve.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'

/**
 * The admin console driven by a real headless Chromium (Debian's package, through
 * playwright-core), against a real server on each engine. Without Chromium the describe says
 * so; CI sets CHATKEEP_REQUIRE_CHROMIUM=1, which makes its absence a failure.
 * CHATKEEP_CONSOLE_SCREENSHOTS=docs/console writes the screenshots in the docs anew.
 */

const CHROMIUM = process.env.CHATKEEP_CHROMIUM ?? '/usr/bin/chromium'
const SCREENSHOTS = process.env.CHATKEEP_CONSOLE_SCREENSHOTS
const PASSWORD = 'correct horse battery'

if (!existsSync(CHROMIUM)) {
  describe('admin console in a browser', () => {
    test(`not run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHATKEEP_CHROMIUM)`, () => {
      expect(process.env.CHATKEEP_REQUIRE_CHROMIUM, 'CI needs Chromium for these tests').not.toBe(
        '1',
      )
    })
  })
} else {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  }, 60_000)
  afterAll(async () => browser?.close())

  describe.each(ENGINES)('admin console in a browser [%s]', (engine) => {
    let database: TestDatabase
    let server: RunningServer
    let backups: string
    let chat: { id: string; title: string }
    let ids: { root: string; ada: string }

    beforeAll(async () => {
      database = await createTestDatabase(engine)
      backups = mkdtempSync(join(tmpdir(), 'chatkeep-console-'))
      server = await startServer({
        store_config: { database_url: database.database_url },
        // One address makes every request here: the tests' sign-ins and page loads together
        // pass the default 10 logins and 120 requests a minute per IP when the machine is fast.
        server_config: {
          port: 0,
          log_level: 'silent',
          rate_limit_per_minute: 100_000,
          auth_rate_limit_per_minute: 100_000,
        },
        backups: { dir: backups, keep: 3 },
      })
      const { store } = server
      const seeded = await seed(store, [
        { username: 'root', role: 'admin', password: PASSWORD },
        { username: 'ada', role: 'user', password: PASSWORD },
      ])
      const [root, ada] = seeded.users
      ids = { root: root!.id, ada: ada!.id }
      const mine = store.forUser(ids.ada)
      const guide = await mine.documents.ingest({
        title: 'Paris guide',
        chunks: [{ content: 'The best croissant is at the corner bakery.' }],
      })
      const chunk = guide.chunks[0]!
      const created = await mine.conversations.create({ title: 'Breakfast in Paris' })
      chat = { id: created.id, title: 'Breakfast in Paris' }
      const question = await mine.messages.append(chat.id, {
        role: 'user',
        content: 'Where is the best croissant?',
      })
      await mine.messages.append(chat.id, {
        role: 'assistant',
        content: 'First answer: try the market.',
        model_version: 'gpt-test',
        prompt_tokens: 12,
        completion_tokens: 8,
      })
      const second = await mine.messages.append(chat.id, {
        role: 'assistant',
        parent_id: question.id,
        content: 'Second answer: the corner bakery.',
        model_version: 'gpt-test',
        prompt_tokens: 14,
        completion_tokens: 9,
        context_documents: [{ chunk_id: chunk.id, content_hash: chunk.content_hash, score: 0.9 }],
      })
      await mine.messages.setFeedback(second.id, 1, 'Spot on')
    }, 60_000)

    afterAll(async () => {
      await server?.close()
      await database?.drop()
      rmSync(backups, { recursive: true, force: true })
    })

    async function logIn(username: string): Promise<string> {
      const login = await fetch(`${server.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
      })
      return ((await login.json()) as { access_token: string }).access_token
    }

    async function signedIn(username = 'root'): Promise<Page> {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const problems: string[] = []
      page.on('pageerror', (error) => problems.push(error.message))
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text())
      })
      ;(page as Page & { problems?: string[] }).problems = problems
      await page.goto(`${server.url}/admin`)
      await page.getByLabel('Username').fill(username)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      return page
    }

    const problemsOf = (page: Page) => (page as Page & { problems?: string[] }).problems ?? []

    async function shoot(page: Page, name: string) {
      if (SCREENSHOTS === undefined || engine !== 'sqlite') return
      mkdirSync(SCREENSHOTS, { recursive: true })
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
    }

    test('an admin signs in, sees the dashboard, and signing out ends the session', async () => {
      const page = await signedIn()
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
      expect(await page.locator('#signed-in-as').textContent()).toBe('Signed in as root')
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.getByRole('heading', { name: 'Sign in' }).waitFor()
      expect(await page.getByRole('navigation', { name: 'Sections' }).isVisible()).toBe(false)
      const logout = await server.store.audit.list({ user_id: ids.root, action: 'auth.logout' })
      expect(logout.data).toHaveLength(1)
      expect(problemsOf(page).join('\n')).toBe('')
      await page.close()
    })

    test('a non-admin is refused, and the API refuses them the admin routes too', async () => {
      const page = await signedIn('ada')
      const alert = page.getByRole('alert')
      await alert.waitFor()
      expect(await alert.textContent()).toContain('ada is not an admin')
      expect(await page.getByRole('navigation', { name: 'Sections' }).isVisible()).toBe(false)
      const stats = await fetch(`${server.url}/v1/admin/stats`, {
        headers: { authorization: `Bearer ${await logIn('ada')}` },
      })
      expect(stats.status).toBe(403)
      await page.close()
    })

    test('a branched conversation reads as a tree: the active path, its alternatives, the citation', async () => {
      const page = await signedIn()
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
      await page.getByRole('link', { name: 'Conversations' }).click()
      await page.getByLabel('User (username)').fill('ada')
      await page.getByRole('button', { name: 'Filter' }).click()
      await page.getByRole('link', { name: chat.title }).click()
      await page.getByRole('heading', { name: 'Conversation', exact: true }).waitFor()
      const thread = page.getByRole('list', { name: 'Messages on the shown path' })
      await thread.getByText('Second answer: the corner bakery.').waitFor()
      expect(await thread.getByText('First answer').count()).toBe(0)
      expect(await page.getByText('Rated thumbs up: “Spot on”').isVisible()).toBe(true)
      expect(await page.getByText('23 tokens (14 prompt, 9 completion)').isVisible()).toBe(true)
      const branch = page.getByRole('group', { name: 'Alternatives: 2 of 2' })
      await page.getByText('Cited chunks').click()
      await page.getByText('The best croissant is at the corner bakery.').waitFor()
      expect(await page.locator('.citation-status').first().textContent()).toBe('current')
      await shoot(page, 'conversation')
      await branch.getByRole('button', { name: 'Previous alternative' }).click()
      await thread.getByText('First answer: try the market.').waitFor()
      expect(await page.getByRole('group', { name: 'Alternatives: 1 of 2' }).count()).toBe(1)
      // The console's read of the content is in the audit log, as the admin's.
      const reads = await server.store.audit.list({
        user_id: ids.root,
        action: 'messages.read',
        target_id: chat.id,
      })
      expect(reads.data.length).toBeGreaterThan(0)
      expect(problemsOf(page).join('\n')).toBe('')
      await page.close()
    })

    test('a search shows highlighted snippets over messages and documents', async () => {
      const page = await signedIn()
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
      await page.goto(`${server.url}/admin#/search`)
      await page.reload()
      await page.getByRole('heading', { name: 'Sign in' }).waitFor()
      // A reload signs out: the tokens live in the page's memory only.
      await page.getByLabel('Username').fill('root')
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Search' }).waitFor()
      await page.getByLabel('Words').fill('croissant')
      await page.getByRole('button', { name: 'Search' }).click()
      await page.locator('mark', { hasText: 'croissant' }).first().waitFor()
      expect(await page.getByRole('table').getByRole('row').count()).toBe(2)
      await page.getByLabel('In', { exact: true }).selectOption('documents')
      await page.getByRole('button', { name: 'Search' }).click()
      await page.getByRole('link', { name: 'Paris guide' }).waitFor()
      expect(await page.locator('mark', { hasText: 'croissant' }).count()).toBe(1)
      await shoot(page, 'search')
      await page.close()
    })

    test('the dashboard charts the messages and tokens of the range', async () => {
      const page = await signedIn()
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
      const chart = page.getByRole('img', { name: /^Messages per day: 3 messages over 30 days/ })
      await chart.waitFor()
      const bars = await page
        .locator('figure:has-text("Messages per day") rect.bar')
        .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-value'))))
      expect(bars).toHaveLength(30)
      expect(bars.at(-1)).toBe(3)
      const models = page.getByRole('list', { name: 'Tokens per model (all time)' })
      expect(await models.getByRole('listitem').allTextContents()).toEqual([
        'gpt-test43 tokens',
        '(no model)0 tokens',
      ])
      await page.getByLabel('Range', { exact: true }).selectOption('7')
      await page.getByRole('img', { name: /^Messages per day: 3 messages over 7 days/ }).waitFor()
      await shoot(page, 'dashboard')
      await page.close()
    })

    test('a config value is edited, saved with who and when, and audited', async () => {
      const page = await signedIn()
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
      await page.getByRole('link', { name: 'Config' }).click()
      await page.getByRole('heading', { name: 'System config' }).waitFor()
      await page.getByLabel('Key', { exact: true }).fill('console.greeting')
      await page.getByLabel('Value (JSON)').fill('"hello"')
      await page.getByRole('button', { name: 'Add' }).click()
      const editor = page.getByLabel('Value of console.greeting (JSON)')
      await editor.waitFor()
      await editor.fill('"bonjour"')
      await page
        .getByRole('form', { name: 'console.greeting' })
        .getByRole('button', { name: 'Save' })
        .click()
      await page.getByText(/^Saved .* by you$/).waitFor()
      const setting = await server.store.config.get('console.greeting')
      expect(setting.value).toBe('bonjour')
      expect(setting.updated_by).toBe(ids.root)
      const audited = await server.store.audit.list({ action: 'config.update', user_id: ids.root })
      expect(audited.data).toHaveLength(2)
      await editor.fill('{ not json')
      await page
        .getByRole('form', { name: 'console.greeting' })
        .getByRole('button', { name: 'Save' })
        .click()
      await page.getByText('The value is not JSON').waitFor()
      expect((await server.store.config.get('console.greeting')).value).toBe('bonjour')
      await shoot(page, 'config')
      await page.close()
    })

    test('reads at 400 % zoom and is driven by the keyboard: no page-wide sideways scrolling', async () => {
      // 1280 × 1024 at 400 % is a 320 × 256 CSS-pixel viewport (WCAG 1.4.10).
      const page = await browser.newPage({ viewport: { width: 320, height: 256 } })
      await page.goto(`${server.url}/admin`)
      // The sign-in form takes the focus; Tab and Enter do the rest.
      await page.getByLabel('Username').waitFor()
      await page.keyboard.type('root')
      await page.keyboard.press('Tab')
      await page.keyboard.type(PASSWORD)
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
      const views: [string, string][] = [
        ['#/dashboard', 'Tokens per day'],
        [`#/conversations/${chat.id}`, 'Second answer: the corner bakery.'],
        ['#/users', 'Last login'],
        ['#/config', 'New setting'],
      ]
      for (const [view, shown] of views) {
        await page.evaluate(`location.hash = ${JSON.stringify(view)}`)
        await page.locator('main').getByText(shown, { exact: true }).waitFor()
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        )
        expect(overflow, view).toBeLessThanOrEqual(0)
      }
      await page.close()
    })

    test('users, backups and the audit log: revoke, back up now, filter', async () => {
      await logIn('ada')
      const page = await signedIn()
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
      await page.getByRole('link', { name: 'Users' }).click()
      await page.getByRole('link', { name: 'ada', exact: true }).click()
      await page.getByRole('heading', { name: 'Sessions' }).waitFor()
      // ada's session is listed, and can be ended.
      const end = page.getByRole('button', { name: 'End session' })
      const before = await end.count()
      expect(before).toBeGreaterThan(0)
      await end.first().click()
      await expect.poll(() => end.count()).toBe(before - 1)
      await page.getByRole('button', { name: 'Erase ada…' }).click()
      const dialog = page.getByRole('dialog')
      await dialog.getByText('1 conversations').waitFor()
      expect(await dialog.getByText('3 messages').isVisible()).toBe(true)
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      expect((await server.store.users.get(ids.ada)).username).toBe('ada')

      await page.getByRole('link', { name: 'Backups' }).click()
      await page.getByRole('button', { name: 'Back up now' }).click()
      const outcome = page
        .locator('main')
        .getByText(/^Backup complete/)
        .or(page.getByRole('alert'))
      await outcome.waitFor()
      expect(await outcome.textContent()).toMatch(/^Backup complete: .*sha256 [0-9a-f]{64}$/)
      await shoot(page, 'backups')

      await page.getByRole('link', { name: 'Audit log' }).click()
      await page.getByLabel('Action', { exact: true }).fill('auth.session_revoke')
      await page.getByRole('button', { name: 'Filter' }).click()
      // The unfiltered page shown before holds the same cell: wait for the filtered one, whose
      // caption counts the one event, before counting its cells.
      await page.locator('caption', { hasText: /^1 events$/ }).waitFor()
      expect(await page.getByRole('cell', { name: 'auth.session_revoke' }).count()).toBe(1)
      expect(problemsOf(page).join('\n')).toBe('')
      await page.close()
    })
  })
}
