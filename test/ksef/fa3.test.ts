import t from 'tap'
import { buildFa3Xml, Fa3Error, type Fa3Invoice } from '../../src/ksef/fa3.ts'
import { ART_113_BASIS, buyerId, fa3InvoiceFromDocumentRows, sellerAddress } from '../../src/ksef/fa3-documents.ts'
import { convertToPln } from '../../src/nbp/nbp.ts'
import { formatDecimal } from '../../src/shared/money.ts'
import { assertValidFa3, block, documentRow, lineRow, OPTIONS, totalRow, value, values } from './fa3-fixtures.ts'

// Every amount below is worked out by hand from the gross prices:
// VAT per rate = round half up (gross × r / (100 + r)), net = gross − VAT.

t.test('a company buyer with a Polish NIP (PLN, 23 %, paid by transfer)', async (t) => {
  const doc = documentRow({
    paid_at: '2026-04-08T22:30:00.000Z',
    total_net: 9185,
    total_vat: 2113,
    total_gross: 11298,
    total_vat_pln: 2113
  })
  const lines = [
    // 3 × 33.33 = 99.99: VAT 229 977 / 123 = 1869.7 → 18.70
    lineRow(doc.id, 1, {
      name: 'Kubek ceramiczny 330 ml',
      quantityMilli: 3000,
      unitPriceGross: 3333,
      net: 8129,
      vat: 1870,
      gross: 9999,
      rate: '23',
      sku: 'KUB-330'
    }),
    lineRow(doc.id, 2, {
      name: 'Dostawa: InPost Paczkomat',
      quantityMilli: 1000,
      unitPriceGross: 1299,
      net: 1056,
      vat: 243,
      gross: 1299,
      rate: '23'
    })
  ]
  // 112.98 at 23 %: 259 854 / 123 = 2112.6 → VAT 21.13, net 91.85
  const totals = [totalRow(doc.id, '23', 9185, 2113, 11298)]
  const xml = buildFa3Xml(fa3InvoiceFromDocumentRows(doc, lines, totals), OPTIONS)
  assertValidFa3(t, xml)

  t.match(xml, /<KodFormularza kodSystemowy="FA \(3\)" wersjaSchemy="1-0E">FA<\/KodFormularza>/)
  t.equal(value(xml, 'WariantFormularza'), '3')
  t.equal(value(xml, 'DataWytworzeniaFa'), '2026-04-10T12:30:05Z', 'generation time in UTC, whole seconds')
  t.equal(value(xml, 'SystemInfo'), 'Biurko')
  t.match(block(xml, 'Podmiot1'), /<NIP>5261040828<\/NIP>\s*<Nazwa>Sklep Testowy Sp. z o.o.<\/Nazwa>/)
  t.equal(value(block(xml, 'Podmiot1'), 'AdresL1'), 'ul. Prosta 1')
  t.equal(value(block(xml, 'Podmiot1'), 'AdresL2'), '00-001 Warszawa')
  const buyer = block(xml, 'Podmiot2')
  t.equal(value(buyer, 'NIP'), '7751234564')
  t.equal(value(buyer, 'Nazwa'), 'Hurtownia Kubek Sp. z o.o.')
  t.equal(value(buyer, 'AdresL2'), '31-000 Kraków')
  t.equal(value(buyer, 'JST'), '2')
  t.equal(value(buyer, 'GV'), '2')
  t.notMatch(buyer, 'BrakID')

  t.equal(value(xml, 'KodWaluty'), 'PLN')
  t.equal(value(xml, 'P_1'), '2026-04-10')
  t.equal(value(xml, 'P_2'), 'FV 7/04/2026')
  t.equal(value(xml, 'P_6'), '2026-04-09', 'the sale date differs from the issue date')
  t.equal(value(xml, 'P_13_1'), '91.85')
  t.equal(value(xml, 'P_14_1'), '21.13')
  t.equal(value(xml, 'P_15'), formatDecimal(doc.total_gross), 'P_15 is the gross total')
  t.equal(value(xml, 'P_15'), '112.98')
  t.notMatch(xml, 'P_14_1W', 'no PLN conversion for a PLN invoice')
  t.equal(value(xml, 'RodzajFaktury'), 'VAT')
  t.equal(value(xml, 'P_19N'), '1', 'no exempt sales')
  t.same(
    [
      value(xml, 'P_16'),
      value(xml, 'P_17'),
      value(xml, 'P_18'),
      value(xml, 'P_18A'),
      value(xml, 'P_22N'),
      value(xml, 'P_23'),
      value(xml, 'P_PMarzyN')
    ],
    ['2', '2', '2', '2', '1', '2', '1']
  )

  t.same(values(xml, 'NrWierszaFa'), ['1', '2'])
  t.same(values(xml, 'P_7'), ['Kubek ceramiczny 330 ml', 'Dostawa: InPost Paczkomat'])
  t.same(values(xml, 'P_8A'), ['szt.', 'szt.'])
  t.same(values(xml, 'P_8B'), ['3', '1'])
  t.same(values(xml, 'P_9B'), ['33.33', '12.99'], 'unit gross price: VAT computed from gross (art. 106e ust. 7–8)')
  t.same(values(xml, 'P_11A'), ['99.99', '12.99'])
  t.same(values(xml, 'P_12'), ['23', '23'])
  t.same(values(xml, 'Indeks'), ['KUB-330'])
  t.same(values(xml, 'P_9A'), [], 'no net unit price alongside the gross one')

  const payment = block(xml, 'Platnosc')
  t.equal(value(payment, 'Zaplacono'), '1')
  t.equal(value(payment, 'DataZaplaty'), '2026-04-09', 'paid at 00:30 Polish time on the 9th (22:30 UTC on the 8th)')
  t.equal(value(payment, 'FormaPlatnosci'), '6')
  t.notMatch(payment, 'NrRB', 'a paid invoice needs no account')
})

