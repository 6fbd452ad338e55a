// KSeF from the document pages: FA(3) XML of an issued invoice (valid against the official XSD),
// the monthly zip with what was skipped and why, and the invoice's KSeF number.
import { strFromU8, unzipSync } from 'fflate'
import t from 'tap'
import { extractText } from 'unpdf'
import { startNbpStandIn } from '../../src/nbp/nbp-stand-in.ts'
import { build, seedUser, type Built } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertShop, insertTransaction, type OrderSpec } from '../helpers/transaction-fixtures.ts'
import { assertValidFa3, value, values } from '../ksef/fa3-fixtures.ts'

// made with the CRC-8 of ksef-docs numer-ksef.md (test/ksef/ksef-number.test.ts checks the algorithm)
const KSEF_16_11 = '5261040828-20261116-3F0A12BC45DE-4F'
const KSEF_17_11 = '5261040828-20261117-00AABBCCDDEE-DE'
const KSEF_OTHER_SELLER = '6762468259-20261116-3F0A12BC45DE-C9'
const KSEF_13_11 = '5261040828-20261113-3F0A12BC45DE-37'

async function issue(built: Built, spec: OrderSpec, type = 'faktura'): Promise<number> {
  const shop =
    (await built.db.selectFrom('allegro_shops').select('id').executeTakeFirst())?.id ?? (await insertShop(built.db))
  const transactionId = await insertTransaction(built.db, shop, spec)
  await built.owner.get('/przychody/dokumenty')
  await built.owner.post('/przychody/dokumenty/wystaw', { transactionIds: [String(transactionId)], type })
  const link = await built.db
    .selectFrom('document_transactions')
    .select('document_id')
    .where('transaction_id', '=', transactionId)
    .executeTakeFirstOrThrow()
  return link.document_id
}

t.test('Pobierz XML KSeF: an issued invoice for a company, valid against the official schema', async (t) => {
  const built = await build(t)
  const id = await issue(built, { invoice: 'company' })
  const page = await built.owner.get(`/przychody/dokumenty/${id}`)
  t.match(page.body, `href="/przychody/dokumenty/${id}/ksef.xml">Pobierz XML KSeF (FA(3))</a>`)

  const response = await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], 'application/xml')
  t.equal(response.headers['content-disposition'], 'attachment; filename="FV_1_11_2026.xml"')
  const xml = response.body
  assertValidFa3(t, xml)
  t.equal(value(xml, 'P_2'), 'FV 1/11/2026')
  t.same(values(xml, 'NIP'), ['5261040828', '6762468259'], 'seller and buyer NIP')
  t.equal(value(xml, 'P_15'), '268.97')
  t.equal(value(xml, 'DataWytworzeniaFa'), '2026-11-16T09:00:00Z', 'made at the app clock')
})

