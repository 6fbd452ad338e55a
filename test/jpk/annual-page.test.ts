import t from 'tap'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { field, headerData, invoice, xmllint, type Built } from './helpers.ts'

// A VAT payer's 2026 (KPiR and ryczałt amounts are net, without VAT):
//   March:     23 % 1 230,00 gross → net 1 000,00
//   July:       8 %   540,00 gross → net   500,00
//   November:   5 %   210,00 gross → net   200,00
//   revenue of the year 1 700,00
async function year(b: Built, months = ['2026-03-10', '2026-07-15', '2026-11-05']) {
  const lines = [
    { quantityMilli: 1000, unitPriceGross: 123000, vatRate: '23' as const },
    { quantityMilli: 1000, unitPriceGross: 54000, vatRate: '8' as const },
    { quantityMilli: 1000, unitPriceGross: 21000, vatRate: '5' as const }
  ]
  for (const [i, date] of months.entries()) await invoice(b, date, [lines[i]])
}

const summaryRow = (month: string, rows: number, revenue: string) =>
  new RegExp(
    `id="miesiac-${month}"[^>]*><td><a [^>]*>[^<]*</a></td><td class="num">${rows}</td><td class="num">${revenue}</td>`
  )
const stockRows = async (b: Built) =>
  await b.db
    .selectFrom('jpk_stock_counts')
    .select(['year', 'kind', 'count_date', 'value'])
    .orderBy('year')
    .orderBy('count_date')
    .execute()