t.test('a consumer (BrakID), unpaid transfer with a due date', async (t) => {
  const doc = documentRow({
    number: 'FV 8/04/2026',
    sale_date: '2026-04-10',
    buyer_name: 'Anna Nowak',
    buyer_nip: null,
    buyer_street: 'ul. Lipowa 5/3',
    buyer_postal_code: '80-001',
    buyer_city: 'Gdańsk',
    paid: 0,
    paid_at: null,
    due_date: '2026-04-24',
    total_net: 7309,
    total_vat: 1681,
    total_gross: 8990,
    total_vat_pln: 1681
  })
  // 89.90 at 23 %: 206 770 / 123 = 1681.05 → 16.81
  const lines = [
    lineRow(doc.id, 1, {
      name: 'Lampka biurkowa LED',
      quantityMilli: 1000,
      unitPriceGross: 8990,
      net: 7309,
      vat: 1681,
      gross: 8990,
      rate: '23'
    })
  ]
  const xml = buildFa3Xml(fa3InvoiceFromDocumentRows(doc, lines, [totalRow(doc.id, '23', 7309, 1681, 8990)]), OPTIONS)
  assertValidFa3(t, xml)

  const buyer = block(xml, 'Podmiot2')
  t.equal(value(buyer, 'BrakID'), '1')
  t.notMatch(buyer, '<NIP>')
  t.equal(value(buyer, 'Nazwa'), 'Anna Nowak')
  t.equal(value(buyer, 'AdresL1'), 'ul. Lipowa 5/3')
  t.equal(value(buyer, 'KodKraju'), 'PL')
  t.equal(value(xml, 'P_6'), undefined, 'sale date equal to the issue date is not repeated')
  t.equal(value(xml, 'P_15'), '89.90')
  const payment = block(xml, 'Platnosc')
  t.notMatch(payment, 'Zaplacono')
  t.equal(value(payment, 'Termin'), '2026-04-24')
  t.equal(value(payment, 'FormaPlatnosci'), '6')
  t.equal(value(payment, 'NrRB'), '61109010140000071219812874')
})

t.test('a non-VAT seller (art. 113): zw lines, P_13_7 and the exemption basis', async (t) => {
  const basis = 'Zwolnienie podmiotowe z VAT na podstawie art. 113 ust. 1 ustawy o VAT'
  const doc = documentRow({
    type: 'faktura_bez_vat',
    number: 'F 3/04/2026',
    seller_nip: '5265877635',
    seller_name: 'Rękodzieło Maria Wiśniewska',
    vat_exempt: 1,
    vat_exemption_basis: basis,
    buyer_name: 'Piotr Zieliński',
    buyer_nip: null,
    payment_method: 'pobranie',
    paid: 0,
    paid_at: null,
    total_net: 17400,
    total_vat: 0,
    total_gross: 17400,
    total_vat_pln: 0
  })
  const lines = [
    lineRow(doc.id, 1, {
      name: 'Sweter ręcznie robiony',
      quantityMilli: 1000,
      unitPriceGross: 15900,
      net: 15900,
      vat: 0,
      gross: 15900,
      rate: 'zw'
    }),
    lineRow(doc.id, 2, {
      name: 'Wysyłka kurierem DPD',
      quantityMilli: 1000,
      unitPriceGross: 1500,
      net: 1500,
      vat: 0,
      gross: 1500,
      rate: 'zw'
    })
  ]
  const xml = buildFa3Xml(fa3InvoiceFromDocumentRows(doc, lines, [totalRow(doc.id, 'zw', 17400, 0, 17400)]), OPTIONS)
  assertValidFa3(t, xml)

  t.equal(value(xml, 'RodzajFaktury'), 'VAT', 'an exempt seller’s invoice is a basic invoice')
  t.equal(value(xml, 'P_13_7'), '174.00', 'exempt sales total')
  t.notMatch(xml, /P_13_1|P_14_/, 'no taxed amounts at all')
  t.equal(value(xml, 'P_15'), '174.00')
  t.equal(value(xml, 'P_19'), '1')
  t.equal(value(xml, 'P_19A'), basis)
  t.notMatch(xml, 'P_19N')
  t.same(values(xml, 'P_12'), ['zw', 'zw'])
  t.same(values(xml, 'P_9A'), ['159.00', '15.00'], 'no VAT: the net price (equal to gross)')
  t.same(values(xml, 'P_11'), ['159.00', '15.00'])
  t.same(values(xml, 'P_9B'), [])
  const payment = block(xml, 'Platnosc')
  t.equal(value(payment, 'PlatnoscInna'), '1')
  t.equal(value(payment, 'OpisPlatnosci'), 'za pobraniem')
  t.notMatch(payment, 'NrRB', 'cash on delivery needs no account')

  const noBasis = fa3InvoiceFromDocumentRows({ ...doc, vat_exemption_basis: '' }, lines, [
    totalRow(doc.id, 'zw', 17400, 0, 17400)
  ])
  t.equal(noBasis.exemptionBasis, ART_113_BASIS, 'art. 113 ust. 1 when the document names no basis')
  t.equal(value(buildFa3Xml(noBasis, OPTIONS), 'P_19A'), 'art. 113 ust. 1 ustawy o VAT')
})

