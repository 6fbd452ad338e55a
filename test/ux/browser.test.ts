// What only a browser shows, in Chromium: the top bar in one row at 1366 px with every module,
// the USTAWIENIA menu, a busy button that lets one POST through on a double click, a postal code
// 00950 that becomes 00-950 (and a German one that does not), lists that fit a 390 px phone.
import { existsSync } from 'node:fs'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { build, OWNER } from '../helpers/app.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'

const CHROMIUM = '/usr/bin/chromium'

t.test(
  'in Chromium',
  { skip: existsSync(CHROMIUM) ? false : 'Chromium is missing at /usr/bin/chromium' },
  async (t) => {
    const { app, db } = await build(t, { company: { package: 'ksiegowosc_magazyn', allegro_enabled: 1 } })
    const shopId = await insertShop(db)
    for (let i = 0; i < 3; i++) await insertTransaction(db, shopId, { invoice: i === 0 ? 'company' : 'none' })
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    })
    t.teardown(async () => {
      await browser.close()
    })
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'pl-PL' })
    const page: Page = await context.newPage()
    await page.goto(`${base}/logowanie`)
    await page.fill('#f-login', OWNER.login)
    await page.fill('#f-password', OWNER.password)
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')])

    await t.test('the top bar is one row at 1366 px, every module on', async (t) => {
      await page.goto(`${base}/przychody/allegro`)
      const tops = await page.$$eval('.topbar .brand, .mainnav > *', (els) =>
        els.map((el) => Math.round(el.getBoundingClientRect().top))
      )
      t.ok(tops.length >= 7, `brand and groups: ${tops.length}`)
      t.ok(Math.max(...tops) - Math.min(...tops) <= 12, `all in one row (tops ${tops.join(', ')})`)
      const height = await page.$eval('.topbar', (el) => el.getBoundingClientRect().height)
      t.ok(height < 60, `the bar is one line high (${height} px)`)
      t.notOk(await page.isVisible('.navmenu-list a[href="/ustawienia/firma"]'), 'USTAWIENIA is folded')
      await page.click('.navmenu > summary')
      t.ok(await page.isVisible('.navmenu-list a[href="/ustawienia/firma"]'), 'and opens on a click')
      await page.keyboard.press('Escape')
      t.notOk(await page.isVisible('.navmenu-list a[href="/ustawienia/firma"]'), 'Escape closes it')
    })

    await t.test('a double click on a busy button posts once', async (t) => {
      await page.goto(`${base}/kontrahenci/nowy`)
      await page.fill('#f-name', 'Hurtownia Podwójna')
      await page.uncheck('#f-isCompany')
      let posts = 0
      // the POST is answered 204 by the browser itself: the page stays, to be looked at
      await page.route('**/kontrahenci', async (route) => {
        if (route.request().method() !== 'POST') return await route.continue()
        posts += 1
        await route.fulfill({ status: 204, body: '' })
      })
      const save = page.locator('form .actions button.primary').first()
      t.equal((await save.textContent())?.trim(), 'Zapisz')
      // two clicks in one go, faster than any hand
      await page.evaluate(() => {
        const button = document.querySelector<HTMLButtonElement>('form .actions button.primary')
        button?.click()
        button?.click()
      })
      await page.waitForTimeout(300)
      await save.click({ force: true, timeout: 2000 }).catch(() => {})
      await page.waitForTimeout(300)
      t.equal(await save.isDisabled(), true, 'the button is disabled after the first click')
      t.equal((await save.textContent())?.trim(), 'Trwa…', 'and says it is busy')
      t.equal(posts, 1, 'three clicks, one POST')
      t.equal(await page.getAttribute('form[action="/kontrahenci"]', 'aria-busy'), 'true', 'the form is marked busy')
      await page.unroute('**/kontrahenci')
    })

    await t.test('a postal code typed as 00950 becomes 00-950 in Poland only', async (t) => {
      await page.goto(`${base}/kontrahenci/nowy`)
      await page.fill('#f-postalCode', '00950')
      await page.press('#f-postalCode', 'Tab')
      t.equal(await page.inputValue('#f-postalCode'), '00-950', 'PL: the dash is added')
      await page.fill('#f-countryCode', 'DE')
      await page.fill('#f-postalCode', '10115')
      await page.press('#f-postalCode', 'Tab')
      t.equal(await page.inputValue('#f-postalCode'), '10115', 'DE: left as typed')
      await page.goto(`${base}/ustawienia/firma`)
      await page.fill('#f-postalCode', '31042')
      await Promise.all([page.waitForURL(`${base}/ustawienia/firma`), page.press('#f-postalCode', 'Enter')])
      const stored = await db.selectFrom('company').select('postal_code').executeTakeFirstOrThrow()
      t.equal(stored.postal_code, '31-042', 'Enter in the field: the company is saved with 31-042')
    })

    await t.test('lists fit a 390 px phone', async (t) => {
      await page.setViewportSize({ width: 390, height: 844 })
      for (const url of [
        '/przychody/allegro?sort=-kwota&na-stronie=25',
        '/przychody/dokumenty?sort=nabywca',
        '/ustawienia/firma'
      ]) {
        await page.goto(`${base}${url}`)
        const width = await page.evaluate(() => document.documentElement.scrollWidth)
        t.ok(width <= 390, `${url}: no sideways scroll (${width} px)`)
      }
    })
  }
)
