// The correction as a user meets it: the form, its errors, the correction's page, PDF and FA(3)
// file, the way in from a transaction, and who may do what.
import t from 'tap'
import { extractText } from 'unpdf'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'
import { assertValidFa3, block, value, values } from '../ksef/fa3-fixtures.ts'
import { correct, documentRow, formFields, invoiceFor, submitCorrection } from './helpers.ts'

t.test('the form shows every line as it stands, with editable after-values', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built)
  const invoicePage = await built.owner.get(`/przychody/dokumenty/${invoiceId}`)
  t.match(invoicePage.body, `<a class="button" href="/przychody/dokumenty/${invoiceId}/korekta">Wystaw korektę</a>`)
  const form = await built.owner.get(`/przychody/dokumenty/${invoiceId}/korekta`)
  t.equal(form.statusCode, 200)
  t.match(form.body, 'Wystaw korektę faktury FV 1/11/2026')
  t.match(form.body, 'Klucz dynamometryczny 1/2&quot; 40-210 Nm', 'names escaped')
  t.match(form.body, 'Przed korektą')
  t.match(form.body, 'Po korekcie')
  const fields = formFields(form.body)
  t.same(fields.quantity, ['2', '1', '1'])
  t.same(fields.price, ['124,49', '10,00', '9,99'])
  t.equal(fields.basedOn, '', 'no correction yet')
  t.match(form.body, 'name="refundDelivery"', 'the invoice has a delivery line')
  t.match(form.body, '<option value="Rabat po sprzedaży">')
  t.match(form.body, 'name="issueDate" type="date" value="2026-11-16"')
})

t.test('bad input: 422 on the same page with what was typed, nothing issued', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { deliveryCost: '0.00' })
  const cases: Array<[string, Parameters<typeof submitCorrection>[2], string[]]> = [
    [
      'no reason',
      { reason: '', lines: { 1: { quantity: '1' } } },
      ['Podaj przyczynę korekty', 'name="quantity" value="1"']
    ],
    [
      'everything wrong at once',
      { reason: '', lines: { 1: { quantity: '3' } } },
      ['Podaj przyczynę korekty', 'Najwyżej 2 – korekta nie zwiększa ilości']
    ],
    [
      'above the invoice',
      { lines: { 1: { quantity: '3' } }, reason: 'Zwrot towaru' },
      ['Najwyżej 2 – korekta nie zwiększa ilości', 'name="quantity" value="3"', 'value="Zwrot towaru"']
    ],
    [
      'negative quantity',
      { lines: { 1: { quantity: '-1' } } },
      ['Ilość, np. 1, 0,5 albo 0', 'name="quantity" value="-1"']
    ],
    [
      'a price that is not one',
      { lines: { 2: { price: 'dziesięć' } } },
      ['Cena brutto, np. 124,49.', 'name="price" value="dziesięć"']
    ],
    ['a negative price', { lines: { 2: { price: '-5,00' } } }, ['Cena brutto, np. 124,49.']],
    ['nothing changes', { reason: 'Błędna cena' }, ['Nic się nie zmienia', 'value="Błędna cena"']],
    // the form offers no such checkbox for an invoice without delivery; a hand-made request gets the reason
    ['no delivery to refund', { refundDelivery: true }, ['Ta faktura nie ma pozycji z kosztem dostawy.']],
    [
      'a future date',
      { lines: { 1: { quantity: '1' } }, issueDate: '2026-11-17' },
      ['Data wystawienia nie może być z przyszłości.', 'value="2026-11-17"']
    ],
    [
      'before the invoice',
      { lines: { 1: { quantity: '1' } }, issueDate: '2026-11-01' },
      ['Korekta nie może być wcześniejsza niż korygowana faktura.']
    ],
    ['not a date', { lines: { 1: { quantity: '1' } }, issueDate: '16.11.2026' }, ['Data w formacie RRRR-MM-DD.']],
    ['too long a reason', { reason: 'x'.repeat(300), lines: { 1: { quantity: '1' } } }, ['Najwyżej 256 znaków.']]
  ]
  for (const [name, input, expected] of cases) {
    const response = await submitCorrection(built.owner, invoiceId, input)
    t.equal(response.statusCode, 422, name)
    for (const text of expected) t.match(response.body, text, `${name}: ${text}`)
  }
  // hostile bodies: arrays instead of strings, unknown line ids
  await built.owner.get(`/przychody/dokumenty/${invoiceId}/korekta`)
  const hostile = await built.owner.post(`/przychody/dokumenty/${invoiceId}/korekta`, {
    lineId: ['999999'],
    quantity: ['0'],
    price: ['0'],
    reason: ['Zwrot', 'inny'],
    issueDate: '2026-11-16'
  })
  t.equal(hostile.statusCode, 422, 'a line of another invoice changes nothing here')
  t.match(hostile.body, 'Nic się nie zmienia')
  t.equal(
    (await built.db.selectFrom('documents').select('id').where('type', '=', 'korekta').execute()).length,
    0,
    'nothing issued'
  )
  t.equal((await built.db.selectFrom('corrections').select('id').execute()).length, 0)
})