t.test('mixed rates 23 / 8 / 5 / 0 / zw in one invoice', async (t) => {
  const doc = documentRow({
    number: 'FV 10/04/2026',
    vat_exemption_basis: 'art. 43 ust. 1 pkt 29 lit. a ustawy o VAT',
    total_net: 30000,
    total_vat: 3200,
    total_gross: 33200,
    total_vat_pln: 3200
  })
  const lines = [
    // 123.00 at 23 %: 282 900 / 123 = 2300 exactly
    lineRow(doc.id, 1, {
      name: 'Monitor 24"',
      quantityMilli: 1000,
      unitPriceGross: 12300,
      net: 10000,
      vat: 2300,
      gross: 12300,
      rate: '23'
    }),
    // 1.5 kg × 72.00 = 108.00 at 8 %: 86 400 / 108 = 800
    lineRow(doc.id, 2, {
      name: 'Kawa ziarnista',
      unit: 'kg',
      quantityMilli: 1500,
      unitPriceGross: 7200,
      net: 10000,
      vat: 800,
      gross: 10800,
      rate: '8'
    }),
    // 21.00 at 5 %: 10 500 / 105 = 100
    lineRow(doc.id, 3, {
      name: 'Książka „Księgowość w praktyce”',
      quantityMilli: 1000,
      unitPriceGross: 2100,
      net: 2000,
      vat: 100,
      gross: 2100,
      rate: '5'
    }),
    lineRow(doc.id, 4, {
      name: 'Podręcznik szkolny',
      quantityMilli: 1000,
      unitPriceGross: 5000,
      net: 5000,
      vat: 0,
      gross: 5000,
      rate: '0'
    }),
    lineRow(doc.id, 5, {
      name: 'Szkolenie zawodowe',
      unit: 'usł.',
      quantityMilli: 1000,
      unitPriceGross: 3000,
      net: 3000,
      vat: 0,
      gross: 3000,
      rate: 'zw'
    })
  ]
  const totals = [
    totalRow(doc.id, '23', 10000, 2300, 12300),
    totalRow(doc.id, '8', 10000, 800, 10800),
    totalRow(doc.id, '5', 2000, 100, 2100),
    totalRow(doc.id, '0', 5000, 0, 5000),
    totalRow(doc.id, 'zw', 3000, 0, 3000)
  ]
  const xml = buildFa3Xml(fa3InvoiceFromDocumentRows(doc, lines, totals), OPTIONS)
  assertValidFa3(t, xml)

  t.same(
    ['P_13_1', 'P_14_1', 'P_13_2', 'P_14_2', 'P_13_3', 'P_14_3', 'P_13_6_1', 'P_13_7'].map((name) => value(xml, name)),
    ['100.00', '23.00', '100.00', '8.00', '20.00', '1.00', '50.00', '30.00']
  )
  t.equal(value(xml, 'P_15'), '332.00')
  const perRate = ['P_13_1', 'P_14_1', 'P_13_2', 'P_14_2', 'P_13_3', 'P_14_3', 'P_13_6_1', 'P_13_7'].reduce(
    (sum, name) => sum + Math.round(Number(value(xml, name)) * 100),
    0
  )
  t.equal(perRate, 33200, 'the per-rate net and VAT add up to P_15')
  t.same(values(xml, 'P_12'), ['23', '8', '5', '0 KR', 'zw'], 'domestic 0 % is "0 KR" in FA(3)')
  t.same(values(xml, 'P_8B'), ['1', '1.5', '1', '1', '1'])
  t.same(values(xml, 'P_8A'), ['szt.', 'kg', 'szt.', 'szt.', 'usł.'])
  t.equal(value(xml, 'P_19A'), 'art. 43 ust. 1 pkt 29 lit. a ustawy o VAT', 'the zw line needs its basis')
})

