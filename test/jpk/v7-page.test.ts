import t from 'tap'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { field, headerData, invoice, xmllint, type Built } from './helpers.ts'

// Hand figures for November 2026:
//   23 %: 123,00 gross (net 100,00, VAT 23,00) + 3 × 61,50 = 184,50 gross (net 150,00, VAT 34,50)
//         → K_19 250,00, K_20 57,50 → P_19 250 zł, P_20 58 zł (50 gr rounds up, art. 63 § 1 OP)
//   8 %:  108,00 gross (net 100,00, VAT 8,00) → P_17 100, P_18 8
//   P_37 = 350, P_38 = 66, nothing to deduct → P_51 = 66
async function month(b: Built) {
  await invoice(b, '2026-11-05', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
  await invoice(b, '2026-11-12', [
    { quantityMilli: 3000, unitPriceGross: 6150, vatRate: '23' },
    { quantityMilli: 1000, unitPriceGross: 10800, vatRate: '8' }
  ])
}

t.test(
  "the month's declaration on the page, the same figures in an XSD-valid file, and the filing recorded",
  async (t) => {
    const b = await build(t)
    await headerData(b)
    await month(b)

    const page = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.equal(page.statusCode, 200)
    t.match(page.body, 'JPK_V7M – ')
    for (const [name, value] of [
      ['P_17', '100'],
      ['P_18', '8'],
      ['P_19', '250'],
      ['P_20', '58'],
      ['P_37', '350'],
      ['P_38', '66'],
      ['P_51', '66']
    ]) {
      t.match(
        page.body,
        new RegExp(`id="${name}"><td>${name}</td><td>[^<]*</td><td class="num">${value}</td>`),
        `${name} = ${value} zł on the page`
      )
    }
    t.notMatch(page.body, 'id="P_10"', 'zero fields are not listed')
    t.match(
      page.body,
      /id="wiersz-1">[\s\S]*?Pracownia Nowak[\s\S]*?<span class="badge">BFK<\/span>/,
      'a row issued outside KSeF carries BFK'
    )
    t.match(page.body, /id="wiersz-2">[\s\S]*?K_17: 100,00[\s\S]*?K_19: 150,00<br>K_20: 34,50/)
    t.match(page.body, 'id="podatek-nalezny">65,50<', 'control sum of output VAT in grosze: 23,00 + 34,50 + 8,00')
    t.match(page.body, 'href="/ksiegowosc/jpk-v7"', 'the nav link')

    const file = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
    t.equal(file.statusCode, 200)
    t.match(file.headers['content-type'], 'application/xml')
    t.match(file.headers['content-disposition'], 'JPK_V7M_2026-11.xml')
    const xml = file.body
    for (const [name, value] of [
      ['P_17', '100'],
      ['P_18', '8'],
      ['P_19', '250'],
      ['P_20', '58'],
      ['P_38', '66'],
      ['P_51', '66']
    ])
      t.equal(field(xml, name), value, `${name} in the XML`)
    t.equal(field(xml, 'LiczbaWierszySprzedazy'), '2')
    t.equal(field(xml, 'PodatekNalezny'), '65.50')

    // the system xmllint against the vendored official schema, offline
    t.equal(xmllint('V7M', xml), '', 'xmllint accepts the file')

    t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0, 'downloading files nothing')
    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    const filed = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11' })
    t.equal(filed.statusCode, 303)
    t.equal(filed.headers.location, '/ksiegowosc/jpk-v7?okres=2026-11')
    const rows = await b.db.selectFrom('jpk_filings').selectAll().execute()
    t.equal(rows.length, 1)
    t.equal(rows[0].kind, 'V7M')
    t.equal(rows[0].period, '2026-11')
    t.equal(rows[0].purpose, 1)
    t.equal(rows[0].tax_to_pay, 66)
    t.equal(rows[0].surplus_carried, 0)
    const after = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.match(after.body, 'oznaczony jako złożony')
    t.match(after.body, 'kolejny plik za ten okres będzie korektą')
  }
)

t.test('without the header data the page says what to fill in and where, and there is no file', async (t) => {
  const b = await build(t)
  await month(b)
  const page = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Wybierz urząd skarbowy w USTAWIENIA » Firma')
  t.match(page.body, 'href="/ustawienia/firma"')
  t.notMatch(page.body, 'href="/ksiegowosc/jpk-v7/plik')
  const file = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
  t.equal(file.statusCode, 422)
  t.match(file.headers['content-type'], 'text/html')
  t.match(file.body, 'Plik ma błędy')
  t.notMatch(file.body, '<?xml')
  await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
  const filed = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11' })
  t.equal(filed.statusCode, 422)
  t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0)
})

t.test('a bad period: 422 with a Polish message', async (t) => {
  const b = await build(t)
  const page = await b.owner.get('/ksiegowosc/jpk-v7?okres=listopad')
  t.equal(page.statusCode, 422)
  t.match(page.body, 'Podaj okres w formacie RRRR-MM')
})

t.test('no session: the page and the file lead to the login, the filing is refused', async (t) => {
  const b = await build(t)
  await headerData(b)
  await month(b)
  const page = await b.anonymous.get('/ksiegowosc/jpk-v7?okres=2026-11')
  t.equal(page.statusCode, 303)
  t.match(page.headers.location, /^\/logowanie/)
  const file = await b.anonymous.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
  t.equal(file.statusCode, 303)
  t.notMatch(file.body, 'JPK')
  await b.anonymous.get('/logowanie')
  const post = await b.anonymous.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11' })
  t.equal(post.statusCode, 303)
  t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0)
})

t.test('missing CSRF token: 403 and nothing recorded', async (t) => {
  const b = await build(t)
  await headerData(b)
  await month(b)
  await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
  const response = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11' }, { csrf: null })
  t.equal(response.statusCode, 403)
  t.match(response.body, 'Formularz wygasł')
  t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0)
})

t.test('a user without KSIĘGOWOŚĆ gets 403, no XML and no link in the menu', async (t) => {
  const b = await build(t)
  await headerData(b)
  await month(b)
  await seedUser(b.db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true })
  const seller = new TestClient(b.app)
  await seller.login('sprzedawca', 'haslo-sprzedawcy-1')
  t.notMatch((await seller.get('/')).body, 'href="/ksiegowosc/jpk-v7"')
  for (const url of ['/ksiegowosc/jpk-v7?okres=2026-11', '/ksiegowosc/jpk-v7/plik?okres=2026-11']) {
    const response = await seller.get(url)
    t.equal(response.statusCode, 403, url)
    t.notMatch(response.body, '<?xml')
  }
  t.equal((await seller.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11' })).statusCode, 403)
  t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0)
})
