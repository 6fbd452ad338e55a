import t from 'tap'
import { build } from '../helpers/app.ts'
import { entriesOf, insertDocument } from '../helpers/ledger-fixtures.ts'

// A VAT payer keeping KPiR. November 2026, hand-computed (VAT per rate from gross, half up):
//  FV 1/11 (3 Nov):  23%: 123,00 + 12,30 delivery = 135,30 → VAT 135,30·23/123 = 25,30, net 110,00
//                     8%: 54,00 → VAT 54,00·8/108 = 4,00, net 50,00            → net 160,00, VAT 29,30
//  PAR 1/11 (5 Nov): 23%: 246,00 → VAT 46,00, net 200,00
//  FV 2/11 (sold 10 Nov, issued 12 Nov): 5%: 3 × 33,33 = 99,99 → VAT 99,99·5/105 = 4,7614 → 4,76, net 95,23
//                     23%: 99,99 → VAT 99,99·23/123 = 18,6973 → 18,70, net 81,29 → net 176,52, VAT 23,46
//  IPS 1/11 (15 Nov): 8%: 108,00 → VAT 8,00, net 100,00; 23%: 61,50 → VAT 11,50, net 50,00 → net 150,00, VAT 19,50
//  FV 3/11 cancelled and PRO 1/11 (pro forma) never appear.
// October: FV 1/10 (20 Oct) 23%: 615,00 → VAT 115,00, net 500,00. December 2025: FV 1/12/2025 net 100,00 (other year).
//
// KPiR col. 9, November: 160,00 + 200,00 + 176,52 + 150,00 = 686,52; carried (Jan–Oct) 500,00; year 1 186,52.
// VAT register November: 23% net 110,00 + 200,00 + 81,29 + 50,00 = 441,29, VAT 25,30 + 46,00 + 18,70 + 11,50 = 101,50
//                        8% net 50,00 + 100,00 = 150,00, VAT 4,00 + 8,00 = 12,00; 5% net 95,23, VAT 4,76
//                        total net 686,52, VAT 118,26, gross 804,78 (= 189,30 + 199,98 + 246,00 + 169,50)
// Year to date: net 686,52 + 500,00 = 1 186,52; VAT 118,26 + 115,00 = 233,26; 23% net 441,29 + 500,00 = 941,29.

async function seedMonth(db: Parameters<typeof insertDocument>[0]) {
  const ids = {
    fv1: await insertDocument(db, {
      issueDate: '2026-11-03',
      buyerName: 'Hurtownia Kowalski Sp. z o.o.',
      buyerNip: '1234563218',
      lines: [
        { vatRate: '23', gross: 12300 },
        { vatRate: '8', gross: 5400 },
        { vatRate: '23', gross: 1230, kind: 'delivery' }
      ]
    }),
    par1: await insertDocument(db, {
      type: 'paragon',
      issueDate: '2026-11-05',
      buyerName: 'Klient detaliczny',
      lines: [{ vatRate: '23', gross: 24600 }]
    }),
    fv2: await insertDocument(db, {
      issueDate: '2026-11-12',
      saleDate: '2026-11-10',
      buyerName: '=HYPERLINK("http://zly.example")',
      lines: [
        { vatRate: '5', gross: 9999, quantityMilli: 3000 },
        { vatRate: '23', gross: 9999, quantityMilli: 3000 }
      ]
    }),
    ips1: await insertDocument(db, {
      type: 'inny_przychod',
      issueDate: '2026-11-15',
      lines: [
        { vatRate: '8', gross: 10800 },
        { vatRate: '23', gross: 6150 }
      ]
    }),
    fv3: await insertDocument(db, {
      issueDate: '2026-11-06',
      status: 'cancelled',
      lines: [{ vatRate: '23', gross: 123000 }]
    }),
    pro1: await insertDocument(db, {
      type: 'proforma',
      issueDate: '2026-11-07',
      lines: [{ vatRate: '23', gross: 50000 }]
    }),
    oct: await insertDocument(db, { issueDate: '2026-10-20', lines: [{ vatRate: '23', gross: 61500 }] }),
    dec25: await insertDocument(db, { issueDate: '2025-12-15', lines: [{ vatRate: '23', gross: 12300 }] })
  }
  return ids
}