t.test(
  'JPK_PKPIR for a KPiR year: summary and problems, the stock counts entered on the form, an XSD-valid file with the hand figures',
  async (t) => {
    const b = await build(t)
    await headerData(b)
    await year(b)

    const home = await b.owner.get('/')
    t.match(home.body, '<a href="/ksiegowosc/jpk-roczny">JPK_PKPIR</a>', 'the menu link, next to JPK_V7')
    const page = await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')
    t.equal(page.statusCode, 200)
    t.match(page.body, 'JPK_PKPIR – 2026')
    t.match(page.body, summaryRow('2026-03', 1, '1\u00a0000,00'))
    t.match(page.body, summaryRow('2026-07', 1, '500,00'))
    t.match(page.body, summaryRow('2026-11', 1, '200,00'))
    t.match(page.body, summaryRow('2026-05', 0, '0,00'))
    t.match(page.body, 'id="suma-przychodow">1\u00a0700,00<')
    t.match(page.body, 'Wpisz spis z natury na początek i na koniec roku', 'the missing counts are a problem')
    t.match(
      page.body,
      /name="poczatekData" type="date" value="2026-01-01"/,
      "the opening count's date prefilled with 1 January"
    )
    t.match(page.body, /name="koniecData" type="date" value="2026-12-31"/)
    t.notMatch(page.body, 'href="/ksiegowosc/jpk-roczny/plik', 'no download while the counts are missing')
    const refused = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
    t.equal(refused.statusCode, 422)
    t.match(refused.body, 'Plik ma błędy')
    t.notMatch(refused.body, '<?xml')

    // bad counts: 422 in Polish, the values kept, nothing stored
    const bad = await b.owner.post('/ksiegowosc/jpk-roczny/spis', {
      rok: '2026',
      poczatekData: '2026-01-01',
      poczatekWartosc: 'tysiąc',
      koniecData: '2027-01-05',
      koniecWartosc: '400',
      spisData: ['2026-02-30'],
      spisWartosc: ['10']
    })
    t.equal(bad.statusCode, 422)
    t.match(bad.body, 'Podaj wartość w złotych, np. 12 500,00.')
    t.match(bad.body, 'Podaj datę w formacie RRRR-MM-DD, w roku 2026.')
    t.match(bad.body, 'Podaj datę spisu w roku 2026 (RRRR-MM-DD).')
    t.match(bad.body, 'nic nie zostało zapisane')
    t.match(bad.body, /name="poczatekWartosc" type="text" value="tysiąc"/, 'values kept')
    t.match(bad.body, /name="koniecData" type="date" value="2027-01-05"/)
    const negative = await b.owner.post('/ksiegowosc/jpk-roczny/spis', {
      rok: '2026',
      poczatekData: '2026-01-01',
      poczatekWartosc: '-5',
      koniecData: '2026-12-31',
      koniecWartosc: ''
    })
    t.equal(negative.statusCode, 422)
    t.match(negative.body, 'Wartość spisu nie może być ujemna.')
    t.same(await stockRows(b), [], 'nothing stored')

    // P_1 1 000,00 (1 January), P_2 400,00 (31 December), a count on 30 June 700,50 (PKPIRSpis);
    // no purchases booked (the costs side is issue 17): P_3 = 1 000,00 + 0 − 400,00 = 600,00,
    // P_4 = 1 700,00 − 600,00 = 1 100,00
    const saved = await b.owner.post('/ksiegowosc/jpk-roczny/spis', {
      rok: '2026',
      poczatekData: '2026-01-01',
      poczatekWartosc: '1 000,00',
      koniecData: '2026-12-31',
      koniecWartosc: '400',
      spisData: ['2026-06-30', ''],
      spisWartosc: ['700,50', '']
    })
    t.equal(saved.statusCode, 303)
    t.equal(saved.headers.location, '/ksiegowosc/jpk-roczny?rok=2026')
    t.same(await stockRows(b), [
      { year: 2026, kind: 'poczatek', count_date: '2026-01-01', value: 100000 },
      { year: 2026, kind: 'w_ciagu_roku', count_date: '2026-06-30', value: 70050 },
      { year: 2026, kind: 'koniec', count_date: '2026-12-31', value: 40000 }
    ])
    const after = await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')
    t.match(after.body, 'Spis z natury za 2026 zapisany.')
    t.match(after.body, /id="P_1">[^\n]*1\u00a0000,00/)
    t.match(after.body, /id="P_2">[^\n]*400,00/)
    t.match(after.body, /id="P_3">[^\n]*600,00/)
    t.match(after.body, /id="P_4">[^\n]*1\u00a0100,00/)
    t.match(after.body, /name="poczatekWartosc" type="text" value="1 000,00"/, 'the stored counts fill the form')
    t.match(after.body, /name="spisData" value="2026-06-30"/)
    t.match(after.body, 'href="/ksiegowosc/jpk-roczny/plik?rok=2026"')

    const file = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
    t.equal(file.statusCode, 200)
    t.match(file.headers['content-type'], 'application/xml')
    t.match(file.headers['content-disposition'], 'JPK_PKPIR_2026.xml')
    const xml = file.body
    t.match(xml, 'kodSystemowy="JPK_PKPIR (3)"')
    t.equal(field(xml, 'CelZlozenia'), '1')
    t.equal(field(xml, 'DataOd'), '2026-01-01')
    t.equal(field(xml, 'DataDo'), '2026-12-31')
    t.equal(field(xml, 'KodUrzedu'), '1206')
    for (const [name, value] of [
      ['P_1', '1000.00'],
      ['P_2', '400.00'],
      ['P_3', '600.00'],
      ['P_4', '1100.00'],
      ['P_5A', '2026-06-30'],
      ['P_5B', '700.50']
    ])
      t.equal(field(xml, name), value, `${name} in the file`)
    t.same(
      [...xml.matchAll(/<K_9>([^<]*)<\/K_9>/g)].map((m) => m[1]),
      ['1000.00', '500.00', '200.00'],
      "each entry's revenue (K_9), net"
    )
    t.equal(field(xml, 'LiczbaWierszy'), '3')
    t.equal(field(xml, 'SumaPrzychodow'), '1700.00')
    t.equal(xmllint('PKPIR', xml), '', 'xmllint accepts the JPK_PKPIR(3) file')

    // filed: recorded as the original; the next file for 2026 is a correction (CelZlozenia 2)
    t.equal((await b.owner.post('/ksiegowosc/jpk-roczny/zlozenie', { rok: '2026' })).statusCode, 303)
    const filed = await b.db.selectFrom('jpk_filings').selectAll().execute()
    t.same(
      filed.map((r) => [r.kind, r.period, r.purpose, r.tax_to_pay]),
      [['PKPIR', '2026', 1, null]]
    )
    const filedPage = await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')
    t.match(filedPage.body, 'JPK_PKPIR za 2026 oznaczony jako złożony.')
    t.match(filedPage.body, 'kolejny plik za niego będzie korektą')
    const correction = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
    t.match(correction.headers['content-disposition'], 'JPK_PKPIR_2026_korekta1.xml')
    t.equal(field(correction.body, 'CelZlozenia'), '2')
    t.equal(xmllint('PKPIR', correction.body), '', 'xmllint accepts the correction')
    t.equal((await b.owner.post('/ksiegowosc/jpk-roczny/zlozenie', { rok: '2026' })).statusCode, 303)
    t.same(
      (await b.db.selectFrom('jpk_filings').select('purpose').orderBy('id').execute()).map((r) => r.purpose),
      [1, 2],
      'recorded as a correction'
    )

    // the next year starts from this year's closing count
    const next = await b.owner.get('/ksiegowosc/jpk-roczny?rok=2027')
    t.match(
      next.body,
      /name="poczatekWartosc" type="text" value="400,00"/,
      "2026's closing count is 2027's opening one"
    )
    t.match(next.body, 'W księdze nie ma wpisów z roku 2027')

    for (const [url, message] of [
      ['/ksiegowosc/jpk-roczny?rok=2025', 'dotyczą ksiąg od roku 2026'],
      ['/ksiegowosc/jpk-roczny?rok=dwa', 'Podaj rok w formacie RRRR']
    ]) {
      const response = await b.owner.get(url)
      t.equal(response.statusCode, 422, url)
      t.match(response.body, message)
    }
  }
)