t.test('a CZK invoice carries the NBP rate and the PLN VAT per rate that the document stores', async (t) => {
  const standIn = await startNbpStandIn({ CZK: { '2026-11-13': { no: '221/A/NBP/2026', mid: '0.1735' } } })
  t.teardown(standIn.close)
  const built = await build(t, { config: { NBP_API_URL: standIn.baseUrl } })
  const id = await issue(built, {
    currency: 'CZK',
    invoice: 'foreign_company',
    items: [
      { price: '1230.00', taxRate: '23.00' },
      { price: '108.00', taxRate: '8.00' }
    ],
    deliveryCost: '99.00',
    paidAt: '2026-11-16T07:30:00.000Z'
  })
  const doc = await built.db
    .selectFrom('documents')
    .select(['total_vat_pln', 'exchange_rate'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  t.same(doc, { total_vat_pln: 4451, exchange_rate: '0.1735' })
  const xml = (await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)).body
  assertValidFa3(t, xml)
  t.equal(value(xml, 'KodWaluty'), 'CZK')
  // 248,51 CZK × 0,1735 → 43,12 zł; 8,00 CZK × 0,1735 → 1,39 zł; together the stored 44,51 zł
  t.equal(value(xml, 'P_14_1W'), '43.12')
  t.equal(value(xml, 'P_14_2W'), '1.39')
  t.same(values(xml, 'KursWaluty'), ['0.1735', '0.1735', '0.1735'], 'on every row')
  t.same([value(xml, 'KodUE'), value(xml, 'NrVatUE')], ['CZ', '27074358'], 'the Czech buyer by EU VAT number')
})

t.test('what cannot be exported is explained on a page instead of a file', async (t) => {
  const built = await build(t, { company: { auto_book: 0 } })
  const receipt = await issue(built, {}, 'paragon')
  const notInvoice = await built.owner.get(`/przychody/dokumenty/${receipt}/ksef.xml`)
  t.equal(notInvoice.statusCode, 422)
  t.match(notInvoice.body, 'nie jest fakturą – do KSeF trafiają tylko faktury i faktury korygujące')
  t.notMatch(
    (await built.owner.get(`/przychody/dokumenty/${receipt}`)).body,
    'Pobierz XML KSeF',
    'no download offered for a receipt'
  )

  const broken = await issue(built, { invoice: 'company' })
  // data stored before a validation existed: a NIP with a wrong check digit
  await built.db.updateTable('documents').set({ buyer_nip: '6762468250' }).where('id', '=', broken).execute()
  const problems = await built.owner.get(`/przychody/dokumenty/${broken}/ksef.xml`)
  t.equal(problems.statusCode, 422)
  t.match(problems.body, 'Nie można utworzyć pliku KSeF dla FV 1/11/2026')
  t.match(problems.body, 'NIP nabywcy „6762468250” jest nieprawidłowy.')

  await built.owner.get(`/przychody/dokumenty/${broken}/anulowanie`)
  await built.owner.post(`/przychody/dokumenty/${broken}/anulowanie`)
  const cancelled = await built.owner.get(`/przychody/dokumenty/${broken}/ksef.xml`)
  t.equal(cancelled.statusCode, 422)
  t.match(cancelled.body, 'jest anulowany – nie tworzy się dla niego pliku KSeF')
  t.equal((await built.anonymous.get(`/przychody/dokumenty/${broken}/ksef.xml`)).statusCode, 303, 'needs a session')
  t.equal((await built.owner.get('/przychody/dokumenty/999/ksef.xml')).statusCode, 404)
})

t.test('the monthly zip: every invoice of the month, the problematic ones listed in POMINIETE.txt', async (t) => {
  const built = await build(t, { company: { auto_book: 0 } })
  built.clock.set('2026-10-30T12:00:00.000+01:00')
  await issue(built, { invoice: 'company', paidAt: '2026-10-29T10:00:00.000Z' })
  built.clock.set('2026-11-16T10:00:00.000+01:00')
  const first = await issue(built, { invoice: 'company' })
  const second = await issue(built, { invoice: 'person' })
  const broken = await issue(built, { invoice: 'company' })
  const cancelled = await issue(built, { invoice: 'company' })
  await issue(built, {}, 'paragon')
  await issue(built, {}, 'proforma')
  await built.db.updateTable('documents').set({ buyer_nip: '6762468250' }).where('id', '=', broken).execute()
  await built.owner.get(`/przychody/dokumenty/${cancelled}/anulowanie`)
  await built.owner.post(`/przychody/dokumenty/${cancelled}/anulowanie`)

  const list = await built.owner.get('/przychody/dokumenty')
  t.match(list.body, 'action="/przychody/dokumenty/ksef.zip"')
  t.match(list.body, '<option value="2026-11" selected>')
  const response = await built.owner.get('/przychody/dokumenty/ksef.zip?miesiac=2026-11')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'application/zip')
  t.equal(response.headers['content-disposition'], 'attachment; filename="KSeF_FA3_2026-11.zip"')
  const files = unzipSync(new Uint8Array(response.rawPayload))
  t.same(
    Object.keys(files).sort(),
    ['FV_1_11_2026.xml', 'FV_2_11_2026.xml', 'POMINIETE.txt'],
    'October, cancelled, receipt and pro forma left out'
  )
  for (const name of ['FV_1_11_2026.xml', 'FV_2_11_2026.xml']) assertValidFa3(t, strFromU8(files[name]))
  const numbers = await built.db
    .selectFrom('documents')
    .select(['id', 'number'])
    .where('id', 'in', [first, second, broken])
    .orderBy('id')
    .execute()
  t.same(
    numbers.map((n) => n.number),
    ['FV 1/11/2026', 'FV 2/11/2026', 'FV 3/11/2026']
  )
  t.equal(value(strFromU8(files['FV_2_11_2026.xml']), 'BrakID'), '1', 'a consumer without a tax id')
  const skipped = strFromU8(files['POMINIETE.txt'])
  t.match(skipped, 'FV 3/11/2026:\r\n  - NIP nabywcy „6762468250” jest nieprawidłowy.')
  t.notMatch(skipped, 'FV 4/11/2026', 'a cancelled invoice is not an export problem')

  const empty = await built.owner.get('/przychody/dokumenty/ksef.zip?miesiac=2026-09')
  t.equal(empty.statusCode, 303)
  t.equal(empty.headers.location, '/przychody/dokumenty?miesiac=2026-09')
  t.match(
    (await built.owner.get('/przychody/dokumenty?miesiac=2026-09')).body,
    'W miesiącu wrzesień 2026 nie wystawiono żadnej faktury'
  )
  const bad = await built.owner.get('/przychody/dokumenty/ksef.zip?miesiac=2026-13')
  t.equal(bad.statusCode, 303)
  t.match((await built.owner.get('/przychody/dokumenty')).body, 'Wybierz miesiąc eksportu KSeF.')
})