t.test('a correction (KOR): lines before and after, differences in the totals', async (t) => {
  const ksefNumber = '5265877635-20260410-0A1B2C3D4E5F-9F'
  const original = documentRow({
    number: 'FV 7/04/2026',
    seller_nip: '5265877635',
    ksef_number: ksefNumber,
    total_net: 16260,
    total_vat: 3740,
    total_gross: 20000,
    total_vat_pln: 3740
  })
  // 2 × 100.00 = 200.00 at 23 %: 460 000 / 123 = 3739.8 → 37.40
  const originalLines = [
    lineRow(original.id, 1, {
      name: 'Słuchawki bezprzewodowe',
      quantityMilli: 2000,
      unitPriceGross: 10000,
      net: 16260,
      vat: 3740,
      gross: 20000,
      rate: '23'
    })
  ]
  // one pair returned: 100.00 → VAT 18.70 (230 000 / 123 = 1869.9), net 81.30;
  // differences: net 81.30 − 162.60 = −81.30, VAT 18.70 − 37.40 = −18.70, gross −100.00
  const correction = documentRow({
    type: 'korekta',
    number: 'KOR 1/04/2026',
    seller_nip: '5265877635',
    issue_date: '2026-04-20',
    corrects_document_id: original.id,
    paid: 0,
    paid_at: null,
    total_net: -8130,
    total_vat: -1870,
    total_gross: -10000,
    total_vat_pln: -1870
  })
  const after = [
    lineRow(correction.id, 1, {
      name: 'Słuchawki bezprzewodowe',
      quantityMilli: 1000,
      unitPriceGross: 10000,
      net: 8130,
      vat: 1870,
      gross: 10000,
      rate: '23'
    })
  ]
  const invoice = fa3InvoiceFromDocumentRows(correction, after, [totalRow(correction.id, '23', -8130, -1870, -10000)], {
    original,
    linesBefore: originalLines,
    reason: 'Zwrot 1 szt. towaru przez kupującego',
    effect: 2
  })
  const xml = buildFa3Xml(invoice, OPTIONS)
  assertValidFa3(t, xml)

  t.equal(value(xml, 'RodzajFaktury'), 'KOR')
  t.equal(value(xml, 'P_2'), 'KOR 1/04/2026')
  t.equal(value(xml, 'P_13_1'), '-81.30')
  t.equal(value(xml, 'P_14_1'), '-18.70')
  t.equal(value(xml, 'P_15'), '-100.00', 'P_15 is the difference')
  t.equal(value(xml, 'PrzyczynaKorekty'), 'Zwrot 1 szt. towaru przez kupującego')
  t.equal(value(xml, 'TypKorekty'), '2')
  const corrected = block(xml, 'DaneFaKorygowanej')
  t.equal(value(corrected, 'DataWystFaKorygowanej'), '2026-04-10')
  t.equal(value(corrected, 'NrFaKorygowanej'), 'FV 7/04/2026')
  t.equal(value(corrected, 'NrKSeF'), '1')
  t.equal(value(corrected, 'NrKSeFFaKorygowanej'), ksefNumber)
  t.same(values(xml, 'NrWierszaFa'), ['1', '2'], 'before and after rows numbered on')
  t.same(values(xml, 'P_8B'), ['2', '1'])
  t.same(values(xml, 'P_11A'), ['200.00', '100.00'])
  t.same(values(xml, 'StanPrzed'), ['1'], 'only the before row is marked')
  t.match(block(xml, 'FaWiersz'), '<StanPrzed>1</StanPrzed>', 'and it is the first row')
  t.notMatch(xml, '<Platnosc>', 'a refund has no payment terms')

  const outsideKsef = fa3InvoiceFromDocumentRows(
    correction,
    after,
    [totalRow(correction.id, '23', -8130, -1870, -10000)],
    {
      original: { ...original, ksef_number: null },
      linesBefore: originalLines
    }
  )
  const xmlOutside = buildFa3Xml(outsideKsef, OPTIONS)
  assertValidFa3(t, xmlOutside)
  t.equal(value(block(xmlOutside, 'DaneFaKorygowanej'), 'NrKSeFN'), '1', 'original issued outside KSeF')
  t.notMatch(xmlOutside, 'PrzyczynaKorekty', 'the reason is optional')

  // a correction to zero (e.g. a wrong buyer NIP, MF-H2 §1.6.4): only the rows before remain
  const toZero = fa3InvoiceFromDocumentRows(
    { ...correction, total_net: -16260, total_vat: -3740, total_gross: -20000 },
    [],
    [totalRow(correction.id, '23', -16260, -3740, -20000)],
    {
      original,
      linesBefore: originalLines,
      reason: 'Błędny NIP nabywcy – korekta do zera'
    }
  )
  const xmlToZero = buildFa3Xml(toZero, OPTIONS)
  assertValidFa3(t, xmlToZero)
  t.equal(value(xmlToZero, 'P_15'), '-200.00')
  t.same(values(xmlToZero, 'StanPrzed'), ['1'])

  const wrongDifference = fa3InvoiceFromDocumentRows(
    correction,
    after,
    [totalRow(correction.id, '23', -16260, -3740, -20000)],
    { original, linesBefore: originalLines }
  )
  t.throws(
    () => buildFa3Xml({ ...wrongDifference, totalGross: -20000 }, OPTIONS),
    {
      name: 'Fa3Error',
      problems: [
        'Różnica wartości brutto pozycji przed i po korekcie w stawce 23 nie równa się różnicy w podsumowaniu.'
      ]
    },
    'totals that are not the before/after difference are refused'
  )
})

