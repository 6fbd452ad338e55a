import t from 'tap'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'

const manual = {
  type: 'faktura',
  contractorId: '',
  buyerName: 'Pracownia Łucka',
  buyerNip: '526-104-08-28',
  buyerStreet: 'ul. Ogrodowa 3',
  buyerPostalCode: '31-100',
  buyerCity: 'Kraków',
  buyerCountryCode: 'PL',
  issueDate: '2026-11-16',
  saleDate: '2026-11-14',
  dueDate: '2026-11-30',
  paymentMethod: 'przelew',
  notes: '',
  lineName: ['Usługa projektowa', 'Kabel 3×1,5', ''],
  lineQuantity: ['1', '1,5', ''],
  lineUnit: ['usł.', 'm', 'szt.'],
  linePrice: ['1 230,00', '3,33', ''],
  lineVatRate: ['23', '8', '23'],
  action: 'issue'
}

t.test('manual document: issued with decimal quantity, contractor added, shown on the list', async (t) => {
  const { db, owner } = await build(t)
  const form = await owner.get('/przychody/dokumenty/nowy')
  t.equal(form.statusCode, 200)
  t.equal((form.body.match(/name="lineName"/g) ?? []).length, 5, 'five empty rows')
  const response = await owner.post('/przychody/dokumenty/nowy', manual)
  t.equal(response.statusCode, 303)
  const doc = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
  t.equal(response.headers.location, `/przychody/dokumenty/${doc.id}`)
  // 1230.00 at 23 % + 1,5 × 3.33 = 4.995 → 5.00 at 8 %
  t.match(doc, {
    number: 'FV 1/11/2026',
    buyer_name: 'Pracownia Łucka',
    buyer_nip: '5261040828',
    sale_date: '2026-11-14',
    due_date: '2026-11-30',
    payment_method: 'przelew',
    paid: 0,
    total_gross: 123500,
    total_vat: 23037,
    total_net: 100463,
    shop_id: null
  })
  const lines = await db
    .selectFrom('document_lines')
    .select(['name', 'unit', 'quantity_milli', 'unit_price_gross', 'vat_rate', 'gross'])
    .orderBy('position')
    .execute()
  t.same(lines, [
    {
      name: 'Usługa projektowa',
      unit: 'usł.',
      quantity_milli: 1000,
      unit_price_gross: 123000,
      vat_rate: '23',
      gross: 123000
    },
    { name: 'Kabel 3×1,5', unit: 'm', quantity_milli: 1500, unit_price_gross: 333, vat_rate: '8', gross: 500 }
  ])
  const contractor = await db.selectFrom('contractors').selectAll().executeTakeFirstOrThrow()
  t.match(contractor, { name: 'Pracownia Łucka', nip: '5261040828', is_company: 1 })
  const detail = await owner.get(`/przychody/dokumenty/${doc.id}`)
  t.match(detail.body, 'Wystawiono dokument FV 1/11/2026.')
  t.match(detail.body, 'Słownie: tysiąc dwieście trzydzieści pięć złotych 00/100')
  t.match(detail.body, 'Kabel 3×1,5')
  t.match(detail.body, '1,5')
  const list = await owner.get('/przychody/dokumenty')
  t.match(list.body, 'FV 1/11/2026')
  t.match(list.body, 'Pracownia Łucka')
})

