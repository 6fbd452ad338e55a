import t from 'tap'
import { build } from '../helpers/app.ts'
import { entriesOf, insertDocument, lineIdsOf } from '../helpers/ledger-fixtures.ts'

t.test('ryczałt with two rates: company rate 3 %, service lines set to 8,5 % before booking', async (t) => {
  const { owner, db } = await build(t, { company: { tax_form: 'ryczalt', ryczalt_rate_bp: 300 } })
  // R1 (4 Nov): goods 246,00 and a service 123,00, both 23%: group gross 369,00 → VAT 69,00, net 300,00;
  //   line nets 200,00 (goods) and 100,00 (service) → 3%: 200,00, 8,5%: 100,00
  const r1 = await insertDocument(db, {
    issueDate: '2026-11-04',
    lines: [
      { vatRate: '23', gross: 24600 },
      { vatRate: '23', gross: 12300, kind: 'service', name: 'Montaż' }
    ]
  })
  // R2 (6 Nov): goods 33,33 + 33,33 and a service 33,33, all 23%: group gross 99,99 → VAT 18,70, net 81,29;
  //   line VAT 33,33·23/123 = 6,2324 → 6,23, line net 27,10 each; 3%: 54,20, 8,5%: 27,10, sum 81,30 is
  //   1 grosz over the document's 81,29, taken from the larger part → 3%: 54,19, 8,5%: 27,10
  const r2 = await insertDocument(db, {
    issueDate: '2026-11-06',
    lines: [
      { vatRate: '23', gross: 3333 },
      { vatRate: '23', gross: 3333 },
      { vatRate: '23', gross: 3333, kind: 'service', name: 'Usługa' }
    ]
  })
  // R3 (8 Nov) receipt 8%: 54,00 → VAT 4,00, net 50,00, all at the company's 3%
  const r3 = await insertDocument(db, {
    type: 'paragon',
    issueDate: '2026-11-08',
    lines: [{ vatRate: '8', gross: 5400 }]
  })
  // Month: 3% = 200,00 + 54,19 + 50,00 = 304,19; 8,5% = 100,00 + 27,10 = 127,10; total 431,29

  const [, service1] = await lineIdsOf(db, r1)
  const [a, b, service2] = await lineIdsOf(db, r2)
  const page = await owner.get(`/ksiegowosc/dokumenty/${r1}`)
  t.match(page.body, 'Stawki ryczałtu pozycji')
  t.match(page.body, `name="stawka_${service1}"`)

  const invalid = await owner.post(`/ksiegowosc/dokumenty/${r1}/stawki-ryczaltu`, { [`stawka_${service1}`]: '999' })
  t.equal(invalid.statusCode, 422, 'a rate outside the list is refused')
  t.match(invalid.body, 'Wybierz stawkę ryczałtu z listy.')
  t.equal((await db.selectFrom('ledger_ryczalt_line_rates').selectAll().execute()).length, 0, 'nothing saved')

  const saved = await owner.post(`/ksiegowosc/dokumenty/${r1}/stawki-ryczaltu`, { [`stawka_${service1}`]: '850' })
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, `/ksiegowosc/dokumenty/${r1}`)
  await owner.get(`/ksiegowosc/dokumenty/${r2}`)
  await owner.post(`/ksiegowosc/dokumenty/${r2}/stawki-ryczaltu`, {
    [`stawka_${a}`]: '',
    [`stawka_${b}`]: '',
    [`stawka_${service2}`]: '850'
  })
  const shown = await owner.get(`/ksiegowosc/dokumenty/${r2}`)
  t.match(shown.body, /<option value="850" selected>8,5 %<\/option>/, 'the chosen rate is shown')

  await owner.post('/ksiegowosc/do-zaksiegowania', { dokumenty: [String(r3), String(r2), String(r1)] })
  t.same(
    (await entriesOf(db, 'ryczalt')).map((e) => [e.document_number, e.entry_number, e.revenue_sales]),
    [
      ['FV 1/11/2026', 1, 30000],
      ['FV 2/11/2026', 2, 8129],
      ['PAR 1/11/2026', 3, 5000]
    ]
  )
  const amounts = await db
    .selectFrom('ledger_entry_amounts as x')
    .innerJoin('ledger_entries as e', 'e.id', 'x.entry_id')
    .select(['e.document_number', 'x.rate', 'x.net'])
    .where('e.register', '=', 'ryczalt')
    .orderBy('e.entry_number')
    .orderBy('x.rate')
    .execute()
  t.same(amounts, [
    { document_number: 'FV 1/11/2026', rate: '300', net: 20000 },
    { document_number: 'FV 1/11/2026', rate: '850', net: 10000 },
    { document_number: 'FV 2/11/2026', rate: '300', net: 5419 },
    { document_number: 'FV 2/11/2026', rate: '850', net: 2710 },
    { document_number: 'PAR 1/11/2026', rate: '300', net: 5000 }
  ])
  t.equal((await entriesOf(db, 'kpir')).length, 0, 'a ryczałt company keeps no KPiR')
  t.equal((await entriesOf(db, 'vat')).length, 3, 'but a VAT payer on ryczałt keeps the VAT register')

  const view = await owner.get('/ksiegowosc/ryczalt?miesiac=2026-11')
  t.equal(view.statusCode, 200)
  t.match(
    view.body,
    /<th class="num">8,5 %<\/th><th class="num">3 %<\/th>/,
    'columns of the rates in use, in the regulation order'
  )
  t.match(
    view.body,
    /Podsumowanie miesiąca<\/td>\s*<td class="num">127,10<\/td><td class="num">304,19<\/td>\s*<td class="num">431,29/
  )
  const csv = await owner.get('/ksiegowosc/ryczalt/csv?miesiac=2026-11')
  const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n')
  t.equal(
    lines[0],
    'Lp.;Data wpisu;Data uzyskania przychodu;Numer dowodu;Numer KSeF;Przychód 17 %;Przychód 15 %;Przychód 14 %;Przychód 12,5 %;Przychód 12 %;Przychód 10 %;Przychód 8,5 %;Przychód 5,5 %;Przychód 3 %;Przychód 2 %;Ogółem przychód;Uwagi'
  )
  t.equal(
    lines[2],
    '2;16.11.2026;06.11.2026;FV 2/11/2026;;0,00;0,00;0,00;0,00;0,00;0,00;27,10;0,00;54,19;0,00;81,29;',
    'entry date is the booking day'
  )
  t.equal(lines[4], ';;;Podsumowanie miesiąca;;0,00;0,00;0,00;0,00;0,00;0,00;127,10;0,00;304,19;0,00;431,29;')

  const locked = await owner.post(`/ksiegowosc/dokumenty/${r1}/stawki-ryczaltu`, { [`stawka_${service1}`]: '1500' })
  t.equal(locked.statusCode, 303)
  const lockedPage = await owner.get(`/ksiegowosc/dokumenty/${r1}`)
  t.match(lockedPage.body, 'odksięguj go, aby zmienić stawki ryczałtu')
  const rate = await db
    .selectFrom('ledger_ryczalt_line_rates')
    .select('rate_bp')
    .where('document_line_id', '=', service1)
    .executeTakeFirstOrThrow()
  t.equal(rate.rate_bp, 850, 'a booked document keeps its rates')
})