t.test('a CZK invoice: VAT converted to PLN at the NBP rate', async (t) => {
  const doc = documentRow({
    number: 'FV 9/04/2026',
    currency: 'CZK',
    exchange_rate: '0.1734',
    exchange_rate_table: '068/A/NBP/2026',
    exchange_rate_date: '2026-04-08',
    buyer_name: 'Jan Novák',
    buyer_nip: null,
    buyer_street: 'Národní 12',
    buyer_postal_code: '110 00',
    buyer_city: 'Praha',
    buyer_country_code: 'CZ',
    payment_method: 'online',
    total_net: 47724,
    total_vat: 10976,
    total_gross: 58700,
    total_vat_pln: 1903
  })
  const lines = [
    lineRow(doc.id, 1, {
      name: 'Kubek ceramiczny',
      quantityMilli: 2000,
      unitPriceGross: 24900,
      net: 40488,
      vat: 9312,
      gross: 49800,
      rate: '23'
    }),
    lineRow(doc.id, 2, {
      name: 'Doprava',
      quantityMilli: 1000,
      unitPriceGross: 8900,
      net: 7236,
      vat: 1664,
      gross: 8900,
      rate: '23'
    })
  ]
  // 587.00 CZK at 23 %: 1 350 100 / 123 = 10 976.4 → VAT 109.76 CZK, net 477.24 CZK;
  // in PLN: 109.76 × 0.1734 = 19.032 384 → 19.03 zł
  const xml = buildFa3Xml(
    fa3InvoiceFromDocumentRows(doc, lines, [totalRow(doc.id, '23', 47724, 10976, 58700)]),
    OPTIONS
  )
  assertValidFa3(t, xml)

  t.equal(value(xml, 'KodWaluty'), 'CZK')
  t.equal(value(xml, 'P_13_1'), '477.24', 'amounts stay in the invoice currency')
  t.equal(value(xml, 'P_14_1'), '109.76')
  t.equal(value(xml, 'P_14_1W'), formatDecimal(convertToPln(10976, '0.1734')), 'P_14_1W is convertToPln of the VAT')
  t.equal(value(xml, 'P_14_1W'), '19.03')
  t.equal(value(xml, 'P_15'), '587.00')
  t.same(values(xml, 'KursWaluty'), ['0.1734', '0.1734'], 'the rate on every line')
  t.notMatch(xml, 'KursWalutyZ', 'KursWalutyZ is for advance invoices only')
  t.equal(value(xml, 'Klucz'), 'Kurs waluty')
  t.equal(value(xml, 'Wartosc'), '1 CZK = 0.1734 PLN, tabela A NBP nr 068/A/NBP/2026 z dnia 2026-04-08')
  const buyer = block(xml, 'Podmiot2')
  t.equal(value(buyer, 'BrakID'), '1')
  t.equal(value(buyer, 'KodKraju'), 'CZ')
  t.equal(value(buyer, 'AdresL2'), '110 00 Praha')
  t.equal(value(block(xml, 'Platnosc'), 'OpisPlatnosci'), 'płatność online (Allegro)')

  const company = fa3InvoiceFromDocumentRows(
    { ...doc, buyer_name: 'Hrnek s.r.o.', buyer_foreign_tax_id: 'CZ 1234 5678' },
    lines,
    [totalRow(doc.id, '23', 47724, 10976, 58700)]
  )
  const companyXml = buildFa3Xml(company, OPTIONS)
  assertValidFa3(t, companyXml)
  t.equal(value(block(companyXml, 'Podmiot2'), 'KodUE'), 'CZ', 'an EU VAT number: KodUE + NrVatUE')
  t.equal(value(block(companyXml, 'Podmiot2'), 'NrVatUE'), '12345678')

  // a returned mug: the rows before carry the original's rate, the rows after the correction's
  const correction = documentRow({
    ...doc,
    id: doc.id + 1000,
    type: 'korekta',
    number: 'KOR 2/04/2026',
    issue_date: '2026-04-20',
    exchange_rate: '0.1750',
    exchange_rate_table: '075/A/NBP/2026',
    exchange_rate_date: '2026-04-17',
    total_net: -20244,
    total_vat: -4656,
    total_gross: -24900
  })
  const after = [
    lineRow(correction.id, 1, {
      name: 'Kubek ceramiczny',
      quantityMilli: 1000,
      unitPriceGross: 24900,
      net: 20244,
      vat: 4656,
      gross: 24900,
      rate: '23'
    }),
    lineRow(correction.id, 2, {
      name: 'Doprava',
      quantityMilli: 1000,
      unitPriceGross: 8900,
      net: 7236,
      vat: 1664,
      gross: 8900,
      rate: '23'
    })
  ]
  // after: 338.00 CZK → VAT 777 400 / 123 = 6320.3 → 63.20; difference 63.20 − 109.76 = −46.56,
  // net −248.99 + 46.56 = −202.44; in PLN at 0.1750: −46.56 × 0.175 = −8.148 → −8.15
  const correctionXml = buildFa3Xml(
    fa3InvoiceFromDocumentRows(correction, after, [totalRow(correction.id, '23', -20244, -4656, -24900)], {
      original: doc,
      linesBefore: lines
    }),
    OPTIONS
  )
  assertValidFa3(t, correctionXml)
  t.same(values(correctionXml, 'KursWaluty'), ['0.1734', '0.1734', '0.1750', '0.1750'])
  t.equal(value(correctionXml, 'P_14_1'), '-46.56')
  t.equal(value(correctionXml, 'P_14_1W'), '-8.15')
  t.throws(
    () =>
      fa3InvoiceFromDocumentRows({ ...correction, currency: 'EUR' }, after, [], { original: doc, linesBefore: lines }),
    { message: /w walucie faktury korygowanej \(CZK\)/ }
  )

  const noRate = fa3InvoiceFromDocumentRows({ ...doc, exchange_rate: null }, lines, [
    totalRow(doc.id, '23', 47724, 10976, 58700)
  ])
  t.throws(() => buildFa3Xml(noRate, OPTIONS), { name: 'Fa3Error', message: /wymaga kursu NBP/ })
})

