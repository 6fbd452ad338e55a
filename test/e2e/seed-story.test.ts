import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DateTime } from 'luxon'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import t from 'tap'
import { parseUserAmount } from '../../src/shared/money.ts'
import { isValidKsefNumber } from '../../src/ksef/ksef-number.ts'
import { field, xmllint } from '../jpk/helpers.ts'
import { qrCodesInPdf } from '../ksef/helpers/qr-pdf.ts'

// The seed's whole story, as a new user would live it, in Debian's Chromium against the real
// server (a child process with the built-in Allegro simulator): first run → Allegro module →
// shop → connecting on the simulator's page → import (and the 10-minute throttle) → a product
// named like an offer → Wystaw Fakturę → lines, delivery, totals → KONTRAHENCI → stock →
// auto-close → Opłać with the pencil → Usuń, import again, still gone → Powiąż z istniejącym
// dokumentem → KSIĘGOWOŚĆ; and the KSeF part: connecting the built-in KSeF simulator with a
// token from its page → the invoice accepted with its KSeF number → the PDF's QR code → the
// same PDF delivered to the Allegro order. Only clicks and typing; every page visited is saved
// as a screenshot under test-artifacts/e2e/.

const CHROMIUM = '/usr/bin/chromium'
const ROOT = resolve(import.meta.dirname, '../..')
const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e')
const SIMULATOR_SEED = '4242'
const ZONE = 'Europe/Warsaw'
const SETTINGS = '/ustawienia/integracje/allegro'
const LIST = '/przychody/allegro'
const SHOP_NAME = 'Sklep z zabawkami'
const OWNER = { login: 'ania', name: 'Anna Nowak', password: 'moje-biurko-2026' }
const COMPANY_NIP = '5261040828'

/** The text of a PDF as poppler's pdftotext reads it. */
/** axe-core, evaluated into each page by the DevTools protocol (a page's own CSP allows no injected script tag) */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const PHONE = { width: 390, height: 844 }

const pdfText = (pdf: Buffer): string =>
  execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8')

interface Server {
  url: string
  stop: () => Promise<void>
  output: () => string
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  server.close()
  await once(server, 'close')
  return port
}

/** `node --import tsx src/server.ts`, as `npm run dev` does, on its own data folder. */
async function startServer(dataDir: string, port: number, extraEnv: Record<string, string> = {}): Promise<Server> {
  const url = `http://127.0.0.1:${port}`
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SIMULATOR_ENABLED: 'true',
    SIMULATOR_SEED,
    // the KSeF worker's round every 2 s instead of 15 s, so the story does not wait for it
    KSEF_WORKER_INTERVAL_MS: '2000',
    ...extraEnv
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let log = ''
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-20_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = once(child, 'exit')

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }

  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with ${child.exitCode} before answering /healthz:\n${log}`)
    try {
      const response = await fetch(`${url}/healthz`)
      if (response.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`the server did not answer /healthz within 60 s:\n${log}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, stop, output: () => log }
}

/** "1 234,56 zł" → 123456 */
function grosze(text: string): number {
  const amount = parseUserAmount(text.replace(/zł/g, ''))
  if (amount === null) throw new Error(`not an amount: ${JSON.stringify(text)}`)
  return amount
}

const quantityOf = (text: string): number => Number(text.trim().replace(',', '.'))

// A whole working day in one story: two server starts, about 60 pages, a wait for KSeF's
// acceptance of two invoices; beyond tap's 120 s on a busy 2-core machine, so its own budget.
t.setTimeout(600_000)