t.test('a form opened before another correction was issued is refused with the new state', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built)
  const stalePage = await built.owner.get(`/przychody/dokumenty/${invoiceId}/korekta`)
  const stale = formFields(stalePage.body)
  await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } } })
  stale.quantity[0] = '1'
  const response = await built.owner.post(`/przychody/dokumenty/${invoiceId}/korekta`, {
    ...stale,
    reason: 'Zwrot towaru',
    issueDate: '2026-11-16'
  })
  t.equal(response.statusCode, 409)
  t.match(response.body, 'W międzyczasie wystawiono inną korektę faktury FV 1/11/2026')
  t.not(formFields(response.body).basedOn, '', 'the re-shown form carries the new state')
  t.equal(
    (await built.db.selectFrom('corrections').select('id').execute()).length,
    1,
    'the same return is not issued twice'
  )
})

t.test("the correction's page, PDF and FA(3) KOR file", async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  await built.db
    .updateTable('documents')
    .set({ ksef_number: '5261040828-20261116-3F0A12BC45DE-4F' })
    .where('id', '=', invoiceId)
    .execute()
  const id = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } }, reason: 'Zwrot towaru' })

  const page = await built.owner.get(`/przychody/dokumenty/${id}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Wystawiono fakturę korygującą KOR 1/11/2026 do faktury FV 1/11/2026.')
  t.match(page.body, 'FAKTURA KORYGUJĄCA nr KOR 1/11/2026')
  t.match(page.body, `<a href="/przychody/dokumenty/${invoiceId}">Faktura FV 1/11/2026</a> z dnia 16.11.2026`)
  t.match(page.body, '5261040828-20261116-3F0A12BC45DE-4F', "the corrected invoice's KSeF number")
  t.match(page.body, '<dt>Przyczyna korekty</dt><dd>Zwrot towaru</dd>')
  t.match(page.body, /Przed korektą<\/td>\s*<td class="num">2<\/td>/)
  t.match(page.body, /Po korekcie<\/td>\s*<td class="num">1<\/td>/)
  t.match(page.body, /<strong>Różnica<\/strong><\/td>\s*<td class="num negative">-1<\/td>/)
  t.match(page.body, 'Do zwrotu: 124,49')
  t.match(page.body, 'Słownie: sto dwadzieścia cztery złote 49/100')
  t.notMatch(page.body, 'Razem do zapłaty')
  t.notMatch(page.body, `href="/przychody/dokumenty/${id}/korekta"`, 'a correction is corrected from its invoice')
  t.match(page.body, `action="/przychody/dokumenty/${id}/allegro"`, 'sent to Allegro like an invoice')
  t.equal(
    (await built.owner.get(`/przychody/dokumenty/${id}/korekta`)).headers.location,
    `/przychody/dokumenty/${invoiceId}/korekta`
  )

  const pdf = await built.owner.get(`/przychody/dokumenty/${id}/pdf`)
  t.equal(pdf.statusCode, 200)
  t.match(String(pdf.headers['content-disposition']), /filename="KOR_1_11_2026\.pdf"/)
  const text = (await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })).text.replace(/\s+/g, ' ')
  for (const expected of [
    'FAKTURA KORYGUJĄCA nr KOR 1/11/2026',
    'Korygowana faktura: FV 1/11/2026 z dnia 16.11.2026',
    'Numer KSeF faktury korygowanej: 5261040828-20261116-3F0A12BC45DE-4F',
    'Przyczyna korekty: Zwrot towaru',
    'Przed korektą',
    'Po korekcie',
    'Różnica',
    '-124,49',
    '-23,28',
    '-101,21',
    'Do zwrotu: 124,49',
    'Słownie: sto dwadzieścia cztery złote 49/100',
    'Warsztat Nowak s.c.'
  ]) {
    t.ok(text.includes(expected), `PDF text has ${expected}`)
  }
  t.notOk(text.includes('Numer rachunku'), 'a refund asks for no transfer')

  const xml = await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)
  t.equal(xml.statusCode, 200)
  assertValidFa3(t, xml.body)
  t.equal(value(xml.body, 'RodzajFaktury'), 'KOR')
  t.equal(value(xml.body, 'P_2'), 'KOR 1/11/2026')
  t.equal(value(xml.body, 'PrzyczynaKorekty'), 'Zwrot towaru')
  t.equal(value(xml.body, 'NrFaKorygowanej'), 'FV 1/11/2026')
  t.equal(value(xml.body, 'NrKSeFFaKorygowanej'), '5261040828-20261116-3F0A12BC45DE-4F')
  t.same(
    [value(xml.body, 'P_13_1'), value(xml.body, 'P_14_1'), value(xml.body, 'P_15')],
    ['-101.21', '-23.28', '-124.49']
  )
  t.same(values(xml.body, 'P_8B'), ['2', '1'], 'the line before (StanPrzed) and after')
  t.equal(values(xml.body, 'StanPrzed').length, 1)
  t.notOk(xml.body.includes('<Platnosc>'), 'a refund has no payment terms')
})

t.test("full return to zero exports as FA(3) KOR and is valid; a non-VAT seller's correction too", async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built)
  const id = await correct(built.owner, invoiceId, { fullReturn: true, reason: 'Zwrot całości – korekta do zera' })
  const xml = (await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)).body
  assertValidFa3(t, xml)
  t.equal(value(xml, 'P_15'), '-268.97')
  t.equal(value(xml, 'NrKSeFN'), '1', 'the original was issued outside KSeF')
  t.equal(values(xml, 'StanPrzed').length, 3)

  const exempt = await build(t, {
    company: { vat_status: 'zwolniony', default_vat_rate: 'zw', vat_exemption_basis: 'art. 113 ust. 1 ustawy o VAT' }
  })
  const original = await invoiceFor(exempt, {}, 'faktura_bez_vat')
  const correction = await correct(exempt.owner, original.invoiceId, {
    lines: { 2: { price: '8,00' } },
    reason: 'Błędna cena'
  })
  const page = await exempt.owner.get(`/przychody/dokumenty/${correction}`)
  t.notMatch(page.body, 'Kwota VAT', 'no VAT columns')
  t.match(page.body, 'Do zwrotu: 2,00')
  const exemptXml = (await exempt.owner.get(`/przychody/dokumenty/${correction}/ksef.xml`)).body
  assertValidFa3(t, exemptXml)
  t.equal(value(exemptXml, 'P_13_7'), '-2.00')
  t.match(block(exemptXml, 'Zwolnienie'), '<P_19A>art. 113 ust. 1 ustawy o VAT</P_19A>')
})

t.test("from a transaction: its invoice's correction form", async (t) => {
  const built = await build(t)
  const { transactionId, invoiceId } = await invoiceFor(built)
  const go = await built.owner.get(`/przychody/allegro/${transactionId}/korekta`)
  t.equal(go.statusCode, 303)
  t.equal(go.headers.location, `/przychody/dokumenty/${invoiceId}/korekta`)
  const shop = (await built.db.selectFrom('allegro_shops').select('id').executeTakeFirstOrThrow()).id
  const bare = await insertTransaction(built.db, shop)
  const none = await built.owner.get(`/przychody/allegro/${bare}/korekta`)
  t.equal(none.headers.location, `/przychody/allegro/${bare}`)
  t.match((await built.owner.get(`/przychody/allegro/${bare}`)).body, 'Ta transakcja nie ma wystawionej faktury')
  t.equal((await built.owner.get('/przychody/allegro/99999/korekta')).statusCode, 404)
})

t.test('only invoices are corrected, never a receipt, a pro forma or a cancelled invoice', async (t) => {
  const built = await build(t)
  const { invoiceId: receipt } = await invoiceFor(built, {}, 'paragon')
  const refused = await built.owner.get(`/przychody/dokumenty/${receipt}/korekta`)
  t.equal(refused.headers.location, `/przychody/dokumenty/${receipt}`)
  t.match(
    (await built.owner.get(`/przychody/dokumenty/${receipt}`)).body,
    'Paragon PAR 1/11/2026 nie jest fakturą – korektę wystawia się tylko do faktury.'
  )
  t.notMatch((await built.owner.get(`/przychody/dokumenty/${receipt}`)).body, 'Wystaw korektę</a>')
  await built.owner.get(`/przychody/dokumenty/${receipt}`)
  t.equal(
    (
      await built.owner.post(`/przychody/dokumenty/${receipt}/korekta`, {
        reason: 'Zwrot',
        issueDate: '2026-11-16',
        fullReturn: 'on'
      })
    ).statusCode,
    303
  )
  t.equal((await built.db.selectFrom('corrections').select('id').execute()).length, 0)

  const { invoiceId } = await invoiceFor(built)
  await built.owner.get(`/ksiegowosc/dokumenty/${invoiceId}`)
  await built.owner.post(`/ksiegowosc/dokumenty/${invoiceId}/odksiegowanie`)
  await built.owner.get(`/przychody/dokumenty/${invoiceId}/anulowanie`)
  await built.owner.post(`/przychody/dokumenty/${invoiceId}/anulowanie`)
  t.equal((await documentRow(built, invoiceId)).status, 'cancelled')
  t.equal((await built.owner.get(`/przychody/dokumenty/${invoiceId}/korekta`)).statusCode, 303)
  t.match(
    (await built.owner.get(`/przychody/dokumenty/${invoiceId}`)).body,
    'jest anulowany – anulowanego dokumentu się nie koryguje'
  )
  t.equal((await built.owner.get('/przychody/dokumenty/99999/korekta')).statusCode, 404)
  t.equal((await built.owner.get('/przychody/dokumenty/abc/korekta')).statusCode, 404)
})

t.test('access: a session, the Allegro or księgowość permission, and a CSRF token', async (t) => {
  const built = await build(t)
  const { invoiceId, transactionId } = await invoiceFor(built)
  const url = `/przychody/dokumenty/${invoiceId}/korekta`
  const anonymous = await built.anonymous.get(url)
  t.equal(anonymous.statusCode, 303)
  t.match(String(anonymous.headers.location), /^\/logowanie\?next=/)
  t.equal(
    (await built.anonymous.post(url, { reason: 'Zwrot', fullReturn: 'on', issueDate: '2026-11-16' })).statusCode,
    303
  )

  await seedUser(built.db, { login: 'magazynier', password: 'haslo-magazyniera', magazyn: true })
  const warehouse = new TestClient(built.app)
  await warehouse.login('magazynier', 'haslo-magazyniera')
  t.equal((await warehouse.get(url)).statusCode, 403)
  t.equal((await warehouse.post(url, { reason: 'Zwrot', fullReturn: 'on', issueDate: '2026-11-16' })).statusCode, 403)
  t.notMatch(
    (await warehouse.get(`/przychody/dokumenty/${invoiceId}`)).body,
    'Wystaw korektę</a>',
    'no button without the permission'
  )

  await seedUser(built.db, { login: 'ksiegowa', password: 'haslo-ksiegowej', ksiegowosc: true })
  const bookkeeper = new TestClient(built.app)
  await bookkeeper.login('ksiegowa', 'haslo-ksiegowej')
  t.equal((await bookkeeper.get(url)).statusCode, 200, 'a bookkeeper may correct')
  t.equal(
    (await bookkeeper.get(`/przychody/allegro/${transactionId}/korekta`)).statusCode,
    403,
    "but the way in from a transaction is the Allegro module's"
  )

  await built.owner.get(url)
  const noCsrf = await built.owner.post(
    url,
    { ...formFields((await built.owner.get(url)).body), reason: 'Zwrot', fullReturn: 'on', issueDate: '2026-11-16' },
    { csrf: null }
  )
  t.equal(noCsrf.statusCode, 403)
  t.equal((await built.db.selectFrom('corrections').select('id').execute()).length, 0)
})

t.test('a correction linked to the transaction can be sent; the automatic sender queues it', async (t) => {
  const built = await build(t)
  const shop = await insertShop(built.db)
  await built.db.updateTable('allegro_shops').set({ auto_send_documents: 1 }).where('id', '=', shop).execute()
  const { invoiceId } = await invoiceFor(built)
  const id = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } } })
  const queued = await built.db
    .selectFrom('document_allegro_deliveries')
    .select(['document_id', 'state'])
    .where('document_id', '=', id)
    .execute()
  t.same(queued, [{ document_id: id, state: 'do_wyslania' }])
})