t.test('hostile text from Allegro is escaped and the file stays valid', async (t) => {
  const doc = documentRow({
    buyer_name: 'Kowalski & Syn <script>alert("x")</script> \'; DROP TABLE -- ]]>\u0000\u0007\uFFFE \uD800 ☕🙂',
    buyer_street: 'ul. <b>Zła</b>\n\t 7',
    total_net: 1626,
    total_vat: 374,
    total_gross: 2000,
    total_vat_pln: 374
  })
  const lines = [
    lineRow(doc.id, 1, {
      name: 'Kabel "USB-C" <1m> & adapter\r\n\r\nnowa   linia',
      quantityMilli: 1000,
      unitPriceGross: 2000,
      net: 1626,
      vat: 374,
      gross: 2000,
      rate: '23',
      sku: '<sku>&'
    })
  ]
  const xml = buildFa3Xml(fa3InvoiceFromDocumentRows(doc, lines, [totalRow(doc.id, '23', 1626, 374, 2000)]), OPTIONS)
  assertValidFa3(t, xml)

  t.notMatch(xml, '<script>')
  t.notMatch(xml, '<b>')
  t.equal(
    value(block(xml, 'Podmiot2'), 'Nazwa'),
    'Kowalski &amp; Syn &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &apos;; DROP TABLE -- ]]&gt; ☕🙂',
    'escaped, characters XML cannot carry dropped, emoji kept'
  )
  t.equal(
    value(block(xml, 'Podmiot2'), 'AdresL1'),
    'ul. &lt;b&gt;Zła&lt;/b&gt; 7',
    'whitespace collapsed as xsd:token does'
  )
  t.same(values(xml, 'P_7'), ['Kabel &quot;USB-C&quot; &lt;1m&gt; &amp; adapter nowa linia'])
  t.same(values(xml, 'Indeks'), ['&lt;sku&gt;&amp;'])
  t.notMatch(xml, /[\u0000-\u0008\uFFFE]/)
})