t.test("JPK_EWP for a ryczałt year: the rates' summary, no stock counts, an XSD-valid file", async (t) => {
  const b = await build(t, { company: { tax_form: 'ryczalt', ryczalt_rate_bp: 300 } })
  await headerData(b)
  await year(b, ['2026-04-10', '2026-09-01'])

  t.match((await b.owner.get('/')).body, '<a href="/ksiegowosc/jpk-roczny">JPK_EWP</a>')
  const page = await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'JPK_EWP – 2026')
  t.match(page.body, summaryRow('2026-04', 1, '1\u00a0000,00'))
  t.match(page.body, summaryRow('2026-09', 1, '500,00'))
  t.match(page.body, /id="stawka-3"><td>3%<\/td><td class="num">1\u00a0500,00</, 'revenue at 3 %: 1 000,00 + 500,00')
  t.notMatch(page.body, 'name="poczatekWartosc"', 'no stock counts for ryczałt')
  const refused = await b.owner.post('/ksiegowosc/jpk-roczny/spis', {
    rok: '2026',
    poczatekData: '2026-01-01',
    poczatekWartosc: '100'
  })
  t.equal(refused.statusCode, 422)
  t.match(refused.body, 'Spis z natury wpisuje się do KPiR')
  t.same(await stockRows(b), [])

  const file = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
  t.equal(file.statusCode, 200)
  t.match(file.headers['content-disposition'], 'JPK_EWP_2026.xml')
  const xml = file.body
  t.match(xml, 'kodSystemowy="JPK_EWP (4)"')
  t.same(
    [...xml.matchAll(/<K_8>([^<]*)<\/K_8>/g)].map((m) => m[1]),
    ['1000.00', '500.00']
  )
  t.same(
    [...xml.matchAll(/<K_9>([^<]*)<\/K_9>/g)].map((m) => m[1]),
    ['3', '3']
  )
  t.equal(field(xml, 'LiczbaWierszy'), '2')
  t.equal(field(xml, 'SumaPrzychodow'), '1500.00')
  t.equal(xmllint('EWP', xml), '', 'xmllint accepts the JPK_EWP(4) file')
})

t.test('the annual page: KSIĘGOWOŚĆ permission, a session and a CSRF token', async (t) => {
  const b = await build(t)
  await headerData(b)
  await seedUser(b.db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true })
  const seller = new TestClient(b.app)
  await seller.login('sprzedawca', 'haslo-sprzedawcy-1')
  t.notMatch((await seller.get('/')).body, 'href="/ksiegowosc/jpk-roczny"', 'no menu link')
  for (const url of ['/ksiegowosc/jpk-roczny?rok=2026', '/ksiegowosc/jpk-roczny/plik?rok=2026']) {
    const response = await seller.get(url)
    t.equal(response.statusCode, 403, url)
    t.notMatch(response.body, '<?xml')
  }
  t.equal(
    (
      await seller.post('/ksiegowosc/jpk-roczny/spis', {
        rok: '2026',
        poczatekData: '2026-01-01',
        poczatekWartosc: '100'
      })
    ).statusCode,
    403
  )
  t.equal((await seller.post('/ksiegowosc/jpk-roczny/zlozenie', { rok: '2026' })).statusCode, 403)

  const page = await b.anonymous.get('/ksiegowosc/jpk-roczny?rok=2026')
  t.equal(page.statusCode, 303)
  t.match(page.headers.location, /^\/logowanie/)
  await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')
  const noToken = await b.owner.post(
    '/ksiegowosc/jpk-roczny/spis',
    { rok: '2026', poczatekData: '2026-01-01', poczatekWartosc: '100' },
    { csrf: null }
  )
  t.equal(noToken.statusCode, 403)
  t.equal((await b.owner.post('/ksiegowosc/jpk-roczny/zlozenie', { rok: '2026' }, { csrf: null })).statusCode, 403)
  t.same(await stockRows(b), [], 'nothing stored')
  t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0)
  // a year whose file has errors (no book entries) cannot be marked as filed
  const notReady = await b.owner.post('/ksiegowosc/jpk-roczny/zlozenie', { rok: '2026' })
  t.equal(notReady.statusCode, 422)
  t.match(notReady.body, 'Nie można oznaczyć jako złożony pliku z błędami')
  t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0)
})