t.test("a correction in ryczałt is booked as the negative difference at the corrected document's rate", async (t) => {
  const { owner, db } = await build(t, { company: { tax_form: 'ryczalt', ryczalt_rate_bp: 300 } })
  const original = await insertDocument(db, {
    issueDate: '2026-11-04',
    lines: [{ vatRate: '23', gross: 24600, kind: 'service' }]
  })
  await owner.get(`/ksiegowosc/dokumenty/${original}`)
  const [line] = await lineIdsOf(db, original)
  await owner.post(`/ksiegowosc/dokumenty/${original}/stawki-ryczaltu`, { [`stawka_${line}`]: '850' })
  await owner.post(`/ksiegowosc/dokumenty/${original}/ksiegowanie`)
  // correction −61,50 gross at 23%: VAT −61,50·23/123 = −11,50, net −50,00, booked in its issue month
  const correction = await insertDocument(db, {
    type: 'korekta',
    issueDate: '2026-12-02',
    saleDate: '2026-11-04',
    correctsDocumentId: original,
    lines: [{ vatRate: '23', gross: -6150, kind: 'service' }]
  })
  t.equal((await owner.post(`/ksiegowosc/dokumenty/${correction}/ksiegowanie`)).statusCode, 303)
  const entries = await db
    .selectFrom('ledger_entries as e')
    .innerJoin('ledger_entry_amounts as x', 'x.entry_id', 'e.id')
    .select([
      'e.document_number',
      'e.register',
      'e.month',
      'e.revenue_sales',
      'e.total_vat',
      'e.description',
      'x.rate',
      'x.net',
      'x.vat'
    ])
    .where('e.document_id', '=', correction)
    .orderBy('e.register')
    .execute()
  t.same(entries, [
    {
      document_number: 'KOR 1/12/2026',
      register: 'ryczalt',
      month: '2026-12',
      revenue_sales: -5000,
      total_vat: 0,
      description: 'Korekta sprzedaży do FV 1/11/2026',
      rate: '850',
      net: -5000,
      vat: 0
    },
    {
      document_number: 'KOR 1/12/2026',
      register: 'vat',
      month: '2026-12',
      revenue_sales: -5000,
      total_vat: -1150,
      description: 'Korekta sprzedaży do FV 1/11/2026',
      rate: '23',
      net: -5000,
      vat: -1150
    }
  ])
  const view = await owner.get('/ksiegowosc/ryczalt?miesiac=2026-12')
  t.match(view.body, /Podsumowanie miesiąca<\/td>\s*<td class="num negative">-50,00<\/td>/)
  t.match(view.body, /Razem od początku roku<\/td>\s*<td class="num">150,00<\/td>/, '200,00 − 50,00')
})