if (!existsSync(CHROMIUM)) {
  t.fail(
    `Chromium is missing at ${CHROMIUM}; the end-to-end test needs it: apt-get install -y chromium (.ci/run installs it)`
  )
} else {
  t.test('the seed’s story end to end in Chromium', async (t) => {
    rmSync(ARTIFACTS, { recursive: true, force: true })
    mkdirSync(ARTIFACTS, { recursive: true })
    const dataDir = mkdtempSync(join(tmpdir(), 'biurko-e2e-'))
    const port = await freePort()

    let server: Server | null = null
    let browser: Browser | null = null
    t.teardown(async () => {
      if (server !== null && !t.passing()) process.stderr.write(`--- server output ---\n${server.output()}\n`)
      await browser?.close()
      await server?.stop()
      rmSync(dataDir, { recursive: true, force: true })
    })
    server = await startServer(dataDir, port)
    const base = server.url

    browser = await chromium.launch({
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
    const context: BrowserContext = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'pl-PL',
      timezoneId: ZONE
    })
    context.setDefaultTimeout(30_000)
    const page = await context.newPage()

    // Whatever the story does, the browser must see no error answer, no CSP violation, no script
    // error. (A failed load is also logged to the console; the response itself is what counts.)
    const problems: string[] = []
    const refusals: string[] = []
    const watch = (p: Page): void => {
      p.on('pageerror', (error) => problems.push(`script error on ${p.url()}: ${error.message}`))
      p.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
          problems.push(`console error on ${p.url()}: ${message.text()}`)
      })
      p.on('response', (response) => {
        if (response.status() >= 400)
          refusals.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`)
      })
    }
    watch(page)

    // Every page of the story is also checked the way a screen-reader user and a phone user
    // meet it: axe-core's serious and critical findings, and whether the page at 390 px wide
    // scrolls sideways (a screenshot of that width is saved beside the desktop one).
    const accessibility: string[] = []
    const sideways: string[] = []
    let shotNo = 0
    const shot = async (p: Page, name: string): Promise<void> => {
      shotNo++
      const file = join(ARTIFACTS, `${String(shotNo).padStart(2, '0')}-${name}`)
      await p.screenshot({ path: `${file}.png`, fullPage: true })
      if ((await p.evaluate('typeof window.axe')) === 'undefined') await p.evaluate(AXE_SOURCE)
      const findings = await p.evaluate(async () => {
        const axe = (
          window as unknown as {
            axe: {
              run: (context: Document) => Promise<{
                violations: Array<{
                  id: string
                  impact: string | null
                  help: string
                  nodes: Array<{ target: unknown[] }>
                }>
              }>
            }
          }
        ).axe
        const result = await axe.run(document)
        return result.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map(
            (v) =>
              `${v.impact} ${v.id} (${v.help}): ${v.nodes
                .slice(0, 3)
                .map((n) => n.target.join(' '))
                .join(', ')}`
          )
      })
      for (const finding of findings) accessibility.push(`${name} ${new URL(p.url()).pathname}: ${finding}`)
      const desktop = p.viewportSize() ?? { width: 1366, height: 900 }
      await p.setViewportSize(PHONE)
      const overflow = await p.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth
      )
      if (overflow > 0) sideways.push(`${name} ${new URL(p.url()).pathname}: ${overflow} px wider than the screen`)
      await p.screenshot({ path: `${file}-390.png`, fullPage: true })
      await p.setViewportSize(desktop)
    }
    const pathOf = (p: Page): string => new URL(p.url()).pathname
    /** At 390 px, is the first row's cell of this column inside the screen (a list as cards)? */
    const onPhoneScreen = async (column: string): Promise<boolean> => {
      await page.setViewportSize(PHONE)
      const box = await page.locator('table.cards tbody tr').first().locator(`td[data-label="${column}"]`).boundingBox()
      await page.setViewportSize({ width: 1366, height: 900 })
      return box !== null && box.width > 0 && box.x >= 0 && box.x + box.width <= PHONE.width
    }
    /** Clicks something that loads a new page (a link or a form's button) and waits for it. */
    const clickAndLoad = async (target: Locator): Promise<void> => {
      const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() })
      // a link of the top bar's folded USTAWIENIA menu is there once the menu is opened, as a person does
      if ((await target.count()) === 0)
        for (const menu of await page.locator('nav.mainnav details:not([open]) > summary').all()) await menu.click()
      await target.click()
      await navigated
      await page.waitForLoadState('load')
    }
    const flashes = async (): Promise<string> => (await page.locator('main .flash').allInnerTexts()).join('\n')
    const nav = (name: string): Locator => page.locator('nav.mainnav').getByRole('link', { name, exact: true })
    const detail = (label: string): Locator => page.locator(`dl.details dt:text-is("${label}") + dd`).first()
    /** On a document's page: the month its ledger entry belongs to (the earlier of sale and issue date). */
    /** On an invoice's page: reloads until the worker has it accepted by KSeF; its KSeF number. */
    const waitForKsefNumber = async (): Promise<string> => {
      const ksefCard = page.locator('#ksef')
      const deadline = Date.now() + 120_000
      while (!/Numer KSeF: \S+/.test(await ksefCard.innerText())) {
        if (Date.now() > deadline) throw new Error(`no KSeF number within 120 s: ${await ksefCard.innerText()}`)
        await page.waitForTimeout(1000)
        await page.reload()
      }
      return /Numer KSeF: (\S+)/.exec(await ksefCard.innerText())?.[1] ?? ''
    }
    const bookingMonth = async (): Promise<string> => {
      const months = await Promise.all(
        ['Data sprzedaży', 'Data wystawienia'].map(async (label) =>
          DateTime.fromFormat((await detail(label).innerText()).trim(), 'dd.MM.yyyy').toFormat('yyyy-MM')
        )
      )
      return months.sort()[0]
    }

    // --- first run ----------------------------------------------------------------------------
    await page.goto(`${base}/`)
    t.equal(pathOf(page), '/konfiguracja', 'a new installation opens the first-run setup')
    await shot(page, 'konfiguracja')
    await page.getByLabel('Login').fill(OWNER.login)
    await page.getByLabel('Imię i nazwisko').fill(OWNER.name)
    await page.getByLabel(/^Hasło/).fill(OWNER.password)
    await page.getByLabel('Powtórz hasło').fill(OWNER.password)
    await page.getByLabel('Nazwa firmy').fill('Zabawki Nowak')
    await page.getByLabel('NIP').fill('526-104-08-28')
    await page.getByLabel('Ulica i numer').fill('ul. Długa 5')
    await page.getByLabel('Kod pocztowy').fill('30-001')
    await page.getByLabel('Miejscowość').fill('Kraków')
    await page.getByLabel('Numer rachunku bankowego').fill('61 1090 1014 0000 0712 1981 2874')
    t.equal(await page.getByLabel('Status VAT').inputValue(), 'czynny', 'a VAT payer by default')
    t.equal(await page.getByLabel('Forma opodatkowania').inputValue(), 'kpir')
    t.equal(
      await page.getByLabel('Pakiet').inputValue(),
      'ksiegowosc',
      'the package without a warehouse: PRZYCHODY » PRODUKTY'
    )
    await clickAndLoad(page.getByRole('button', { name: 'Utwórz firmę i konto' }))
    t.equal(pathOf(page), '/')
    t.match(await flashes(), 'Firma i konto właściciela zostały utworzone')
    await shot(page, 'start')

    // --- USTAWIENIA » INTEGRACJE » ALLEGRO: the module and auto-close -------------------------
    await clickAndLoad(nav('Integracje'))
    t.equal(pathOf(page), SETTINGS)
    await shot(page, 'integracje-allegro')
    const moduleSwitch = page.getByLabel('WŁĄCZ MODUŁ ALLEGRO')
    await moduleSwitch.check()
    const autoClose = page.getByLabel('Automatycznie zamykaj transakcję po wystawieniu dokumentu sprzedaży')
    t.notOk(await autoClose.isChecked(), 'auto-close is off until chosen')
    await autoClose.check()
    await clickAndLoad(page.locator('#modul').getByRole('button', { name: 'Zapisz' }))
    t.match(await flashes(), 'Zapisano ustawienia modułu Allegro.')
    t.ok(await page.getByLabel('WŁĄCZ MODUŁ ALLEGRO').isChecked(), 'the module stays on')
    t.ok(
      await page.getByLabel('Automatycznie zamykaj transakcję po wystawieniu dokumentu sprzedaży').isChecked(),
      'auto-close is saved'
    )
    t.equal(await nav('Allegro').count(), 1, 'the PRZYCHODY » ALLEGRO tab is shown')

    // --- DODAJ SKLEP (the built-in simulator) -------------------------------------------------
    await clickAndLoad(page.getByRole('link', { name: 'Dodaj sklep' }))
    await shot(page, 'dodaj-sklep')
    await page.getByLabel('Nazwa sklepu').fill(SHOP_NAME)
    await page.getByLabel('Środowisko').selectOption({ label: 'Symulator Allegro (wbudowany)' })
    await page.getByLabel('Dane dostawy').check()
    t.equal(await page.getByLabel('Pierwsze pobranie: ile dni wstecz').inputValue(), '30')
    await clickAndLoad(page.getByRole('button', { name: 'Dodaj sklep' }))
    t.equal(pathOf(page), SETTINGS)
    t.match(await flashes(), `Dodano sklep ${SHOP_NAME}. Teraz połącz go z kontem Allegro.`)
    const shopCard = page.locator('section.card', { has: page.getByRole('heading', { name: SHOP_NAME }) })
    await shot(page, 'sklep-dodany')

    // --- Połącz: the device flow, confirmed on the simulator's page ---------------------------
    await clickAndLoad(shopCard.getByRole('link', { name: 'Połącz z Allegro' }))
    await shot(page, 'polacz')
    await clickAndLoad(page.getByRole('button', { name: 'Połącz z Allegro' }))
    const userCode = (await page.locator('.device-code').innerText()).trim()
    t.match(userCode, /^[A-Z0-9-]{4,}$/, 'Biurko shows the code to confirm')
    await shot(page, 'polacz-kod')
    const [allegroPage] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: 'Otwórz stronę potwierdzenia Allegro' }).click()
    ])
    watch(allegroPage)
    await allegroPage.waitForLoadState('load')
    t.match(new URL(allegroPage.url()).pathname, '/symulator-allegro/skojarz-aplikacje')
    t.equal(await allegroPage.getByLabel('Kod').inputValue(), userCode, 'the confirmation page got the same code')
    await shot(allegroPage, 'allegro-potwierdzenie')
    await allegroPage.getByLabel('Login').fill('demo_sklep')
    await allegroPage.getByLabel('Hasło').fill('demo1234')
    await Promise.all([
      allegroPage.waitForEvent('load'),
      allegroPage.getByRole('button', { name: 'Zezwól i powiąż' }).click()
    ])
    t.match(await allegroPage.getByRole('status').innerText(), 'Aplikacja została powiązana z kontem demo_sklep.')
    await shot(allegroPage, 'allegro-powiazano')
    await allegroPage.close()
    // the waiting page reloads itself until Allegro reports the approval
    await page.waitForURL((url) => url.pathname === SETTINGS, { timeout: 45_000 })
    await page.waitForLoadState('load')
    t.match(await flashes(), 'Połączono z kontem demo_sklep.')
    t.match(await shopCard.innerText(), 'demo_sklep', 'the shop shows the connected Allegro account')
    t.equal(await shopCard.getByRole('button', { name: 'Sprawdź połączenie' }).count(), 1)
    await shot(page, 'sklep-polaczony')

    // --- POBIERZ NOWE TRANSAKCJE, and the 10-minute throttle ----------------------------------
    // a connected shop's card leads on to the next step
    await clickAndLoad(page.getByRole('link', { name: 'Dalej: POBIERZ NOWE TRANSAKCJE' }))
    t.equal(pathOf(page), LIST)
    t.match(await page.locator('main').innerText(), 'jeszcze nie pobierano')
    t.match(
      await page.locator('main').innerText(),
      'Nowe transakcje można pobierać co najmniej co 10 minut dla każdego sklepu.'
    )
    await shot(page, 'allegro-przed-pobraniem')
    const importButton = page.getByRole('button', { name: 'POBIERZ NOWE TRANSAKCJE' })
    const importPanel = page.locator('section[aria-labelledby="imports-head"] tbody tr').first()
    /**
     * POBIERZ NOWE TRANSAKCJE; on a slow machine the import may go on in the background, then the panel tells when it
     * ends.
     */
    const importNow = async (): Promise<string> => {
      await clickAndLoad(importButton)
      const message = await flashes()
      if (message.includes('trwa w tle')) {
        const deadline = Date.now() + 90_000
        while ((await importPanel.innerText()).includes('trwa…')) {
          if (Date.now() > deadline) throw new Error('the import did not end within 90 s')
          await page.waitForTimeout(500)
          await page.reload()
        }
        return `Pobrano transakcje ze sklepu ${SHOP_NAME}: ${(await importPanel.locator('td').nth(2).innerText()).trim()}.`
      }
      return message
    }
    const clickedAt = DateTime.now().setZone(ZONE)
    const imported = await importNow()
    const returnedAt = DateTime.now().setZone(ZONE)
    t.match(
      imported,
      new RegExp(`Pobrano transakcje ze sklepu ${SHOP_NAME}: \\d+ now`),
      'the import finished and says how many are new'
    )
    const transactionCount = Number(
      /(\d+) transakcj/.exec(
        await page
          .locator('main p.muted', { hasText: /transakcj/ })
          .first()
          .innerText()
      )?.[1]
    )
    t.ok(transactionCount > 50, `a month of orders is listed (${transactionCount})`)
    t.equal(Number(/: (\d+) now/.exec(imported)?.[1]), transactionCount, 'every new one is on the list, each once')
    await shot(page, 'allegro-po-pobraniu')
    t.ok(await onPhoneScreen('Kwota'), 'on a phone the first transaction’s amount is on the screen')
    t.ok(await onPhoneScreen('Status'), 'and so is its status')

    await clickAndLoad(importButton)
    const refused = await flashes()
    const nextAllowed = /Kolejne pobranie dla sklepu .+ będzie możliwe o (\d\d:\d\d)\./.exec(refused)?.[1]
    // the import started between the click and the answer: 10 minutes after one of those minutes
    const possible = new Set<string>()
    for (let at = clickedAt.startOf('minute'); at <= returnedAt; at = at.plus({ minutes: 1 }))
      possible.add(at.plus({ minutes: 10 }).toFormat('HH:mm'))
    t.ok(
      nextAllowed !== undefined && possible.has(nextAllowed),
      `a second import within 10 minutes is refused with the next allowed time (${refused})`
    )
    t.match(await importPanel.innerText(), `o ${nextAllowed}`, 'the import panel shows the same time')
    await shot(page, 'allegro-drugie-pobranie-odrzucone')

    // --- a transaction whose buyer wants an invoice -------------------------------------------
    const filters = page.locator('form.filters[role="search"]')
    await filters.getByLabel('Chce fakturę').selectOption({ label: 'tak' })
    await filters.getByLabel('Status').selectOption({ label: 'opłacona' })
    await clickAndLoad(filters.getByRole('button', { name: 'Filtruj' }))
    await shot(page, 'allegro-chce-fakture')
    const listRows = async () =>
      await page.locator('form[action="/przychody/allegro/status"] tbody tr').evaluateAll((rows) =>
        rows.map((row) => {
          const cells = [...row.querySelectorAll('td')].map((cell) => (cell as HTMLElement).innerText.trim())
          const link = row.querySelector('td:nth-child(2) a')
          return {
            href: link?.getAttribute('href') ?? '',
            number: cells[1] ?? '',
            buyer: cells[4] ?? '',
            offer: cells[5] ?? '',
            amount: cells[6] ?? '',
            invoice: cells[7] ?? '',
            status: cells[8] ?? '',
            documents: cells[9] ?? ''
          }
        })
      )
    const invoiceCandidates = (await listRows()).filter(
      (row) => row.href !== '' && row.amount.endsWith('zł') && !row.offer.includes('+') && !row.offer.includes('·')
    )
    t.ok(invoiceCandidates.length > 0, 'paid orders in złoty whose buyers want an invoice')
    t.ok(
      invoiceCandidates.every((row) => row.invoice === 'tak' && row.status === 'opłacona'),
      'the filter shows only what was asked for'
    )

    // one item, at most 10 pieces, a delivery cost: the document's lines are then easy to tell
    let chosen: {
      href: string
      number: string
      offerName: string
      quantity: number
      total: number
      delivery: number
      buyerName: string
      buyerNip: string
    } | null = null
    for (const row of invoiceCandidates.slice(0, 15)) {
      await clickAndLoad(page.locator(`a[href="${row.href}"]`).first())
      const items = page
        .locator('section.card', { has: page.getByRole('heading', { name: 'Kupione produkty' }) })
        .locator('tbody tr')
      const cells = await items.evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((c) => (c as HTMLElement).innerText.trim()))
      )
      const goods = cells.filter((c) => /^\d+$/.test(c[0] ?? ''))
      const services = cells.filter((c) => (c[1] ?? '').startsWith('usługa dodatkowa'))
      const delivery = grosze(await detail('Koszt dostawy').innerText())
      const quantity = goods.length === 1 ? Number(goods[0][4]) : 0
      const invoiceCard = page.locator('section.card', { has: page.getByRole('heading', { name: 'Dane do faktury' }) })
      const company = invoiceCard.locator('dt:text-is("Firma") + dd')
      if (
        goods.length === 1 &&
        services.length === 0 &&
        quantity >= 1 &&
        quantity <= 10 &&
        delivery > 0 &&
        (await company.count()) === 1
      ) {
        chosen = {
          href: row.href,
          number: row.number,
          offerName: goods[0][1],
          quantity,
          total: grosze(await detail('Razem do zapłaty').innerText()),
          delivery,
          buyerName: (await company.innerText()).trim(),
          buyerNip: (await invoiceCard.locator('dt:text-is("NIP") + dd').innerText()).trim()
        }
        break
      }
      await page.goBack({ waitUntil: 'load' })
    }
    if (chosen === null)
      throw new Error(
        'no paid PLN order with one item, a delivery cost and a company invoice among the first 15; change SIMULATOR_SEED'
      )
    t.match(await detail('Chce fakturę').innerText(), 'tak')
    t.equal(await detail('Serwis').innerText(), 'allegro.pl')
    await shot(page, 'transakcja-szczegoly')

    // --- PRZYCHODY » PRODUKTY » DODAJ PRODUKT, named exactly like the offer --------------------
    await clickAndLoad(nav('Produkty'))
    t.equal(pathOf(page), '/przychody/produkty')
    await shot(page, 'produkty')
    await clickAndLoad(page.getByRole('link', { name: 'Dodaj produkt' }))
    await page.getByLabel('Nazwa (dokładnie jak tytuł oferty na Allegro)').fill(chosen.offerName)
    await page.getByLabel(/^Cena\s*\*?$/).fill('49,99')
    await page.getByLabel('Stan początkowy').fill('10')
    await shot(page, 'produkt-nowy')
    await clickAndLoad(page.getByRole('button', { name: 'Zapisz' }))
    t.match(await flashes(), `Dodano produkt „${chosen.offerName}”.`)
    const productUrl = page.url()
    t.equal(await detail('Stan').innerText(), '10 szt.', 'ten in stock to start with')
    await shot(page, 'produkt')

    // --- USTAWIENIA » INTEGRACJE » KSeF: the built-in simulator, with a token from its page ----
    await clickAndLoad(page.locator('a.brand'))
    const connectKsef = page.locator('#ksef-niepolaczony')
    t.match(await connectKsef.innerText(), 'art. 106ni', 'the dashboard asks to connect KSeF, and says why')
    await clickAndLoad(connectKsef.getByRole('link', { name: 'Połącz z KSeF' }))
    t.equal(pathOf(page), '/ustawienia/integracje/ksef')
    await shot(page, 'ksef-ustawienia')
    const [tokenPage] = await Promise.all([
      context.waitForEvent('page'),
      page.locator('#symulator-token').getByRole('link').click()
    ])
    watch(tokenPage)
    await tokenPage.waitForLoadState('load')
    t.equal(
      await tokenPage.getByLabel('NIP firmy').inputValue(),
      COMPANY_NIP,
      'the simulator’s token page has the company’s NIP'
    )
    await Promise.all([
      tokenPage.waitForEvent('load'),
      tokenPage.getByRole('button', { name: 'Wygeneruj token KSeF' }).click()
    ])
    const ksefToken = (await tokenPage.locator('#token').inputValue()).trim()
    t.match(ksefToken, new RegExp(`\\|nip-${COMPANY_NIP}\\|`), 'a KSeF token for the company')
    await shot(tokenPage, 'ksef-token')
    await tokenPage.close()
    await page.getByLabel('Środowisko KSeF').selectOption({ label: 'wbudowany symulator KSeF' })
    await page.getByRole('radio', { name: 'Token KSeF' }).check()
    await page.locator('#f-token').fill(ksefToken)
    const autoSend = page.getByLabel('Wysyłaj faktury do KSeF automatycznie po wystawieniu')
    if (!(await autoSend.isChecked())) await autoSend.check()
    await clickAndLoad(page.getByRole('button', { name: 'Zapisz' }))
    t.match(await flashes(), 'Zapisano ustawienia połączenia z KSeF.')
    t.notMatch(await page.locator('main').innerText(), ksefToken, 'the token is never shown back')
    await clickAndLoad(page.getByRole('button', { name: 'Testuj połączenie' }))
    t.notMatch(
      await page.locator('main .flash').innerText(),
      /błąd|nie udało/i,
      `the connection test passes (${await flashes()})`
    )
    t.equal(await page.locator('#stan .badge').innerText(), 'działa', 'the connection works')
    await shot(page, 'ksef-polaczono')

    // --- Wystaw Fakturę from the transaction's details ----------------------------------------
    await page.goto(`${base}${chosen.href}`)
    t.equal(
      await page.locator('.flash-warning', { hasText: 'Pozycje bez produktu' }).count(),
      0,
      'the cart item has its product now'
    )
    await page.getByLabel('Wystaw dokument sprzedaży').selectOption({ label: 'Faktura' })
    await clickAndLoad(page.getByRole('button', { name: 'Wystaw', exact: true }))
    t.match(pathOf(page), /^\/przychody\/dokumenty\/wynik\/\d+$/)
    t.match(await page.locator('main').innerText(), 'Wystawiono 1 z 1 dokumentu.')
    await shot(page, 'wystawiono')
    const invoiceLink = page.locator('td a[href^="/przychody/dokumenty/"]:not([href$="/pdf"])').first()
    const invoiceNumber = (await invoiceLink.innerText()).trim()
    t.match(invoiceNumber, /^FV \d+\/\d{2}\/\d{4}$/, 'an invoice number of the FV series')
    await clickAndLoad(invoiceLink)
    t.equal(await page.locator('h1').innerText(), `Faktura ${invoiceNumber}`)
    const invoiceMonth = await bookingMonth()
    await shot(page, 'faktura')

    const lines = await page
      .locator('article.document > .tablewrap tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((c) => (c as HTMLElement).innerText.trim()))
      )
    t.equal(lines.length, 2, 'the sold item and the delivery')
    const [itemLine, deliveryLine] = lines
    t.equal(itemLine[1], chosen.offerName, 'the item line carries the offer’s name')
    t.equal(quantityOf(itemLine[2]), chosen.quantity, 'and its quantity')
    t.match(deliveryLine[1], /^Dostawa/, 'a line for the delivery cost')
    // VAT from gross (art. 106e ust. 7): a line shows its gross price and value, the net and VAT
    // only per rate below, so the two can never disagree by a grosz
    t.equal(grosze(deliveryLine[6]), chosen.delivery, 'with the delivery cost as its gross value')
    for (const line of lines)
      t.equal(grosze(line[4]) * quantityOf(line[2]), grosze(line[6]), `price × quantity = value on “${line[1]}”`)
    const totalsRow = (await page.locator('article.document table').last().locator('tfoot td').allInnerTexts()).map(
      (c) => c.trim()
    )
    const totalGross = grosze(totalsRow[3])
    t.equal(totalGross, chosen.total, 'the invoice’s gross total equals the transaction’s amount to the grosz')
    t.equal(grosze(totalsRow[1]) + grosze(totalsRow[2]), totalGross, 'net + VAT = gross in the totals')
    t.equal(grosze(itemLine[6]) + grosze(deliveryLine[6]), totalGross, 'the lines add up to the total')
    const buyerBlock = await page
      .locator('article.document section', { has: page.getByRole('heading', { name: 'Nabywca' }) })
      .innerText()
    t.match(buyerBlock, chosen.buyerName, 'the buyer is the company from the invoice data')
    t.match(buyerBlock, `NIP: ${chosen.buyerNip}`)

    // --- KSeF: the worker sends the invoice on its own; the page shows its number --------------
    const invoicePath = pathOf(page)
    const ksefNumber = await waitForKsefNumber()
    t.ok(isValidKsefNumber(ksefNumber), `a KSeF number with a valid checksum (${ksefNumber})`)
    t.ok(ksefNumber.startsWith(`${COMPANY_NIP}-`), 'issued in the company’s NIP context')
    t.equal(await page.locator('#ksef-state').innerText(), 'przyjęta w KSeF')
    t.equal(await detail('Numer KSeF').innerText(), ksefNumber, 'the document’s details carry it too')
    await shot(page, 'faktura-ksef')

    // the PDF's KOD I points at exactly the file KSeF accepted, and is labelled with its number
    const downloadLink = async (name: string): Promise<Buffer> => {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name, exact: true }).click()
      ])
      return readFileSync(await file.path())
    }
    const fa3 = await downloadLink('Pobierz XML KSeF (FA(3))')
    t.match(fa3.toString('utf8'), `<P_2>${invoiceNumber}</P_2>`, 'the FA(3) file of this invoice')
    const pdf = await downloadLink('Pobierz PDF')
    const issueDate = DateTime.fromFormat((await detail('Data wystawienia').innerText()).trim(), 'dd.MM.yyyy').toFormat(
      'dd-MM-yyyy'
    )
    const hash = createHash('sha256').update(fa3).digest('base64url')
    const codes = (await qrCodesInPdf(pdf)).map((code) => code.data)
    t.equal(codes.length, 1, 'one QR code on the invoice: KOD I')
    t.ok(
      codes[0]?.endsWith(`/invoice/${COMPANY_NIP}/${issueDate}/${hash}`),
      `KOD I: seller NIP, issue date and SHA-256 of the file (${codes[0]})`
    )
    t.match(pdfText(pdf), ksefNumber, 'the code is labelled with the KSeF number')
    const verification = await context.newPage()
    watch(verification)
    await verification.goto(codes[0] ?? 'about:blank')
    t.equal(
      await verification.locator('[data-result]').getAttribute('data-result'),
      'found',
      'scanning the code finds the invoice in KSeF'
    )
    t.equal(await verification.locator('[data-ksef-number]').innerText(), ksefNumber, 'under the same number')
    await shot(verification, 'ksef-weryfikacja-qr')
    await verification.close()

    // --- Wyślij do Allegro: the buyer gets that PDF on the order --------------------------------
    await clickAndLoad(page.locator('#allegro').getByRole('button', { name: 'Wyślij do Allegro' }))
    t.equal(pathOf(page), invoicePath)
    t.notMatch(await flashes(), /Nie wysłano/, `sent to Allegro (${await flashes()})`)
    await shot(page, 'faktura-wyslana-do-allegro')
    await page.goto(`${base}${chosen.href}`)
    const checkoutFormId = (await detail('Nr zamówienia Allegro').innerText()).trim()
    const buyerView = await context.newPage()
    watch(buyerView)
    await buyerView.goto(`${base}/symulator-allegro/moje-zakupy/${checkoutFormId}`)
    await shot(buyerView, 'allegro-moje-zakupy')
    const [delivered] = await Promise.all([
      buyerView.waitForEvent('download'),
      buyerView.getByRole('link', { name: 'pobierz PDF' }).click()
    ])
    const deliveredPdf = readFileSync(await delivered.path())
    await buyerView.close()
    t.same(
      (await qrCodesInPdf(deliveredPdf)).map((code) => code.data),
      codes,
      'the PDF on the Allegro order carries the same KOD I'
    )
    t.match(pdfText(deliveredPdf), ksefNumber, 'and the KSeF number')
    t.match(pdfText(deliveredPdf), invoiceNumber)

    // --- the buyer in KONTRAHENCI -------------------------------------------------------------
    await clickAndLoad(nav('Kontrahenci'))
    await shot(page, 'kontrahenci')
    const contractorRow = page.locator('tbody tr', { hasText: chosen.buyerName })
    t.equal(await contractorRow.count(), 1, 'the buyer was added to the contractors once')
    t.match(await contractorRow.innerText(), chosen.buyerNip)

    // --- the product lost stock ---------------------------------------------------------------
    await page.goto(productUrl)
    t.equal(await detail('Stan').innerText(), `${10 - chosen.quantity} szt.`, `10 − ${chosen.quantity} left in stock`)
    t.match(await page.locator('main').innerText(), invoiceNumber, 'the stock movement names the invoice')
    await shot(page, 'produkt-po-sprzedazy')

    // --- auto-close -----------------------------------------------------------------------------
    await page.goto(`${base}${chosen.href}`)
    t.equal(await page.locator('h1 .badge').innerText(), 'zamknięta', 'the transaction was closed after issuing')
    t.equal(await page.locator('h1 .pencil').count(), 0, 'closed automatically: no pencil')
    t.match(
      await page
        .locator('section.card', { has: page.getByRole('heading', { name: 'Powiązane dokumenty' }) })
        .innerText(),
      invoiceNumber
    )
    await shot(page, 'transakcja-zamknieta')

    // --- Opłać by hand: the pencil ------------------------------------------------------------
    await clickAndLoad(nav('Allegro'))
    await filters.getByLabel('Status').selectOption({ label: 'nowa' })
    await clickAndLoad(filters.getByRole('button', { name: 'Filtruj' }))
    const unpaid = (await listRows()).find((row) => row.href !== '' && row.status === 'nowa')
    if (!unpaid) throw new Error('no unpaid (nowa) transaction to pay by hand')
    await clickAndLoad(page.locator(`a[href="${unpaid.href}"]`).first())
    t.equal(await page.locator('h1 .pencil').count(), 0)
    await clickAndLoad(page.getByRole('button', { name: 'Opłać' }))
    t.match(await flashes(), 'Zmieniono status na „opłacona”.')
    t.equal(await page.locator('h1 .badge').innerText(), 'opłacona')
    t.equal(
      await page.locator('h1 .pencil[title="Status zmieniony ręcznie"]').count(),
      1,
      'the pencil marks a status changed by hand'
    )
    t.ok(await page.locator('h1 .pencil').isVisible(), 'and it is visible')
    await shot(page, 'transakcja-oplacona-recznie')
    await clickAndLoad(nav('Allegro'))
    const paidRow = page.locator('tbody tr', { has: page.locator(`a[href="${unpaid.href}"]`) })
    t.equal(await paidRow.locator('.pencil').count(), 1, 'the list shows the pencil too')

    // --- Usuń (with the confirmation page) ----------------------------------------------------
    const all = await listRows()
    const victim = all.find(
      (row) => row.href !== '' && row.href !== chosen.href && row.href !== unpaid.href && row.documents === '—'
    )
    if (!victim) throw new Error('no transaction to delete')
    await clickAndLoad(page.locator(`a[href="${victim.href}"]`).first())
    await clickAndLoad(page.getByRole('link', { name: 'Usuń' }))
    t.equal(pathOf(page), `${victim.href}/usun`)
    t.match(await page.locator('main').innerText(), 'Usuniętej transakcji nie da się przywrócić')
    t.match(await page.locator('main table').innerText(), victim.number)
    await shot(page, 'usun-potwierdzenie')
    await clickAndLoad(page.getByRole('button', { name: 'Usuń na zawsze' }))
    t.equal(pathOf(page), LIST)
    t.match(await flashes(), 'Usunięto transakcję. Nie wróci przy kolejnym pobieraniu z Allegro.')
    t.equal(await page.locator(`a[href="${victim.href}"]`).count(), 0, 'gone from the list')
    await shot(page, 'allegro-po-usunieciu')

    // The server's clock is real: rather than waiting ten minutes, restart it on the same data
    // with IMPORT_MIN_INTERVAL_MINUTES=0 (data, session key and simulator history persist).
    await server.stop()
    server = await startServer(dataDir, port, { IMPORT_MIN_INTERVAL_MINUTES: '0' })
    await page.goto(`${base}${LIST}`)
    t.equal(pathOf(page), LIST, 'still signed in after the restart')
    t.match(await importNow(), new RegExp(`Pobrano transakcje ze sklepu ${SHOP_NAME}: \\d+ now`), 'imported again')
    t.equal(await page.locator(`a[href="${victim.href}"]`).count(), 0, 'the deleted transaction did not come back')
    await filters.getByLabel('Szukaj').fill(victim.number)
    await clickAndLoad(filters.getByRole('button', { name: 'Filtruj' }))
    t.match(
      await page.locator('form[action="/przychody/allegro/status"] tbody').innerText(),
      'Brak transakcji spełniających warunki filtra.',
      'not even by its number'
    )
    await shot(page, 'allegro-ponowne-pobranie')
    const gone = await page.goto(`${base}${victim.href}`)
    t.equal(gone?.status(), 404, 'its old address finds nothing')

    // --- Powiąż z istniejącym dokumentem ------------------------------------------------------
    // the owner had invoiced one order by hand before using the module
    await page.goto(`${base}${LIST}`)
    await filters.getByLabel('Dokument').selectOption({ label: 'bez dokumentu' })
    await filters.getByLabel('Status').selectOption({ label: 'opłacona' })
    await clickAndLoad(filters.getByRole('button', { name: 'Filtruj' }))
    const unlinked = (await listRows()).find(
      (row) => row.href !== '' && row.href !== unpaid.href && row.amount.endsWith('zł') && row.documents === '—'
    )
    if (!unlinked) throw new Error('no transaction without documents')
    await clickAndLoad(page.locator(`a[href="${unlinked.href}"]`).first())
    const unlinkedTotal = grosze(await detail('Razem do zapłaty').innerText())
    const unlinkedBuyer = (await detail('Nazwa').innerText()).trim()

    await clickAndLoad(nav('Dokumenty sprzedaży'))
    await shot(page, 'dokumenty')
    t.ok(await onPhoneScreen('Brutto'), 'on a phone the first document’s gross total is on the screen')
    await page.goto(`${base}/przychody/dokumenty/nowy`)
    await page.getByLabel('Rodzaj dokumentu').selectOption({ label: 'Faktura' })
    await page.getByLabel('Nazwa firmy lub imię i nazwisko').fill(unlinkedBuyer)
    await page.getByLabel('Ulica i numer').fill('ul. Polna 3')
    await page.getByLabel('Kod pocztowy').fill('00-950')
    await page.getByLabel('Miejscowość').fill('Warszawa')
    await page.getByLabel('Nazwa, pozycja 1').fill('Zamówienie z Allegro')
    await page.getByLabel('Ilość, pozycja 1').fill('1')
    await page.getByLabel('Cena brutto, pozycja 1').fill(String(unlinkedTotal / 100).replace('.', ','))
    await shot(page, 'dokument-reczny')
    await page.getByLabel('Zapłacono').check()
    await clickAndLoad(page.getByRole('button', { name: 'Wystaw dokument' }))
    await shot(page, 'dokument-reczny-wystawiony')
    const manualNumber = /Wystawiono dokument (.+)\./.exec(await flashes())?.[1] ?? ''
    t.match(manualNumber, /^FV \d+\/\d{2}\/\d{4}$/, 'an invoice issued by hand')
    t.not(manualNumber, invoiceNumber)
    const manualMonth = await bookingMonth()
    // auto-send covers invoices typed by hand too; JPK_V7 waits for every invoice's KSeF number
    t.ok(isValidKsefNumber(await waitForKsefNumber()), 'the invoice issued by hand is accepted by KSeF as well')

    await page.goto(`${base}${unlinked.href}`)
    await clickAndLoad(
      page.locator('section[aria-label="Akcje"]').getByRole('link', { name: 'Powiąż z istniejącym dokumentem' })
    )
    t.equal(pathOf(page), `${unlinked.href}/powiazanie`)
    await shot(page, 'powiaz')
    const candidate = page.locator('tbody tr', { hasText: manualNumber })
    t.equal(await candidate.count(), 1, 'the document for the same amount is offered')
    await candidate.getByRole('checkbox').check()
    await clickAndLoad(page.getByRole('button', { name: 'Powiąż zaznaczone' }))
    // a document that differs from the order (the buyer's NIP from the invoice data) is linked once confirmed
    let linkWarned = false
    if ((await page.locator('#link-warnings').count()) > 0) {
      linkWarned = true
      await shot(page, 'powiaz-roznice')
      await page.getByLabel('Potwierdzam powiązanie mimo różnic').check()
      await clickAndLoad(page.getByRole('button', { name: 'Powiąż zaznaczone' }))
    }
    t.match(await flashes(), `Powiązano z transakcją: ${manualNumber}.`)
    t.match(
      await page
        .locator('section.card', { has: page.getByRole('heading', { name: 'Powiązane dokumenty' }) })
        .innerText(),
      'powiązany ręcznie'
    )
    await shot(page, 'powiazano')
    await page.goto(`${base}${unlinked.href}`)
    t.match(
      await page
        .locator('section.card', { has: page.getByRole('heading', { name: 'Powiązane dokumenty' }) })
        .innerText(),
      manualNumber,
      'the transaction lists the linked document'
    )

    // --- KSIĘGOWOŚĆ: the invoices are booked in the KPiR --------------------------------------
    await clickAndLoad(nav('Księgowość'))
    t.equal(pathOf(page), '/ksiegowosc')
    await shot(page, 'ksiegowosc')
    t.match(
      await page.locator('.tiles').innerText(),
      /Dokumenty do zaksięgowania\s+0/,
      'nothing waits for booking: issuing books on its own'
    )
    await clickAndLoad(page.getByRole('link', { name: 'Podatkowa księga przychodów i rozchodów', exact: true }))
    t.equal(pathOf(page), '/ksiegowosc/kpir')
    const showMonth = async (month: string): Promise<void> => {
      await page.getByLabel('Miesiąc (RRRR-MM)').fill(month)
      await clickAndLoad(page.getByRole('button', { name: 'Pokaż' }))
    }
    await showMonth(invoiceMonth)
    await shot(page, 'kpir')
    const entry = page.locator('table.ledger tbody tr', { hasText: invoiceNumber })
    t.equal(await entry.count(), 1, 'the Allegro invoice has one KPiR entry')
    const entryCells = (await entry.locator('td').allInnerTexts()).map((c) => c.trim())
    t.equal(entryCells[5], chosen.buyerName, 'booked for the buyer')
    t.equal(entryCells[4], chosen.buyerNip.replace(/-/g, ''), 'with the buyer’s NIP')
    t.equal(grosze(entryCells[8]), grosze(totalsRow[1]), 'revenue = the invoice’s net total')
    if (manualMonth !== invoiceMonth) await showMonth(manualMonth)
    t.equal(
      await page.locator('table.ledger tbody tr', { hasText: manualNumber }).count(),
      1,
      'the linked invoice is booked too'
    )

    // --- KSIĘGOWOŚĆ » JPK_V7: the month's JPK_V7M ----------------------------------------------
    // the JPK header (tax office, the taxpayer's name and birth date, an e-mail) on USTAWIENIA » Firma
    await clickAndLoad(nav('Firma'))
    await page.getByLabel('E-mail').fill('ania@example.pl')
    await page.getByLabel('Urząd skarbowy').selectOption({ value: '1435' })
    await page.getByLabel('Podatnik', { exact: true }).selectOption({ label: 'Osoba fizyczna' })
    await page.getByLabel('Pierwsze imię (osoba fizyczna)').fill('Anna')
    await page.getByLabel('Nazwisko (osoba fizyczna)').fill('Nowak')
    await page.getByLabel('Data urodzenia (osoba fizyczna)').fill('1985-03-14')
    await shot(page, 'firma-dane-jpk')
    await clickAndLoad(page.getByRole('button', { name: 'Zapisz' }))
    t.match(await flashes(), 'Dane firmy zostały zapisane.')
    await clickAndLoad(nav('JPK_V7'))
    t.equal(pathOf(page), '/ksiegowosc/jpk-v7')
    await page.getByLabel('Okres').fill(invoiceMonth)
    await clickAndLoad(page.getByRole('button', { name: 'Pokaż' }))
    await shot(page, 'jpk-v7')
    t.match(await page.locator('h1').innerText(), 'JPK_V7M – ')
    t.same(await page.locator('ul.problems li.error').allInnerTexts(), [], 'no errors stop the file')
    t.equal(
      await page.locator('#sprzedaz tbody tr', { hasText: invoiceNumber }).count(),
      1,
      'the Allegro invoice is a row of the sales records'
    )
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Pobierz XML' }).click()
    ])
    t.equal(download.suggestedFilename(), `JPK_V7M_${invoiceMonth}.xml`)
    const jpk = readFileSync(await download.path(), 'utf8')
    t.equal(xmllint('V7M', jpk), '', 'xmllint accepts the downloaded JPK_V7M(3)')
    const jpkRows = [...jpk.matchAll(/<SprzedazWiersz>([\s\S]*?)<\/SprzedazWiersz>/g)].map((m) => m[1])
    const invoiceRow = jpkRows.find((row) => row.includes(`<DowodSprzedazy>${invoiceNumber}</DowodSprzedazy>`)) ?? ''
    t.equal(field(invoiceRow, 'NrKontrahenta'), chosen.buyerNip.replace(/-/g, ''), 'the row carries the buyer’s NIP')
    const sumOf = (row: string, names: string[]): number =>
      names.reduce((acc, name) => acc + (field(row, name) === null ? 0 : grosze(field(row, name)!)), 0)
    t.equal(
      sumOf(invoiceRow, ['K_10', 'K_11', 'K_13', 'K_15', 'K_17', 'K_19']),
      grosze(totalsRow[1]),
      'its net = the invoice’s net total'
    )
    t.equal(sumOf(invoiceRow, ['K_16', 'K_18', 'K_20']), grosze(totalsRow[2]), 'its VAT = the invoice’s VAT total')
    t.equal(
      grosze(field(jpk, 'PodatekNalezny') ?? ''),
      jpkRows.reduce((acc, row) => acc + sumOf(row, ['K_16', 'K_18', 'K_20']), 0),
      'the control sum adds up the rows’ VAT'
    )
    t.equal(
      Number(field(jpk, 'P_38')),
      ['P_16', 'P_18', 'P_20'].reduce((acc, name) => acc + Number(field(jpk, name) ?? '0'), 0),
      'P_38 adds up the declaration’s tax fields'
    )
    t.equal(
      Number(field(jpk, 'P_51')),
      Number(field(jpk, 'P_38')),
      'nothing to deduct: the tax to pay is the output tax'
    )

    t.same(problems, [], 'no script errors or CSP violations on the way')
    t.ok(shotNo > 40, `${shotNo} pages checked with axe-core at 1366 px and for sideways scrolling at 390 px`)
    t.same(accessibility, [], 'axe-core: no serious or critical violation on any page of the story')
    t.same(sideways, [], 'no page of the story scrolls sideways on a 390 px phone')
    // the only error answers: the deleted transaction's address, and the 422 that shows how a linked document differs
    // from its order (when this order's data differ)
    const expectedRefusals = [`404 GET ${victim.href}`, ...(linkWarned ? [`422 POST ${unlinked.href}/powiazanie`] : [])]
    t.same(
      refusals.filter((r) => r !== '404 GET /favicon.ico').sort(),
      expectedRefusals.sort(),
      'no error answers but the deleted transaction’s address (and the differences shown before linking)'
    )
  })
}