t.test('manual document: bad input gives 422 with every value kept, nothing stored', async (t) => {
  const { db, owner } = await build(t)
  await owner.get('/przychody/dokumenty/nowy')
  const bad = await owner.post('/przychody/dokumenty/nowy', {
    ...manual,
    buyerName: 'Firma <b>X</b>',
    buyerNip: '1234567890',
    buyerPostalCode: '31100',
    issueDate: '2026-11-17',
    lineName: ['Usługa', '', 'Bez ceny'],
    lineQuantity: ['0', '2', '1'],
    linePrice: ['12,345', '5', ''],
    lineVatRate: ['23', '8', '99']
  })
  t.equal(bad.statusCode, 422)
  for (const message of [
    'NIP jest nieprawidłowy',
    'Kod pocztowy w formacie 00-000',
    'nie może być z przyszłości',
    'Ilość większa od zera',
    'Cena brutto, np. 123,45',
    'Podaj nazwę.',
    'Wybierz stawkę VAT.'
  ])
    t.match(bad.body, message)
  t.match(bad.body, 'value="Firma &lt;b&gt;X&lt;/b&gt;"', 'escaped and kept')
  t.match(bad.body, 'value="12,345"')
  t.match(bad.body, 'value="Bez ceny"')
  const empty = await owner.post('/przychody/dokumenty/nowy', {
    ...manual,
    lineName: ['', ''],
    lineQuantity: ['', ''],
    linePrice: ['', ''],
    lineVatRate: ['23', '23']
  })
  t.equal(empty.statusCode, 422)
  t.match(empty.body, 'Dodaj co najmniej jedną pozycję.')
  const noBuyer = await owner.post('/przychody/dokumenty/nowy', {
    ...manual,
    buyerName: '',
    buyerNip: '',
    buyerStreet: '',
    buyerPostalCode: '',
    buyerCity: ''
  })
  t.equal(noBuyer.statusCode, 422, 'an invoice needs a buyer')
  const wrongTypes = await owner.post('/przychody/dokumenty/nowy', { ...manual, type: ['faktura_bez_vat'] })
  t.equal(wrongTypes.statusCode, 422)
  t.match(wrongTypes.body, 'Wybierz rodzaj dokumentu.')
  t.equal((await db.selectFrom('documents').selectAll().execute()).length, 0)
  t.equal((await db.selectFrom('contractors').selectAll().execute()).length, 0)
})

