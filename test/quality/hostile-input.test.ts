// Hostile input. Part one walks every form the app shows, logged in as the owner with a valid
// CSRF token, and sends each field over-long, repeated, missing, with NUL bytes, SQL and HTML/JS,
// then whole forms of payloads and JSON bodies with objects, numbers and nulls: never a 500,
// never a payload rendered as live markup (also on the page a successful POST leads to, and on
// every page afterwards). Part two imports Allegro orders full of <script>, quotes, emoji,
// right-to-left text and 10 000-character names and takes them all the way to a PDF.
import t from 'tap'
import type { Test } from 'tap'
import { extractText } from 'unpdf'
import { HOSTILE, HOSTILE_LONG_NAME } from '../../src/simulators/allegro/generator-data.ts'
import { build, OWNER, seedUser, type CompanyFixture } from '../helpers/app.ts'
import { insertProduct } from '../helpers/document-fixtures.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'
import { setupImport } from '../transactions/helpers.ts'
import { clickImport } from './fixtures/allegro.ts'
import { RawClient } from './fixtures/forms.ts'
import { discoverForms, problemsOf, walkForms } from './fixtures/hostile.ts'

// The walk sends some 1 900 requests, and every JPK page view and file checks its XML against
// the official XSD (xmllint-wasm, ~0.4 s a file): over tap's 120 s default on a busy 2-core
// machine, so this file asks for its own time budget (the assertions are unchanged).
t.setTimeout(600_000)

/**
 * POST routes whose form only shows in a state the seeded apps do not reach (a pending device
 * flow, saved app credentials, a sent document, a closed month, a link to remove), with the
 * fields their handlers read. They get the same payloads, sent to the URL with real ids.
 */
const FALLBACK_FIELDS: Record<string, (ids: SeedIds) => Record<string, string[]>> = {
  'POST /ustawienia/integracje/allegro/aplikacje/:environment/usuniecie': () => ({}),
  'POST /ustawienia/integracje/allegro/sklepy/:id/polaczenie/anulowanie': () => ({}),
  'POST /przychody/dokumenty/:id/allegro/status': () => ({}),
  // KSeF: the connection test shows once a connection is saved; the sends show on pages the walk reaches too
  'POST /ustawienia/integracje/ksef/test': () => ({}),
  'POST /przychody/dokumenty/:id/ksef/wyslij': () => ({}),
  'POST /przychody/dokumenty/ksef/wyslij': (ids) => ({ documentIds: [String(ids.documentId)] }),
  // e-mail: the test message and the send form show once a mail server is saved
  'POST /ustawienia/e-mail/test': () => ({}),
  'POST /przychody/dokumenty/:id/e-mail': () => ({ to: ['biuro@example.pl'], subject: ['Faktura'], body: ['Treść'] }),
  // shown on a pro forma's page only
  'POST /przychody/dokumenty/:id/faktura-z-proformy': () => ({}),
  'POST /przychody/allegro/:id/powiazanie': (ids) => ({ documentIds: [String(ids.documentId)] }),
  'POST /przychody/allegro/:id/powiazanie/:documentId/usun': () => ({}),
  'POST /ksiegowosc/miesiace/:miesiac/otwarcie': () => ({ wroc: ['/ksiegowosc?miesiac=2026-11'] }),
  // JPK_V7: the filing button shows only once the month's file has no errors (tax office etc. set)
  'POST /ksiegowosc/jpk-v7/zlozenie': () => ({ okres: ['2026-11'], nadwyzka: ['0'], uzasadnienie: ['Korekta'] }),
  // …and so does the download button of the same form (P_39, the correction's reason)
  'POST /ksiegowosc/jpk-v7/plik': () => ({ okres: ['2026-11'], nadwyzka: ['0'], uzasadnienie: ['Korekta'] }),
  // JPK_PKPIR / JPK_EWP: the filing button shows once the year's file has no errors
  'POST /ksiegowosc/jpk-roczny/zlozenie': () => ({ rok: ['2026'] }),
  // Pobierz z KSeF shows once a KSeF connection is saved
  'POST /koszty/faktury-zakupowe/pobierz': () => ({}),
  // a purchase invoice's Zaksięguj / Odksięguj show once invoices are downloaded from KSeF
  'POST /koszty/faktury-zakupowe/:id/ksiegowanie': () => ({
    kolumna: ['15'],
    data: ['2026-11-04'],
    odliczenie: ['tak'],
    okres: ['2026-11'],
    rodzaj: ['pozostale'],
    opis: [''],
    zapamietaj: ['1'],
    potwierdzenie: ['1']
  }),
  'POST /koszty/faktury-zakupowe/:id/odksiegowanie': () => ({}),
  // …and so does the payment form (Zapisz zapłatę)
  'POST /koszty/faktury-zakupowe/:id/zaplata': () => ({
    zaplata_data: ['2026-11-14'],
    zaplata_kwota: ['100,00'],
    sposob: ['przelew'],
    rachunek: ['61109010140000071219812874'],
    mpp: ['']
  }),
  // the offers page shows these forms only for a connected shop with matched offers
  'POST /przychody/produkty/oferty-allegro/stan': () => ({
    sklep: ['1'],
    strona: ['1'],
    tylko: [''],
    oferta: ['12345'],
    potwierdzam: ['on']
  }),
  'POST /magazyn/produkty/oferty-allegro/stan': () => ({
    sklep: ['1'],
    strona: ['1'],
    tylko: [''],
    oferta: ['12345'],
    potwierdzam: ['on']
  }),
  // two-factor login: the code page shows only between password and code, confirming only
  // during enrolment, switching off only once it is on
  'POST /logowanie/kod': () => ({ code: ['123456'] }),
  'POST /konto/weryfikacja-dwuetapowa/potwierdz': () => ({ code: ['123456'] }),
  'POST /konto/weryfikacja-dwuetapowa/wylacz': () => ({ password: ['haslo'], code: ['123456'] }),
  // on a user's page only when that user has two-factor login on
  'POST /ustawienia/uzytkownicy/:id/weryfikacja-dwuetapowa/wylacz': () => ({})
}