t.test('what cannot be exported is refused with Polish reasons', async (t) => {
  const doc = documentRow({ total_net: 8129, total_vat: 1870, total_gross: 9999, total_vat_pln: 1870 })
  const lines = [
    lineRow(doc.id, 1, {
      name: 'Kubek',
      quantityMilli: 3000,
      unitPriceGross: 3333,
      net: 8129,
      vat: 1870,
      gross: 9999,
      rate: '23'
    })
  ]
  const totals = [totalRow(doc.id, '23', 8129, 1870, 9999)]
  const good = fa3InvoiceFromDocumentRows(doc, lines, totals)
  t.doesNotThrow(() => buildFa3Xml(good, OPTIONS), 'the base case is fine')

  for (const type of ['proforma', 'proforma_bez_vat', 'paragon', 'inny_przychod']) {
    t.throws(
      () => fa3InvoiceFromDocumentRows({ ...doc, type }, lines, totals),
      { name: 'Fa3Error', message: /nie jest fakturą/ },
      type
    )
  }
  t.throws(() => fa3InvoiceFromDocumentRows({ ...doc, status: 'cancelled' }, lines, totals), {
    message: /jest anulowany/
  })
  t.throws(() => fa3InvoiceFromDocumentRows({ ...doc, type: 'korekta' }, lines, totals), {
    message: /potrzebne są dane faktury korygowanej/
  })
  t.throws(() => fa3InvoiceFromDocumentRows(doc, lines, totals, { original: doc, linesBefore: lines }), {
    message: /nie jest korektą/
  })
  t.throws(() => fa3InvoiceFromDocumentRows(doc, [{ ...lines[0], vat_rate: '7' }], totals), {
    message: /Nieobsługiwana stawka VAT „7”/
  })

  const cases: Array<[string, Fa3Invoice, RegExp]> = [
    [
      'bad buyer NIP',
      { ...good, buyer: { ...good.buyer, id: { kind: 'nip', nip: '1234567890' } } },
      /NIP nabywcy „1234567890” jest nieprawidłowy/
    ],
    ['bad seller NIP', { ...good, seller: { ...good.seller, nip: '0123456789' } }, /NIP sprzedawcy/],
    [
      'totals do not match the lines',
      { ...good, rateTotals: [{ rate: '23', net: 8130, vat: 1870, gross: 10000 }], totalGross: 10000 },
      /Suma brutto pozycji w stawce 23/
    ],
    ['P_15 differs from the totals', { ...good, totalGross: 10000 }, /kwocie należności ogółem \(P_15\)/],
    [
      'net + VAT ≠ gross',
      { ...good, rateTotals: [{ rate: '23', net: 8000, vat: 1870, gross: 9999 }] },
      /netto \+ VAT nie równa się brutto/
    ],
    [
      'zw without a basis',
      {
        ...good,
        lines: [
          ...good.lines,
          { ...good.lines[0], rate: 'zw', vat: 0, net: 1000, gross: 1000, unitPriceGross: 1000, quantityMilli: 1000 }
        ],
        rateTotals: [...good.rateTotals, { rate: 'zw', net: 1000, vat: 0, gross: 1000 }],
        totalGross: 10999
      },
      /sprzedaż zwolnioną \(zw\): podaj podstawę/
    ],
    [
      'a basis without zw',
      { ...good, exemptionBasis: 'art. 43 ust. 1 pkt 2 ustawy o VAT' },
      /żadna pozycja nie ma stawki „zw”/
    ],
    [
      'exempt seller with a 23 % line',
      { ...good, sellerVatExempt: true, exemptionBasis: ART_113_BASIS },
      /Sprzedawca zwolniony z VAT: stawka w pozycji 1 musi być „zw”/
    ],
    [
      'a name too long for KSeF',
      { ...good, buyer: { ...good.buyer, name: 'x'.repeat(513) } },
      /Nazwa nabywcy ma więcej niż 512 znaków \(513\)/
    ],
    [
      'an empty line name',
      { ...good, lines: [{ ...good.lines[0], name: ' \n ' }] },
      /Brak: nazwa towaru lub usługi w pozycji 1/
    ],
    ['a float amount', { ...good, lines: [{ ...good.lines[0], gross: 99.99 }] }, /liczbą całkowitą groszy/],
    [
      'an unknown country',
      { ...good, buyer: { ...good.buyer, address: { countryCode: 'XX', line1: 'a', line2: null } } },
      /Nieznany kod kraju w adresie nabywcy: „XX”/
    ],
    [
      'an EU id with PL',
      { ...good, buyer: { ...good.buyer, id: { kind: 'eu', countryCode: 'PL', vatNumber: '7751234564' } } },
      /nie jest kodem kraju UE/
    ],
    [
      'PLN with a rate',
      { ...good, exchangeRate: { mid: '1.0000', tableNo: null, effectiveDate: null } },
      /Faktura w złotych nie ma kursu waluty/
    ],
    [
      'a bad rate',
      { ...good, currency: 'EUR', exchangeRate: { mid: '4,21', tableNo: null, effectiveDate: null } },
      /Nieprawidłowy kurs waluty: „4,21”/
    ],
    [
      'an unknown currency',
      { ...good, currency: 'ZZZ', exchangeRate: { mid: '1.5', tableNo: null, effectiveDate: null } },
      /Nieznany kod waluty: „ZZZ”/
    ],
    [
      'an impossible date',
      { ...good, issueDate: '2026-02-30' },
      /Data wystawienia: „2026-02-30” nie jest poprawną datą/
    ],
    [
      'a date outside KSeF’s range',
      { ...good, saleDate: '2051-01-01' },
      /Data sprzedaży 2051-01-01 jest poza zakresem dat KSeF/
    ],
    [
      'a bad bank account',
      { ...good, payment: { ...good.payment!, paidOn: null, bankAccount: '12 3456' } },
      /Numer rachunku „12 3456” jest nieprawidłowy/
    ],
    [
      'a bad KSeF number',
      {
        ...good,
        correction: {
          reason: null,
          effect: null,
          originalNumber: 'FV 1',
          originalIssueDate: '2026-04-01',
          originalKsefNumber: '5265877635-20260410-0A1B2C3D4E5F-00',
          linesBefore: good.lines,
          originalExchangeRate: null
        }
      },
      /Numer KSeF faktury korygowanej/
    ],
    ['no lines', { ...good, lines: [], rateTotals: [], totalGross: 0 }, /nie ma żadnej pozycji/]
  ]
  for (const [what, invoice, message] of cases) {
    t.throws(() => buildFa3Xml(invoice, OPTIONS), { name: 'Fa3Error', message }, what)
  }

  const several = t.throws(() =>
    buildFa3Xml({ ...good, number: '', buyer: { ...good.buyer, name: '' } }, OPTIONS)
  ) as unknown
  t.ok(several instanceof Fa3Error)
  t.same((several as Fa3Error).problems, ['Brak: numer faktury.', 'Brak: nazwa nabywcy.'], 'every problem at once')
  t.throws(() => buildFa3Xml(good, { ...OPTIONS, generatedAt: OPTIONS.generatedAt.set({ year: 2025, month: 8 }) }), {
    message: /wcześniejsza niż 1 września 2025/
  })
})