t.test('a VAT payer month: KPiR col. 9 and the VAT register per rate match the hand figures', async (t) => {
  const { owner, db } = await build(t)
  const ids = await seedMonth(db)

  const pending = await owner.get('/ksiegowosc/do-zaksiegowania')
  t.equal(pending.statusCode, 200)
  for (const number of ['FV 1/11/2026', 'PAR 1/11/2026', 'FV 2/11/2026', 'IPS 1/11/2026', 'FV 1/10/2026'])
    t.match(pending.body, number)
  t.notMatch(pending.body, 'PRO 1/11/2026', 'pro forma is never waiting for booking')
  t.notMatch(pending.body, 'FV 3/11/2026', 'a cancelled document is not waiting either')

  // booked in a shuffled order: Lp. still follows the event dates
  const bulk = await owner.post('/ksiegowosc/do-zaksiegowania', {
    dokumenty: [ids.ips1, ids.fv2, ids.oct, ids.par1, ids.fv1, ids.dec25].map(String)
  })
  t.equal(bulk.statusCode, 303)
  t.equal(bulk.headers.location, '/ksiegowosc/do-zaksiegowania')
  const after = await owner.get('/ksiegowosc/do-zaksiegowania')
  t.match(after.body, 'Zaksięgowano dokumenty: 6.')
  t.match(after.body, 'Wszystkie wystawione dokumenty są zaksięgowane.')

  t.same(
    await entriesOf(db, 'kpir'),
    [
      {
        document_number: 'FV 1/12/2025',
        entry_number: 1,
        month: '2025-12',
        revenue_sales: 10000,
        total_vat: 0,
        document_mark: null
      },
      {
        document_number: 'FV 1/10/2026',
        entry_number: 1,
        month: '2026-10',
        revenue_sales: 50000,
        total_vat: 0,
        document_mark: null
      },
      {
        document_number: 'FV 1/11/2026',
        entry_number: 2,
        month: '2026-11',
        revenue_sales: 16000,
        total_vat: 0,
        document_mark: null
      },
      {
        document_number: 'PAR 1/11/2026',
        entry_number: 3,
        month: '2026-11',
        revenue_sales: 20000,
        total_vat: 0,
        document_mark: null
      },
      {
        document_number: 'FV 2/11/2026',
        entry_number: 4,
        month: '2026-11',
        revenue_sales: 17652,
        total_vat: 0,
        document_mark: null
      },
      {
        document_number: 'IPS 1/11/2026',
        entry_number: 5,
        month: '2026-11',
        revenue_sales: 15000,
        total_vat: 0,
        document_mark: null
      }
    ],
    'KPiR: net revenue, numbered from 1 in each year, in date order'
  )

  const vat = await entriesOf(db, 'vat')
  t.same(
    vat
      .filter((e) => e.month === '2026-11')
      .map((e) => [e.document_number, e.entry_number, e.revenue_sales, e.total_vat, e.document_mark]),
    [
      ['FV 1/11/2026', 2, 16000, 2930, null],
      ['PAR 1/11/2026', 3, 20000, 4600, 'RO'],
      ['FV 2/11/2026', 4, 17652, 2346, null],
      ['IPS 1/11/2026', 5, 15000, 1950, 'WEW']
    ],
    'VAT register rows with RO for the receipt and WEW for the internal document'
  )
  const perRate = await db
    .selectFrom('ledger_entry_amounts as a')
    .innerJoin('ledger_entries as e', 'e.id', 'a.entry_id')
    .select(['a.rate', (eb) => eb.fn.sum<number>('a.net').as('net'), (eb) => eb.fn.sum<number>('a.vat').as('vat')])
    .where('e.register', '=', 'vat')
    .where('e.month', '=', '2026-11')
    .groupBy('a.rate')
    .orderBy('a.rate')
    .execute()
  t.same(perRate, [
    { rate: '23', net: 44129, vat: 10150 },
    { rate: '5', net: 9523, vat: 476 },
    { rate: '8', net: 15000, vat: 1200 }
  ])

  const kpir = await owner.get('/ksiegowosc/kpir?miesiac=2026-11')
  t.equal(kpir.statusCode, 200)
  t.match(kpir.body, 'Podatkowa księga przychodów i rozchodów – listopad 2026')
  t.match(
    kpir.body,
    /id="wpis-2"[\s\S]*?03\.11\.2026[\s\S]*?href="\/przychody\/dokumenty\/\d+">FV 1\/11\/2026<\/a>[\s\S]*?1234563218[\s\S]*?Hurtownia Kowalski Sp\. z o\.o\.[\s\S]*?Sprzedaż towarów[\s\S]*?160,00/
  )
  t.match(
    kpir.body,
    /Podsumowanie miesiąca<\/td>\s*<td class="num">686,52<\/td>\s*<td class="num">0,00<\/td>\s*<td class="num">686,52/
  )
  t.match(kpir.body, /Przeniesienie z poprzedniej strony<\/td>\s*<td class="num">500,00/)
  t.match(kpir.body, /Razem od początku roku<\/td>\s*<td class="num">1\u00a0186,52/)
  t.notMatch(kpir.body, 'PRO 1/11/2026')
  t.notMatch(kpir.body, 'FV 3/11/2026')
  t.notMatch(kpir.body, '<b>', 'buyer data escaped')
  t.match(kpir.body, '=HYPERLINK(&quot;http://zly.example&quot;)', 'untrusted buyer name is escaped')

  const register = await owner.get('/ksiegowosc/rejestr-vat?miesiac=2026-11')
  t.equal(register.statusCode, 200)
  t.match(
    register.body,
    /Podsumowanie miesiąca<\/td>\s*<td class="num">441,29<\/td>\s*<td class="num">101,50<\/td>\s*<td class="num">150,00<\/td>\s*<td class="num">12,00<\/td>\s*<td class="num">95,23<\/td>\s*<td class="num">4,76<\/td>\s*<td class="num">686,52<\/td>\s*<td class="num">118,26<\/td>\s*<\/tr>/
  )
  t.match(
    register.body,
    /Przeniesienie z poprzedniej strony<\/td>\s*<td class="num">500,00<\/td>\s*<td class="num">115,00/
  )
  t.match(
    register.body,
    /Razem od początku roku<\/td>\s*<td class="num">941,29<\/td>\s*<td class="num">216,50<\/td>[\s\S]*?1\u00a0186,52<\/td>\s*<td class="num">233,26/
  )
  t.match(register.body, /PAR 1\/11\/2026[\s\S]*?DI[\s\S]*?<span class="badge">RO<\/span>[\s\S]*?BRAK/)
  t.match(register.body, /FV 1\/11\/2026[\s\S]*?BFK/)

  const overview = await owner.get('/ksiegowosc?miesiac=2026-11')
  t.equal(overview.statusCode, 200)
  t.match(overview.body, /listopad 2026<\/a><\/td>\s*<td class="num">4<\/td>\s*<td class="num">686,52<\/td>/)
  t.match(overview.body, 'Dokumenty do zaksięgowania</span><strong>0</strong>')
})