t.test('manual document: more rows, receipt without buyer, existing contractor', async (t) => {
  const { db, owner } = await build(t)
  await owner.get('/przychody/dokumenty/nowy')
  const more = await owner.post('/przychody/dokumenty/nowy', { ...manual, action: 'more' })
  t.equal(more.statusCode, 200)
  t.equal((more.body.match(/name="lineName"/g) ?? []).length, 8, 'the three rows sent plus five')
  t.match(more.body, 'value="Usługa projektowa"')
  const receipt = await owner.post('/przychody/dokumenty/nowy', {
    ...manual,
    type: 'paragon',
    buyerName: '',
    buyerNip: '',
    buyerStreet: '',
    buyerPostalCode: '',
    buyerCity: '',
    paid: 'on',
    paymentMethod: 'gotowka'
  })
  t.equal(receipt.statusCode, 303)
  const contractorId = (
    await db
      .insertInto('contractors')
      .values({
        name: 'Stały Klient',
        nip: '6762468259',
        is_company: 1,
        street: 'Rynek 1',
        postal_code: '00-950',
        city: 'Warszawa',
        created_at: 'x',
        updated_at: 'x'
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id
  const prefilled = await owner.get(`/przychody/dokumenty/nowy?kontrahent=${contractorId}`)
  t.match(prefilled.body, `<option value="${contractorId}" selected>`)
  const invoice = await owner.post('/przychody/dokumenty/nowy', {
    ...manual,
    contractorId: String(contractorId),
    buyerName: ''
  })
  t.equal(invoice.statusCode, 303)
  const docs = await db.selectFrom('documents').selectAll().orderBy('id').execute()
  t.match(docs[0], {
    type: 'paragon',
    number: 'PAR 1/11/2026',
    buyer_name: '',
    contractor_id: null,
    paid: 1,
    payment_method: 'gotowka'
  })
  t.match(docs[1], {
    type: 'faktura',
    buyer_name: 'Stały Klient',
    buyer_nip: '6762468259',
    contractor_id: contractorId
  })
})

t.test('documents list filters and paging', async (t) => {
  const { db, owner, clock } = await build(t)
  await owner.get('/przychody/dokumenty/nowy')
  await owner.post('/przychody/dokumenty/nowy', manual)
  await owner.post('/przychody/dokumenty/nowy', { ...manual, type: 'paragon', buyerName: 'Zażółć Gęślą', buyerNip: '' })
  clock.set('2026-12-02T10:00:00.000+01:00')
  t.equal(
    (await owner.post('/przychody/dokumenty/nowy', { ...manual, issueDate: '2026-12-02', dueDate: '2026-12-09' }))
      .statusCode,
    303
  )
  const all = await owner.get('/przychody/dokumenty')
  t.match(all.body, 'Dokumentów: 3')
  t.match(all.body, 'FV 1/12/2026', 'a new month restarts the series')
  const byType = await owner.get('/przychody/dokumenty?typ=paragon')
  t.match(byType.body, 'PAR 1/11/2026')
  t.notMatch(byType.body, 'FV 1/11/2026')
  const byMonth = await owner.get('/przychody/dokumenty?miesiac=2026-12')
  t.match(byMonth.body, 'Dokumentów: 1')
  const byText = await owner.get('/przychody/dokumenty?q=' + encodeURIComponent('zażółć'))
  t.match(byText.body, 'Dokumentów: 1', 'case-insensitive with Polish letters')
  const byNip = await owner.get('/przychody/dokumenty?q=526-104')
  t.match(byNip.body, 'Dokumentów: 2')
  const contractor = await db
    .selectFrom('contractors')
    .select('id')
    .where('name', '=', 'Pracownia Łucka')
    .executeTakeFirstOrThrow()
  const byContractor = await owner.get(`/przychody/dokumenty?kontrahent=${contractor.id}`)
  t.match(byContractor.body, 'Dokumentów: 2')
  const junk = await owner.get('/przychody/dokumenty?typ=x&miesiac=13&strona=-4&kontrahent=abc&q[]=1')
  t.equal(junk.statusCode, 200, 'bad filters are ignored, never a 500')
})

t.test('cancelling: not when booked; otherwise number stays, kind released, new document possible', async (t) => {
  const { db, owner } = await build(t, { company: { auto_book: 0 } })
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  await owner.get('/przychody/dokumenty')
  await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })
  const doc = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
  const confirm = await owner.get(`/przychody/dokumenty/${doc.id}/anulowanie`)
  t.match(confirm.body, 'Numer pozostanie wykorzystany')
  t.equal(
    (await owner.post(`/przychody/dokumenty/${doc.id}/anulowanie`, {}, { csrf: null })).statusCode,
    403,
    'CSRF needed'
  )
  const cancelled = await owner.post(`/przychody/dokumenty/${doc.id}/anulowanie`)
  t.equal(cancelled.statusCode, 303)
  t.equal(cancelled.headers.location, `/przychody/dokumenty/${doc.id}`)
  const after = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
  t.match(after, { status: 'cancelled', number: 'FV 1/11/2026', cancelled_by: 1 })
  t.ok(after.cancelled_at)
  const page = await owner.get(`/przychody/dokumenty/${doc.id}`)
  t.match(page.body, 'Dokument anulowany')
  const pdf = await owner.get(`/przychody/dokumenty/${doc.id}/pdf`)
  t.equal(pdf.statusCode, 200)
  const twice = await owner.post(`/przychody/dokumenty/${doc.id}/anulowanie`)
  t.equal(twice.statusCode, 303)
  t.match((await owner.get(`/przychody/dokumenty/${doc.id}`)).body, 'jest już anulowany')
  await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })
  const numbers = await db.selectFrom('documents').select(['number', 'status']).orderBy('id').execute()
  t.same(
    numbers,
    [
      { number: 'FV 1/11/2026', status: 'cancelled' },
      { number: 'FV 2/11/2026', status: 'issued' }
    ],
    'no number reused, no gap'
  )
})