interface SeedIds {
  documentId: number
}

const SKIPPED_PAGES =
  /\.(csv|xml|zip)$|\/pdf$|^\/healthz$|^\/public\/|^\/symulator-allegro|^\/symulator-ksef|^\/logowanie$|^\/konfiguracja$/

async function seededApp(t: Test, company: Partial<CompanyFixture>) {
  const built = await build(t, { company, config: { LOGIN_RATE_LIMIT_MAX: '100000' } })
  const { app, db, owner } = built
  const shopId = await insertShop(db)
  const invoiced = await insertTransaction(db, shopId, { invoice: 'company' })
  await insertTransaction(db, shopId, { invoice: 'none' })
  const foreign = await insertTransaction(db, shopId, {
    invoice: 'company',
    currency: 'EUR',
    marketplace: 'allegro-cz'
  })
  await owner.get('/przychody/allegro')
  const issued = await owner.post('/przychody/dokumenty/wystaw', {
    transactionIds: [String(invoiced)],
    type: 'faktura'
  })
  const reportId = /\/wynik\/(\d+)$/.exec(String(issued.headers.location))?.[1]
  if (reportId === undefined) throw new Error(`Wystaw answered ${issued.statusCode} ${String(issued.headers.location)}`)
  const documentId = (
    await db
      .selectFrom('document_transactions')
      .select('document_id')
      .where('transaction_id', '=', invoiced)
      .executeTakeFirstOrThrow()
  ).document_id
  const contractorId = (await db.selectFrom('contractors').select('id').executeTakeFirstOrThrow()).id
  const productId = await insertProduct(db, { name: 'Klucz płaski 13 mm', sku: 'KP-13', stockMilli: 5000 })
  const userId = await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })

  /** A URL of the route with ids of records that exist, so handlers (not 404s) answer. */
  const fill = (url: string): string =>
    url
      .replace('/przychody/allegro/:id/kurs', `/przychody/allegro/${foreign}/kurs`)
      .replace(/^\/przychody\/allegro\/:id/, `/przychody/allegro/${invoiced}`)
      .replace(':documentId', String(documentId))
      .replace('/przychody/dokumenty/wynik/:id', `/przychody/dokumenty/wynik/${reportId}`)
      .replace(/^\/(przychody\/dokumenty|ksiegowosc\/dokumenty)\/:id/, `/$1/${documentId}`)
      .replace(/^\/kontrahenci\/:id/, `/kontrahenci/${contractorId}`)
      .replace(/^\/(magazyn|przychody)\/produkty\/:id/, `/$1/produkty/${productId}`)
      .replace(/^\/ustawienia\/uzytkownicy\/:id/, `/ustawienia/uzytkownicy/${userId}`)
      .replace(/^\/ustawienia\/integracje\/allegro\/sklepy\/:id/, `/ustawienia/integracje/allegro/sklepy/${shopId}`)
      .replace(':environment', 'sandbox')
      .replace(':miesiac', '2026-11')
      .replace(/:[a-zA-Z]+/g, '1')
  const pages = [
    ...new Set(app.routeTable.filter((r) => r.method === 'GET' && !SKIPPED_PAGES.test(r.url)).map((r) => fill(r.url)))
  ]
  const client = new RawClient(app)
  await client.login(OWNER.login, OWNER.password)
  return {
    ...built,
    pages,
    client,
    fill,
    ids: { documentId },
    relogin: async () => {
      await client.login(OWNER.login, OWNER.password)
    },
    // the module switch's form, sent without its checkbox, turns the Allegro module off
    restore: async () => {
      await db.updateTable('company').set({ allegro_enabled: 1 }).execute()
    }
  }
}