t.test('Numer KSeF: entered once known, checked, printed, guarded', async (t) => {
  const built = await build(t, { company: { auto_book: 0 } })
  const { owner, db, app } = built
  const id = await issue(built, { invoice: 'company' })
  const page = await owner.get(`/przychody/dokumenty/${id}`)
  t.match(page.body, 'Faktura nie ma jeszcze numeru KSeF.')

  for (const [typed, message] of [
    ['', 'Podaj numer KSeF faktury.'],
    [KSEF_16_11.slice(0, -2) + '00', 'To nie jest poprawny numer KSeF'],
    [KSEF_OTHER_SELLER, 'zaczyna się od NIP sprzedawcy (5261040828)'],
    [KSEF_13_11, 'Data w numerze KSeF (13.11.2026) jest wcześniejsza niż data wystawienia faktury (16.11.2026).'],
    ['<script>alert(1)</script>', 'To nie jest poprawny numer KSeF']
  ]) {
    const response = await owner.post(`/przychody/dokumenty/${id}/ksef`, { ksefNumber: typed })
    t.equal(response.statusCode, 422, `refused: ${typed}`)
    t.match(response.body, message)
    if (typed !== '')
      t.match(
        response.body,
        `value="${typed.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`,
        'the typed value is kept, escaped'
      )
  }
  t.equal(
    (await db.selectFrom('documents').select('ksef_number').where('id', '=', id).executeTakeFirstOrThrow()).ksef_number,
    null
  )
  t.equal(
    (await owner.post(`/przychody/dokumenty/${id}/ksef`, { ksefNumber: KSEF_16_11 }, { csrf: null })).statusCode,
    403,
    'no CSRF token'
  )

  await owner.get(`/przychody/dokumenty/${id}`)
  const typedLoosely = ` ${KSEF_16_11.toLowerCase().replace('-3f0a', '- 3f0a')} `
  const saved = await owner.post(`/przychody/dokumenty/${id}/ksef`, { ksefNumber: typedLoosely })
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, `/przychody/dokumenty/${id}`)
  t.equal(
    (await db.selectFrom('documents').select('ksef_number').where('id', '=', id).executeTakeFirstOrThrow()).ksef_number,
    KSEF_16_11,
    'stored normalised'
  )
  const shown = await owner.get(`/przychody/dokumenty/${id}`)
  t.match(shown.body, 'Zapisano numer KSeF faktury FV 1/11/2026.')
  t.match(shown.body, `Numer KSeF: <strong>${KSEF_16_11}</strong>`)
  const pdf = await owner.get(`/przychody/dokumenty/${id}/pdf`)
  const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
  t.match(text, KSEF_16_11)

  // an accepted invoice can only be corrected
  const cancelPage = await owner.get(`/przychody/dokumenty/${id}/anulowanie`)
  t.match(cancelPage.body, 'faktury przyjętej w KSeF nie można anulować')
  await owner.post(`/przychody/dokumenty/${id}/anulowanie`)
  t.equal(
    (await db.selectFrom('documents').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status,
    'issued'
  )

  // another invoice cannot take the same number
  const other = await issue(built, { invoice: 'company' })
  await owner.get(`/przychody/dokumenty/${other}`)
  const duplicate = await owner.post(`/przychody/dokumenty/${other}/ksef`, { ksefNumber: KSEF_16_11 })
  t.equal(duplicate.statusCode, 422)
  t.match(duplicate.body, 'Ten numer KSeF ma już dokument FV 1/11/2026.')

  // a set number: a user without the owner role cannot change it, the owner can fix it
  await seedUser(db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true })
  const seller = new TestClient(app)
  await seller.login('sprzedawca', 'haslo-sprzedawcy-1')
  const sellerPage = await seller.get(`/przychody/dokumenty/${id}`)
  t.notMatch(sellerPage.body, `action="/przychody/dokumenty/${id}/ksef"`, 'no form for a set number')
  t.equal((await seller.post(`/przychody/dokumenty/${id}/ksef`, { ksefNumber: KSEF_17_11 })).statusCode, 403)
  await owner.get(`/przychody/dokumenty/${id}`)
  t.equal((await owner.post(`/przychody/dokumenty/${id}/ksef`, { ksefNumber: KSEF_17_11 })).statusCode, 303)
  t.match((await owner.get(`/przychody/dokumenty/${id}`)).body, 'Poprawiono numer KSeF faktury FV 1/11/2026.')

  // only invoices have one
  const receipt = await issue(built, {}, 'paragon')
  await owner.get(`/przychody/dokumenty/${receipt}`)
  await owner.post(`/przychody/dokumenty/${receipt}/ksef`, { ksefNumber: KSEF_16_11 })
  t.match(
    (await owner.get(`/przychody/dokumenty/${receipt}`)).body,
    'Numer KSeF mają tylko faktury i faktury korygujące.'
  )
  t.equal(
    (await db.selectFrom('documents').select('ksef_number').where('id', '=', receipt).executeTakeFirstOrThrow())
      .ksef_number,
    null
  )
  t.match(
    (await built.anonymous.post(`/przychody/dokumenty/${id}/ksef`, { ksefNumber: KSEF_16_11 })).headers.location,
    '/logowanie'
  )
})

t.test('a KSeF number entered after booking reaches the KPiR entry', async (t) => {
  const built = await build(t)
  const id = await issue(built, { invoice: 'company' })
  const before = await built.db
    .selectFrom('ledger_entries')
    .select('ksef_number')
    .where('document_id', '=', id)
    .executeTakeFirstOrThrow()
  t.equal(before.ksef_number, null, 'booked automatically, before KSeF answered')
  await built.owner.get(`/przychody/dokumenty/${id}`)
  t.equal((await built.owner.post(`/przychody/dokumenty/${id}/ksef`, { ksefNumber: KSEF_16_11 })).statusCode, 303)
  const after = await built.db
    .selectFrom('ledger_entries')
    .select('ksef_number')
    .where('document_id', '=', id)
    .executeTakeFirstOrThrow()
  t.equal(after.ksef_number, KSEF_16_11)
  const kpir = await built.owner.get('/ksiegowosc/kpir?miesiac=2026-11')
  t.match(kpir.body, KSEF_16_11, 'the KPiR shows it')
})