t.test('a booked document cannot be cancelled', async (t) => {
  const { db, owner } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  await owner.get('/przychody/dokumenty')
  await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })
  const doc = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
  const booked = await db.selectFrom('ledger_entries').selectAll().where('document_id', '=', doc.id).execute()
  t.ok(booked.length > 0, 'auto-booked on issue')
  t.match((await owner.get(`/przychody/dokumenty/${doc.id}`)).body, 'poz. 1')
  const refused = await owner.post(`/przychody/dokumenty/${doc.id}/anulowanie`)
  t.equal(refused.statusCode, 303)
  t.equal((await db.selectFrom('documents').select('status').executeTakeFirstOrThrow()).status, 'issued')
  t.match((await owner.get(`/przychody/dokumenty/${doc.id}`)).body, 'flash-error')
})

t.test('numbering settings: owner only, {n} required, used by the next document', async (t) => {
  const { app, db, owner } = await build(t)
  const page = await owner.get('/ustawienia/numeracja')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'value="FV {n}/{mm}/{yyyy}"')
  t.match(
    (await owner.get('/przychody/dokumenty')).body,
    'href="/ustawienia/numeracja"',
    'linked from the documents list'
  )
  const fields = {
    faktura: 'FV {n}/{mm}/{yyyy}',
    faktura_bez_vat: 'F {n}/{mm}/{yyyy}',
    proforma: 'PRO {n}/{mm}/{yyyy}',
    proforma_bez_vat: 'PF {n}/{mm}/{yyyy}',
    paragon: 'PAR {n}/{mm}/{yyyy}',
    inny_przychod: 'IPS {n}/{mm}/{yyyy}',
    korekta: 'KOR {n}/{mm}/{yyyy}'
  }
  const bad = await owner.post('/ustawienia/numeracja', {
    ...fields,
    faktura: 'FV/{mm}/{yyyy}',
    paragon: 'PRO {n}/{mm}/{yyyy}'
  })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Wzór musi zawierać {n}')
  t.match(bad.body, 'Ten sam wzór ma już inny rodzaj dokumentu')
  t.match(bad.body, 'value="FV/{mm}/{yyyy}"')
  t.equal((await db.selectFrom('document_series').selectAll().execute()).length, 0)
  const ok = await owner.post('/ustawienia/numeracja', { ...fields, faktura: '{yyyy}/{mm}/FV/{n}' })
  t.equal(ok.statusCode, 303)
  await owner.get('/przychody/dokumenty/nowy')
  await owner.post('/przychody/dokumenty/nowy', manual)
  t.equal((await db.selectFrom('documents').select('number').executeTakeFirstOrThrow()).number, '2026/11/FV/1')
  await seedUser(db, { login: 'pracownik', password: 'haslo-pracownika', allegro: true, ksiegowosc: true })
  const user = new TestClient(app)
  await user.login('pracownik', 'haslo-pracownika')
  t.equal((await user.get('/ustawienia/numeracja')).statusCode, 403)
  t.equal((await user.post('/ustawienia/numeracja', fields)).statusCode, 403)
})

t.test('pages need a session; unknown ids are 404', async (t) => {
  const { owner, anonymous } = await build(t)
  for (const url of [
    '/przychody/dokumenty',
    '/przychody/dokumenty/nowy',
    '/przychody/dokumenty/1',
    '/przychody/dokumenty/1/pdf',
    '/ustawienia/numeracja'
  ]) {
    const response = await anonymous.get(url)
    t.equal(response.statusCode, 303, url)
    t.match(String(response.headers.location), /^\/logowanie\?next=/)
  }
  t.equal((await anonymous.post('/przychody/dokumenty/nowy', manual)).statusCode, 303)
  t.equal((await owner.get('/przychody/dokumenty/999')).statusCode, 404)
  t.equal((await owner.get('/przychody/dokumenty/abc')).statusCode, 404)
  t.equal((await owner.get('/przychody/dokumenty/999/pdf')).statusCode, 404)
  t.equal((await owner.get('/przychody/dokumenty/wynik/5')).statusCode, 404)
  await owner.get('/przychody/dokumenty/nowy')
  t.equal((await owner.post('/przychody/dokumenty/nowy', manual, { csrf: null })).statusCode, 403)
})