t.test('a non-VAT company: KPiR in gross amounts, no VAT register', async (t) => {
  const { owner, db } = await build(t, {
    company: { vat_status: 'zwolniony', default_vat_rate: 'zw', vat_exemption_basis: 'art. 113 ust. 1' }
  })
  // faktura bez VAT 150,00 (zw) and a receipt 80,00 (zw): KPiR col. 9 = 150,00 + 80,00 = 230,00 (gross = net)
  const invoice = await insertDocument(db, {
    type: 'faktura_bez_vat',
    issueDate: '2026-11-09',
    buyerName: 'Maria Wiśniewska',
    lines: [{ vatRate: 'zw', gross: 15000 }]
  })
  const receipt = await insertDocument(db, {
    type: 'paragon',
    issueDate: '2026-11-10',
    lines: [{ vatRate: 'zw', gross: 8000 }]
  })
  await insertDocument(db, {
    type: 'proforma_bez_vat',
    issueDate: '2026-11-10',
    lines: [{ vatRate: 'zw', gross: 9900 }]
  })

  const pending = await owner.get('/ksiegowosc/do-zaksiegowania')
  t.match(pending.body, 'FBV 1/11/2026')
  t.notMatch(pending.body, 'Rejestr sprzedaży VAT', 'nothing is missing from a VAT register')
  t.notMatch(pending.body, 'PROB 1/11/2026')
  await owner.post('/ksiegowosc/do-zaksiegowania', { dokumenty: [String(invoice), String(receipt)] })

  t.same(
    (await entriesOf(db, 'kpir')).map((e) => [e.document_number, e.entry_number, e.revenue_sales]),
    [
      ['FBV 1/11/2026', 1, 15000],
      ['PAR 1/11/2026', 2, 8000]
    ]
  )
  t.equal((await entriesOf(db, 'vat')).length, 0, 'no VAT register entries')
  const kpir = await owner.get('/ksiegowosc/kpir?miesiac=2026-11')
  t.match(kpir.body, /Podsumowanie miesiąca<\/td>\s*<td class="num">230,00/)
  t.match(kpir.body, 'brutto (firma zwolniona z VAT)')
  const overview = await owner.get('/ksiegowosc')
  t.notMatch(overview.body, 'href="/ksiegowosc/rejestr-vat', 'no link to a VAT register')
  t.match(overview.body, 'Zwolniony z VAT – bez rejestru VAT')
  const vatPage = await owner.get('/ksiegowosc/rejestr-vat?miesiac=2026-11')
  t.match(vatPage.body, 'Firma nie jest czynnym podatnikiem VAT')
  t.match(vatPage.body, 'Brak wpisów w tym miesiącu.')
})