t.test('CSV export: BOM, semicolons, Polish headers, decimal commas, totals; formulas defused', async (t) => {
  const { owner, db } = await build(t)
  const ids = await seedMonth(db)
  await owner.get('/ksiegowosc/do-zaksiegowania')
  await owner.post('/ksiegowosc/do-zaksiegowania', {
    dokumenty: [ids.fv1, ids.fv2, ids.par1, ids.ips1, ids.oct].map(String)
  })

  const kpir = await owner.get('/ksiegowosc/kpir/csv?miesiac=2026-11')
  t.equal(kpir.statusCode, 200)
  t.match(kpir.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(kpir.headers['content-disposition'], 'attachment; filename="kpir-2026-11.csv"')
  t.equal(kpir.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 BOM')
  const lines = kpir.body.replace(/^\uFEFF/, '').split('\r\n')
  t.equal(
    lines[0],
    'Lp.;Data zdarzenia gospodarczego;Numer KSeF;Numer dowodu księgowego;Identyfikator podatkowy kontrahenta;Imię i nazwisko (nazwa) kontrahenta;Adres kontrahenta;Opis zdarzenia gospodarczego;Wartość sprzedanych towarów i usług;Pozostałe przychody;Razem przychód;Zakup towarów handlowych i materiałów;Koszty uboczne zakupu;Wynagrodzenia w gotówce i w naturze;Pozostałe wydatki;Razem wydatki;Uwagi'
  )
  t.equal(
    lines[1],
    '2;03.11.2026;;FV 1/11/2026;1234563218;Hurtownia Kowalski Sp. z o.o.;ul. Kupiecka 2, 30-002 Kraków;Sprzedaż towarów;160,00;0,00;160,00;;;;;;'
  )
  t.equal(
    lines[2],
    '3;05.11.2026;;PAR 1/11/2026;;;;Sprzedaż – paragon;200,00;0,00;200,00;;;;;;',
    'receipt: no contractor columns'
  )
  t.equal(
    lines[3],
    `4;10.11.2026;;FV 2/11/2026;;"'=HYPERLINK(""http://zly.example"")";ul. Kupiecka 2, 30-002 Kraków;Sprzedaż towarów;176,52;0,00;176,52;;;;;;`,
    'a formula is turned into text and quoted'
  )
  t.equal(lines[5], ';;;;;;;Podsumowanie miesiąca;686,52;0,00;686,52;0,00;0,00;0,00;0,00;0,00;')
  t.equal(lines[6], ';;;;;;;Przeniesienie z poprzedniej strony;500,00;0,00;500,00;0,00;0,00;0,00;0,00;0,00;')
  t.equal(lines[7], ';;;;;;;Razem od początku roku;1186,52;0,00;1186,52;0,00;0,00;0,00;0,00;0,00;')
  t.equal(lines[8], '', 'ends with a line break')

  const vat = await owner.get('/ksiegowosc/rejestr-vat/csv?miesiac=2026-11')
  const vatLines = vat.body.replace(/^\uFEFF/, '').split('\r\n')
  t.equal(
    vatLines[0],
    'Lp.;Data wystawienia;Data sprzedaży;Numer dokumentu;Numer KSeF / oznaczenie;Typ dokumentu;Nabywca;NIP nabywcy;Netto 23%;VAT 23%;Netto 8%;VAT 8%;Netto 5%;VAT 5%;Netto 0%;Sprzedaż zwolniona (zw);Sprzedaż niepodlegająca (np);Razem netto;Razem VAT;Razem brutto;Uwagi'
  )
  t.equal(
    vatLines[1],
    '2;03.11.2026;03.11.2026;FV 1/11/2026;BFK;;Hurtownia Kowalski Sp. z o.o.;1234563218;110,00;25,30;50,00;4,00;0,00;0,00;0,00;0,00;0,00;160,00;29,30;189,30;'
  )
  t.equal(
    vatLines[2],
    '3;05.11.2026;05.11.2026;PAR 1/11/2026;DI;RO;;BRAK;200,00;46,00;0,00;0,00;0,00;0,00;0,00;0,00;0,00;200,00;46,00;246,00;'
  )
  t.equal(
    vatLines[5],
    ';;;Podsumowanie miesiąca;;;;;441,29;101,50;150,00;12,00;95,23;4,76;0,00;0,00;0,00;686,52;118,26;804,78;bez wierszy FP'
  )

  const ryczalt = await owner.get('/ksiegowosc/ryczalt/csv?miesiac=2026-11')
  t.equal(ryczalt.statusCode, 200, 'the other book exports too, empty')
  t.match(ryczalt.body, 'Przychód 8,5 %')
  const bad = await owner.get('/ksiegowosc/kpir/csv?miesiac=2026-13')
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Podaj miesiąc w formacie RRRR-MM')
})

t.test('an invoice to a receipt is FP: in the VAT register outside the totals, not in KPiR', async (t) => {
  const { owner, db } = await build(t)
  const { linkToOneTransaction } = await import('../helpers/ledger-fixtures.ts')
  // receipt 23%: 123,00 → net 100,00, VAT 23,00; the invoice for the same sale repeats it
  const receipt = await insertDocument(db, {
    type: 'paragon',
    issueDate: '2026-11-02',
    lines: [{ vatRate: '23', gross: 12300 }]
  })
  const invoice = await insertDocument(db, {
    issueDate: '2026-11-04',
    saleDate: '2026-11-02',
    buyerName: 'Firma Z',
    buyerNip: '1234563218',
    lines: [{ vatRate: '23', gross: 12300 }]
  })
  await linkToOneTransaction(db, [receipt, invoice])

  await owner.get('/ksiegowosc/do-zaksiegowania')
  await owner.post('/ksiegowosc/do-zaksiegowania', { dokumenty: [String(receipt), String(invoice)] })
  t.same(
    (await entriesOf(db, 'kpir')).map((e) => e.document_number),
    ['PAR 1/11/2026'],
    'revenue counted once, from the receipt'
  )
  t.same(
    (await entriesOf(db, 'vat')).map((e) => [e.document_number, e.document_mark, e.revenue_sales, e.total_vat]),
    [
      ['PAR 1/11/2026', 'RO', 10000, 2300],
      ['FV 1/11/2026', 'FP', 10000, 2300]
    ]
  )

  const register = await owner.get('/ksiegowosc/rejestr-vat?miesiac=2026-11')
  t.match(register.body, /<span class="badge warn">FP<\/span>/)
  t.match(
    register.body,
    /Podsumowanie miesiąca<\/td>\s*<td class="num">100,00<\/td>\s*<td class="num">23,00<\/td>/,
    'FP row is not added to the totals'
  )
  const page = await owner.get(`/ksiegowosc/dokumenty/${invoice}`)
  t.match(page.body, 'Faktura do paragonu PAR 1/11/2026')
  const pending = await owner.get('/ksiegowosc/do-zaksiegowania')
  t.notMatch(pending.body, 'FV 1/11/2026', 'an FP invoice does not wait for a KPiR entry')
})

t.test('foreign currency: booked in PLN at the document rate; without a rate it is refused', async (t) => {
  const { owner, db } = await build(t)
  // EUR 123,00 at 23%: VAT 23,00 EUR, net 100,00 EUR; rate 4,2345:
  //   net 100,00 × 4,2345 = 423,45 zł; VAT 23,00 × 4,2345 = 97,3935 → 97,39 zł (as on the document)
  const eur = await insertDocument(db, {
    issueDate: '2026-11-13',
    currency: 'EUR',
    exchangeRate: '4.2345',
    totalVatPln: 9739,
    buyerName: 'Kunde GmbH',
    buyerForeignTaxId: 'DE123456789',
    buyerCountryCode: 'DE',
    lines: [{ vatRate: '23', gross: 12300 }]
  })
  // EUR 10,01 at 23% (VAT 1,87, net 8,14) and 10,01 at 8% (VAT 0,74, net 9,27) at 4,0020:
  //   VAT 23%: 1,87 × 4,002 = 7,4837 → 7,48; 8%: 0,74 × 4,002 = 2,9615 → 2,96; sum 10,44
  //   the document states its whole VAT converted: 2,61 × 4,002 = 10,4452 → 10,45, so the grosz
  //   goes to the larger rate: 23% VAT 7,49. Nets: 8,14 × 4,002 = 32,5763 → 32,58; 9,27 × 4,002 = 37,0985 → 37,10
  const mixed = await insertDocument(db, {
    issueDate: '2026-11-14',
    currency: 'EUR',
    exchangeRate: '4.0020',
    totalVatPln: 1045,
    lines: [
      { vatRate: '23', gross: 1001 },
      { vatRate: '8', gross: 1001 }
    ]
  })
  const noRate = await insertDocument(db, {
    issueDate: '2026-11-14',
    currency: 'CZK',
    exchangeRate: null,
    totalVatPln: 0,
    lines: [{ vatRate: '23', gross: 10000 }]
  })

  await owner.get(`/ksiegowosc/dokumenty/${eur}`)
  t.equal((await owner.post(`/ksiegowosc/dokumenty/${eur}/ksiegowanie`)).statusCode, 303)
  await owner.post(`/ksiegowosc/dokumenty/${mixed}/ksiegowanie`)
  const refused = await owner.post(`/ksiegowosc/dokumenty/${noRate}/ksiegowanie`)
  t.equal(refused.statusCode, 303)
  const refusedPage = await owner.get(`/ksiegowosc/dokumenty/${noRate}`)
  t.match(refusedPage.body, 'jest w walucie CZK i nie ma kursu wymiany')

  t.same(
    (await entriesOf(db, 'kpir')).map((e) => [e.document_number, e.revenue_sales]),
    [
      ['FV 1/11/2026', 42345],
      ['FV 2/11/2026', 6968]
    ],
    '32,58 + 37,10 = 69,68'
  )
  t.same(
    (await entriesOf(db, 'vat')).map((e) => [e.document_number, e.revenue_sales, e.total_vat]),
    [
      ['FV 1/11/2026', 42345, 9739],
      ['FV 2/11/2026', 6968, 1045]
    ]
  )
  const mixedRates = await db
    .selectFrom('ledger_entry_amounts as a')
    .innerJoin('ledger_entries as e', 'e.id', 'a.entry_id')
    .select(['a.rate', 'a.net', 'a.vat'])
    .where('e.document_id', '=', mixed)
    .where('e.register', '=', 'vat')
    .orderBy('a.rate')
    .execute()
  t.same(mixedRates, [
    { rate: '23', net: 3258, vat: 749 },
    { rate: '8', net: 3710, vat: 296 }
  ])
  const kpir = await owner.get('/ksiegowosc/kpir?miesiac=2026-11')
  t.match(kpir.body, 'DE123456789')
  t.match(kpir.body, '123,00 EUR brutto, kurs 4,2345 (tabela 222/A/NBP/2026 z 2026-11-12)')
  const pending = await owner.get('/ksiegowosc/do-zaksiegowania')
  t.match(pending.body, 'brak kursu CZK')
})