/** What the walk stored (a company name, a contractor, a product…) is shown escaped on every page. */
async function assertStoredValuesEscaped(
  t: Test,
  s: Awaited<ReturnType<typeof seededApp>>,
  label: string
): Promise<void> {
  const names = [
    ...(await s.db.selectFrom('company').select('name').execute()).map((r) => r.name),
    ...(await s.db.selectFrom('contractors').select('name').execute()).map((r) => r.name),
    ...(await s.db.selectFrom('products').select('name').execute()).map((r) => r.name)
  ]
  const hostile = names.filter(
    (name) => name.includes('<script>') || name.includes('DROP TABLE') || name.includes('😀')
  )
  t.ok(
    hostile.length > 0,
    `${label}: the walk stored hostile values (${hostile.length} names), so the pages have them to show`
  )
  await s.relogin()
  const after: string[] = []
  for (const page of s.pages) after.push(...problemsOf(await s.client.get(page), `GET ${page} afterwards`))
  t.same(after, [], `${label}: every page afterwards: no 500, no live markup`)
}

t.test('every form field of every page, with hostile values: no 500, nothing rendered as markup', async (t) => {
  const covered = new Set<string>()
  const walkedOnce = new Set<string>()
  let requests = 0
  // a VAT payer on KPiR without the warehouse, then one with it, on ryczałt, booking by hand:
  // between them the forms of every module show up
  const companies: Array<Partial<CompanyFixture>> = [
    {},
    { package: 'ksiegowosc_magazyn', tax_form: 'ryczalt', ryczalt_rate_bp: 300, auto_book: 0 }
  ]
  let last: Awaited<ReturnType<typeof seededApp>> | null = null
  for (const company of companies) {
    const s = await seededApp(t, company)
    last = s
    const label = company.package ?? 'ksiegowosc'
    const found = await discoverForms(s.app, s.client, s.pages)
    t.same(found.problems, [], `${label}: every page answers and every form has a route`)
    // a form already walked in the first app (same action, ids aside) is not walked again
    const shape = (form: { method: string; action: string }): string =>
      `${form.method} ${form.action.replace(/\d+/g, '#')}`
    const fresh = found.forms.filter((form) => !walkedOnce.has(shape(form)))
    for (const form of fresh) walkedOnce.add(shape(form))
    const walked = await walkForms(s.app, s.client, fresh, s.relogin, s.restore)
    requests += walked.requests
    for (const route of walked.routes) covered.add(route)
    t.same(
      walked.problems,
      [],
      `${label}: ${walked.requests} hostile requests to ${fresh.length} forms, no 500, no live markup`
    )
    t.comment(`${label}: answers by status ${JSON.stringify(walked.statuses)}`)
    t.same(walked.refused, [], `${label}: no request was turned away before its handler (CSRF, permission)`)
    await assertStoredValuesEscaped(t, s, label)
  }

  const s = last!
  const posts = s.app.routeTable
    .filter(
      (r) =>
        r.method === 'POST' &&
        !r.url.startsWith('/symulator-allegro') &&
        !r.url.startsWith('/symulator-ksef') &&
        r.url !== '/konfiguracja' &&
        r.url !== '/logowanie'
    )
    .map((r) => `POST ${r.url}`)
  t.ok(posts.length >= 40, `the app has ${posts.length} POST routes besides setup and login (walked in the next test)`)
  const viaTable = posts.filter((route) => !covered.has(route))
  t.same(
    viaTable.filter((route) => FALLBACK_FIELDS[route] === undefined),
    [],
    'every POST route has a form on some page, or a row in FALLBACK_FIELDS'
  )
  const tableForms = viaTable
    .filter((route) => FALLBACK_FIELDS[route] !== undefined)
    .map((route) => ({
      method: 'POST' as const,
      action: s.fill(route.slice('POST '.length)),
      fields: Object.entries(FALLBACK_FIELDS[route](s.ids)).map(([name, values]) => ({
        name,
        values,
        kind: 'input' as const,
        type: 'hidden'
      })),
      page: '/'
    }))
  const fallback = await walkForms(s.app, s.client, tableForms, s.relogin, s.restore)
  requests += fallback.requests
  t.same(fallback.refused, [], 'none of them turned away before its handler')
  t.same(
    fallback.problems,
    [],
    `${tableForms.length} routes without a form on screen (${viaTable.join(', ')}): ${fallback.requests} hostile requests, no 500`
  )
  t.comment(`${requests} hostile requests in all`)
  const documents = await s.db
    .selectFrom('documents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.ok(Number(documents.n) >= 1, 'the documents table is still there, with its rows')
})

t.test('first-run setup and login: the public forms with hostile values', async (t) => {
  const first = await build(t, { state: 'none' })
  const anonymous = new RawClient(first.app)
  const found = await discoverForms(first.app, anonymous, ['/konfiguracja'])
  t.same(found.problems, [])
  const setupForms = found.forms.filter((f) => f.action === '/konfiguracja')
  t.equal(setupForms.length, 1, 'the setup form was found')
  const setup = await walkForms(first.app, anonymous, setupForms, async () => {})
  t.ok(
    (setup.statuses[422] ?? 0) > setup.requests / 2,
    `setup: the payloads reached validation (${JSON.stringify(setup.statuses)})`
  )
  t.same(setup.problems, [], `setup: ${setup.requests} hostile requests, no 500, no live markup`)

  const { app } = await build(t, { config: { LOGIN_RATE_LIMIT_MAX: '100000' } })
  const visitor = new RawClient(app)
  const login = await discoverForms(app, visitor, ['/logowanie'])
  const loginForms = login.forms.filter((f) => f.action === '/logowanie')
  t.equal(loginForms.length, 1, 'the login form was found')
  const walked = await walkForms(app, visitor, loginForms, async () => {})
  t.same(walked.refused, [], 'login: no request was refused before its handler')
  t.same(walked.problems, [], `login: ${walked.requests} hostile requests, no 500, no live markup`)
})

t.test(
  'Allegro orders full of <script>, quotes, emoji, RTL and 10 000-character names: imported, listed, issued, printed',
  async (t) => {
    const s = await setupImport(t, { initialOrders: 1 })
    s.sim.simulator.addOrders(3, {
      hostile: true,
      invoice: 'company',
      status: 'READY_FOR_PROCESSING',
      at: s.clock().minus({ hours: 2 }).toJSDate()
    })
    s.sim.simulator.addOrders(2, {
      hostile: true,
      invoice: 'person',
      status: 'READY_FOR_PROCESSING',
      lineItems: 3,
      at: s.clock().minus({ hours: 1 }).toJSDate()
    })
    const list = await clickImport(s)
    t.match(list, 'Pobrano transakcje ze sklepu Sklep Demo: 6 nowych')
    const rows = await s.db
      .selectFrom('transactions')
      .select(['id', 'checkout_form_id', 'buyer_name', 'buyer_login'])
      .execute()
    const hostileIds = new Set(
      s.sim.simulator
        .listOrders({ seller: 'demo_sklep' })
        .filter((o) => o.buyer.firstName === HOSTILE.script)
        .map((o) => o.id)
    )
    const hostileRows = rows.filter((r) => hostileIds.has(r.checkout_form_id))
    t.equal(hostileRows.length, 5, 'the five hostile orders were imported')
    t.ok(
      hostileRows.every((r) => r.buyer_login.includes('"><b>lobuz</b>')),
      'their data is stored as sent'
    )
    const longNamed = await s.db
      .selectFrom('transaction_items')
      .select(['transaction_id', 'offer_name'])
      .where('offer_name', '=', HOSTILE_LONG_NAME)
      .execute()
    t.ok(longNamed.length >= 1, 'a 10 000-character offer name arrived whole')

    const problems: string[] = []
    const check = (
      response: { statusCode: number; headers: Record<string, unknown>; body: string },
      label: string
    ): void => {
      problems.push(...problemsOf(response as Parameters<typeof problemsOf>[0], label))
    }
    check(await s.owner.get('/przychody/allegro'), 'list')
    check(
      await s.owner.get(`/przychody/allegro?szukaj=${encodeURIComponent(HOSTILE.script)}`),
      'search for the payload'
    )
    for (const row of hostileRows) check(await s.owner.get(`/przychody/allegro/${row.id}`), `details ${row.id}`)

    await s.owner.get('/przychody/allegro')
    const issued = await s.owner.post('/przychody/dokumenty/wystaw', {
      transactionIds: hostileRows.map((r) => String(r.id)),
      type: 'faktura'
    })
    t.equal(issued.statusCode, 303)
    const report = await s.owner.get(String(issued.headers.location))
    check(report, 'issue report')
    const documents = await s.db
      .selectFrom('documents as d')
      .innerJoin('document_transactions as dt', 'dt.document_id', 'd.id')
      .select(['d.id', 'd.number', 'd.buyer_name', 'dt.transaction_id'])
      .where(
        'dt.transaction_id',
        'in',
        hostileRows.map((r) => r.id)
      )
      .execute()
    t.equal(documents.length, hostileRows.length, 'an invoice for each hostile order')

    for (const doc of documents) {
      const page = await s.owner.get(`/przychody/dokumenty/${doc.id}`)
      check(page, `document ${doc.number}`)
      t.match(page.body, '&lt;script&gt;alert(1)&lt;/script&gt;', `${doc.number}: the buyer shown as text`)
      const pdf = await s.owner.get(`/przychody/dokumenty/${doc.id}/pdf`)
      t.equal(pdf.statusCode, 200, `${doc.number}: PDF rendered`)
      t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-')
      const { text: raw } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
      const text = raw.replace(/\s+/g, ' ')
      t.ok(text.includes('<script>alert(1)</script>'), `${doc.number}: the PDF prints the buyer’s name literally`)
      t.ok(text.includes('O\'Brien "Kuba"'), `${doc.number}: quotes survive`)
      t.ok(text.includes('Zażółć gęślą jaźń'), `${doc.number}: Polish letters next to emoji survive`)
      t.ok(text.includes(doc.number), `${doc.number}: the number is printed`)
      const ksef = await s.owner.get(`/przychody/dokumenty/${doc.id}/ksef.xml`)
      t.ok(
        ksef.statusCode === 200 || ksef.statusCode === 422,
        `${doc.number}: KSeF XML answers ${ksef.statusCode} (the file, or why not)`
      )
      t.notMatch(ksef.body, '<script>', `${doc.number}: the XML (or the page saying why not) escapes the payload`)
    }
    const longDoc = documents.find((doc) => longNamed.some((item) => item.transaction_id === doc.transaction_id))
    t.ok(longDoc, 'the order with the 10 000-character name got its invoice')
    const longPdf = await s.owner.get(`/przychody/dokumenty/${longDoc!.id}/pdf`)
    const { text: longText } = await extractText(new Uint8Array(longPdf.rawPayload), { mergePages: true })
    t.ok(
      longText.replace(/\s+/g, '').includes('Bardzodługanazwaoferty<b>ztagami</b>&"cudzysłowami"'),
      'the 10 000-character name is printed, tags and all, as text'
    )

    const contractors = await s.db.selectFrom('contractors').select(['id', 'name']).execute()
    for (const contractor of contractors)
      check(await s.owner.get(`/kontrahenci/${contractor.id}`), `contractor ${contractor.id}`)
    for (const url of [
      '/kontrahenci',
      '/przychody/dokumenty',
      '/ksiegowosc/kpir?miesiac=2026-11',
      '/ksiegowosc/rejestr-vat?miesiac=2026-11',
      '/przychody/allegro'
    ])
      check(await s.owner.get(url), url)
    t.same(problems, [], 'every page: no 500, no live markup')
  }
)