t.test('buyer identification and the seller address from stored text', async (t) => {
  const row = (nip: string | null, foreign: string | null, country = 'PL') => ({
    buyer_nip: nip,
    buyer_foreign_tax_id: foreign,
    buyer_country_code: country
  })
  t.same(buyerId(row('775-123-45-64', null)), { kind: 'nip', nip: '7751234564' })
  t.same(buyerId(row(null, 'PL7751234564')), { kind: 'nip', nip: '7751234564' }, 'a Polish EU VAT number is a NIP')
  t.same(buyerId(row(null, 'CZ12345678', 'CZ')), { kind: 'eu', countryCode: 'CZ', vatNumber: '12345678' })
  t.same(buyerId(row(null, 'SK 2021234567', 'SK')), { kind: 'eu', countryCode: 'SK', vatNumber: '2021234567' })
  t.same(
    buyerId(row(null, 'GR123456789', 'GR')),
    { kind: 'eu', countryCode: 'EL', vatNumber: '123456789' },
    'Greece is EL in VAT numbers'
  )
  t.same(
    buyerId(row(null, '12345678-1-23', 'HU')),
    { kind: 'foreign', countryCode: 'HU', taxId: '12345678-1-23' },
    'a Hungarian adószám is not an EU VAT number'
  )
  t.same(buyerId(row(null, '27082440', 'CZ')), { kind: 'foreign', countryCode: 'CZ', taxId: '27082440' }, 'an IČO')
  t.same(buyerId(row(null, 'UA 1234567890', 'UA')), { kind: 'foreign', countryCode: 'UA', taxId: 'UA 1234567890' })
  t.same(
    buyerId(row(null, 'ABC', '??')),
    { kind: 'foreign', countryCode: null, taxId: 'ABC' },
    'an unknown country is left out'
  )
  t.same(buyerId(row(null, '  ')), { kind: 'none' })
  t.same(buyerId(row('', null)), { kind: 'none' })

  t.same(sellerAddress('ul. Prosta 1, 00-001 Warszawa'), {
    countryCode: 'PL',
    line1: 'ul. Prosta 1',
    line2: '00-001 Warszawa'
  })
  t.same(sellerAddress('ul. Długa 5, lok. 3, 00-950 Warszawa'), {
    countryCode: 'PL',
    line1: 'ul. Długa 5, lok. 3',
    line2: '00-950 Warszawa'
  })
  t.same(sellerAddress('Rynek 1\n30-001 Kraków'), { countryCode: 'PL', line1: 'Rynek 1', line2: '30-001 Kraków' })
  t.same(sellerAddress('Hlavní 5, 110 00 Praha, CZ'), {
    countryCode: 'CZ',
    line1: 'Hlavní 5, 110 00 Praha',
    line2: null
  })
  t.same(sellerAddress('Wólka 12'), { countryCode: 'PL', line1: 'Wólka 12', line2: null })

  const foreignBuyer = documentRow({
    buyer_nip: null,
    buyer_foreign_tax_id: 'UA 1234567890',
    buyer_country_code: 'UA',
    buyer_street: '',
    buyer_postal_code: '',
    buyer_city: 'Kijów',
    total_net: 1000,
    total_vat: 0,
    total_gross: 1000,
    total_vat_pln: 0
  })
  const lines = [
    lineRow(foreignBuyer.id, 1, {
      name: 'Usługa',
      quantityMilli: 1000,
      unitPriceGross: 1000,
      net: 1000,
      vat: 0,
      gross: 1000,
      rate: 'np'
    })
  ]
  const xml = buildFa3Xml(
    fa3InvoiceFromDocumentRows(foreignBuyer, lines, [totalRow(foreignBuyer.id, 'np', 1000, 0, 1000)]),
    OPTIONS
  )
  assertValidFa3(t, xml)
  t.equal(value(block(xml, 'Podmiot2'), 'NrID'), 'UA 1234567890')
  t.equal(value(block(xml, 'Podmiot2'), 'AdresL1'), 'Kijów', 'a city alone is the address line')
  t.equal(value(xml, 'P_13_8'), '10.00', 'np is "np I", summed in P_13_8')
  t.same(values(xml, 'P_12'), ['np I'])
})
